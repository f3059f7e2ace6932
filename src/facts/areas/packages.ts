import { z } from 'zod';
import { sh, type Collected, type FactArea, type SectionParser } from './area.js';
import { isInstalledStatus, keyValues, str, tabbed } from './parse-helpers.js';

/** The packages fact area: its collector fragment, parser and schema. */

export const DebPackage = z.object({
  version: str,
  arch: str,
  /** dpkg status abbreviation, e.g. "ii". */
  status: str,
  /** True when apt marks it manually installed (apt-mark showmanual). */
  manual: z.boolean().optional(),
});

export const PackagesFacts = z.object({
  deb: z.record(str, DebPackage),
  /** apt's APT::Install-Recommends on the host (its default included); absent from importers and older facts. */
  install_recommends: z.boolean().optional(),
  /** How many Recommends of the hand-installed packages are installed: how the host was really built. */
  recommends_met: z.object({ met: z.number().int(), of: z.number().int() }).optional(),
});

const script = sh`
section_packages() {
  have dpkg-query || { fail "dpkg-query not found"; return 1; }
  dpkg_arch
  echo "native=$DPKG_ARCH"
  # apt's own answer, its built-in default included: does this host install Recommends?
  if have apt-config; then apt_settings; apt_setting r; echo "recommends=$SETTING"; fi
  # Kept for security_updates, which asks about one package of the same list.
  DPKG_LIST=$(dpkg-query -W -f 'P\t\${Package}\t\${Version}\t\${Architecture}\t\${db:Status-Abbrev}\t\${Recommends}\n') || { unset DPKG_LIST; fail "dpkg-query failed"; return 1; }
  printf '%s\n' "$DPKG_LIST"
  if [ -r /var/lib/apt/extended_states ]; then
    awk '/^Package:/{p=$2} /^Architecture:/{a=$2} /^Auto-Installed: *1/{print "A\t" p "\t" a}' /var/lib/apt/extended_states
  fi
  return 0
}
`;

const parsePackages: SectionParser = ({ lines }) => {
  const native = keyValues(lines).get('native') ?? '';
  const auto = new Set(tabbed(lines, 'A').map(([name = '', arch = '']) => `${name}:${arch}`));
  const deb: NonNullable<Collected['packages']>['deb'] = {};
  const recommendedBy: string[][] = [];
  for (const [name = '', version = '', arch = '', rawStatus = '', recommends = ''] of tabbed(lines, 'P')) {
    const status = rawStatus.trim();
    if (!name || !isInstalledStatus(status)) continue;
    const key = arch === native || arch === 'all' || arch === '' ? name : `${name}:${arch}`;
    // extended_states records the real arch (or "all"); a package absent from it was installed by hand.
    const manual = !auto.has(`${name}:${arch}`) && !auto.has(`${name}:${native}`);
    deb[key] = { version, arch, status, manual };
    // Each Recommends group of a hand-installed package, as the names that would satisfy it.
    if (manual && recommends.trim()) {
      for (const group of recommends.split(','))
        recommendedBy.push(
          group
            .split('|')
            .map((alt) => alt.trim().split(/[\s(:]/)[0]!)
            .filter(Boolean),
        );
    }
  }
  if (Object.keys(deb).length === 0) throw new Error('dpkg-query listed no installed packages');
  const configured = /'(true|false)'/.exec(keyValues(lines).get('recommends') ?? '')?.[1];
  const met = recommendedBy.filter((names) => names.some((n) => deb[n] !== undefined)).length;
  return {
    packages: {
      deb,
      ...(configured ? { install_recommends: configured === 'true' } : {}),
      ...(recommendedBy.length ? { recommends_met: { met, of: recommendedBy.length } } : {}),
    },
  };
};

export const packagesArea: FactArea = { section: 'packages', key: 'packages', script, parse: parsePackages };
