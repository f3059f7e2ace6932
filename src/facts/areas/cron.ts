import { z } from 'zod';
import { sh, type Collected, type FactArea, type SectionParser } from './area.js';
import { describedFiles } from './described-files.js';
import { num, sortRecord, str, tabbed } from './parse-helpers.js';
import { parseServices } from './services.js';

/** The cron fact area: its collector fragment, parser and schema. */

export const CrontabFacts = z.object({
  /** sha256 of the job lines (comments and blank lines left out: crontab(1) stamps a dated header). */
  sha256: str,
  jobs: num,
  mode: str.optional(),
  owner: str.optional(),
  group: str.optional(),
});

export const TimerFacts = z.object({
  enabled: str,
  active: str,
  /** Over the timer's unit file and drop-ins, without configuration-management headers. */
  unit_sha256: str.optional(),
  /** Its start conditions failed (fstrim.timer in a container): inactive by design. */
  condition_failed: z.boolean().optional(),
});

export const CronFacts = z.object({
  /** user → crontab in /var/spool/cron/crontabs; absent when it could not be read. */
  crontabs: z.record(str, CrontabFacts).optional(),
  /** Timer units (systemd's cron), by name without .timer. */
  timers: z.record(str, TimerFacts).optional(),
});

const script = sh`
# Per-user crontabs (their job lines only: crontab(1) stamps a header with a
# temporary file name and a date), and the timers the services section read.
section_cron() {
  d=/var/spool/cron/crontabs
  if [ -d "$d" ]; then
    if [ -r "$d" ] && [ -x "$d" ]; then
    for f in "$d"/*; do
      [ -f "$f" ] || continue
      printf 'J\t%s\t%s\t%s\n' "$(grep -Ev '^[[:space:]]*(#|$)' -- "$f" | sha256sum | cut -c1-64)" "$(grep -Evc '^[[:space:]]*(#|$)' -- "$f")" "$f"
    done
    find "$d" -mindepth 1 -maxdepth 1 -type f -printf "$FIND_FMT" 2>/dev/null
    else printf 'R\t%s\n' "$d"; fi
  fi
  if [ -n "\${SERVICES_SHOW-}" ]; then
    echo "@timers"
    printf '%s\n\n' "$SERVICES_SHOW" | awk 'BEGIN { RS = ""; ORS = "\n\n" } /(^|\n)Id=[^\n]*\.timer(\n|$)/'
    echo "@hashes"
    printf '%s\n' "\${SERVICES_HASHES-}" | grep -E '\.timer(\.d/[^/]*\.conf)?$'
  fi
  return 0
}
`;

const parseCron: SectionParser = ({ lines }, context) => {
  const timersAt = lines.indexOf('@timers');
  const cronLines = timersAt >= 0 ? lines.slice(0, timersAt) : lines;
  const crontabs: NonNullable<NonNullable<Collected['cron']>['crontabs']> = {};
  const stats = describedFiles(cronLines);
  for (const [sha = '', jobs = '', path = ''] of tabbed(cronLines, 'J')) {
    const meta = stats.get(path);
    crontabs[path.replace(/^.*\//, '')] = {
      sha256: sha,
      jobs: Number(jobs) || 0,
      ...(meta?.mode ? { mode: meta.mode } : {}),
      ...(meta?.owner ? { owner: meta.owner } : {}),
      ...(meta?.group ? { group: meta.group } : {}),
    };
  }
  const unreadable = tabbed(cronLines, 'R')[0]?.[0];
  if (unreadable) context.errors['cron:crontabs'] = `${unreadable} is not readable (collect as root)`;
  let timers: NonNullable<Collected['cron']>['timers'];
  if (timersAt >= 0) {
    // The timer blocks of the services section's systemctl show, and their unit files' hashes: parsed as services are.
    const parsed = parseServices({ lines: lines.slice(timersAt + 1), errors: [], exitCode: 0 }, context, '.timer').services ?? {};
    timers = sortRecord(
      Object.fromEntries(
        Object.entries(parsed).map(([name, t]) => [
          name,
          {
            enabled: t.enabled,
            active: t.active,
            ...(t.unit_sha256 ? { unit_sha256: t.unit_sha256 } : {}),
            ...(t.condition_failed ? { condition_failed: true } : {}),
          },
        ]),
      ),
    );
  }
  return { cron: { ...(unreadable ? {} : { crontabs: sortRecord(crontabs) }), ...(timers ? { timers } : {}) } };
};

export const cronArea: FactArea = { section: 'cron', key: 'cron', script, parse: parseCron };
