import { mkdir, statfs } from 'node:fs/promises';
import { execa } from 'execa';
import { connectDocker, systemdSpecFor } from '../../backends/docker/engine.js';
import { cacheDir } from '../../box/build.js';
import { DevenvError } from '../../core/errors.js';
import { loadProfile } from '../../environment/load.js';
import { locateProfile } from '../../profile/parse.js';
import { writeJson, type CommandContext } from '../context.js';
import { environmentOf } from '../load-profile.js';
import { chooseDomainType, libvirtdStatus, probeKvm, probeNetworkMode } from '../../backends/vagrant/libvirt-host.js';

interface DoctorItem {
  item: string;
  ok: boolean;
  /** Optional items (vagrant) report but do not fail the doctor. */
  optional?: boolean;
  detail: string;
  fix?: string;
}

async function toolVersion(argv: string[]): Promise<string | undefined> {
  const result = await execa(argv[0]!, argv.slice(1), { reject: false, timeout: 10_000 });
  return result.exitCode === 0 ? (result.stdout || result.stderr).split('\n')[0]?.trim() : undefined;
}

/** The libvirt provider (backend: vagrant, vagrant: { provider: libvirt }): optional, each with its fix. */
async function libvirtItems(): Promise<DoctorItem[]> {
  const items: DoctorItem[] = [];
  const plugins = await execa('vagrant', ['plugin', 'list'], { reject: false, timeout: 60_000, env: { VAGRANT_CHECKPOINT_DISABLE: '1' } });
  const plugin = /^vagrant-libvirt \(([^,)]+)/m.exec(String(plugins.stdout))?.[1];
  items.push(
    plugin
      ? { item: 'vagrant-libvirt', ok: true, optional: true, detail: `plugin ${plugin}` }
      : {
          item: 'vagrant-libvirt',
          ok: false,
          optional: true,
          detail: 'the plugin is not installed (only needed for vagrant: { provider: libvirt })',
          fix: 'bash scripts/setup-host.sh libvirt (or: sudo apt-get install vagrant-libvirt)',
        },
  );
  const libvirtd = await libvirtdStatus();
  items.push(
    libvirtd.ok
      ? { item: 'libvirtd', ok: true, optional: true, detail: libvirtd.detail }
      : {
          item: 'libvirtd',
          ok: false,
          optional: true,
          detail: libvirtd.detail,
          fix: 'bash scripts/setup-host.sh libvirt (installs libvirt-daemon and starts libvirtd, in the background where no systemd runs)',
        },
  );
  try {
    const domain = chooseDomainType(probeKvm());
    items.push({ item: 'libvirt domain type', ok: true, optional: true, detail: `${domain.value} — ${domain.why}` });
    const network = await probeNetworkMode();
    items.push({ item: 'libvirt network', ok: true, optional: true, detail: `${network.value} — ${network.why}` });
  } catch (error) {
    if (!(error instanceof DevenvError)) throw error;
    items.push({ item: 'libvirt settings', ok: false, optional: true, detail: error.message, fix: error.hint });
  }
  return items;
}

export async function run(_args: object, ctx: CommandContext): Promise<number> {
  const items: DoctorItem[] = [];

  try {
    const docker = await connectDocker();
    const version = await docker.version();
    const where = process.env.DOCKER_HOST ?? 'the local socket';
    items.push({
      item: 'container engine',
      ok: true,
      detail: `${version.Components?.some((c) => /podman/i.test(c.Name)) ? 'Podman' : 'Docker'} ${version.Version} (API ${version.ApiVersion}) at ${where}`,
    });
    try {
      const spec = await systemdSpecFor(docker);
      items.push({ item: 'systemd in containers', ok: true, detail: `mode ${spec.mode} — ${spec.why}` });
    } catch (error) {
      if (!(error instanceof DevenvError)) throw error;
      items.push({ item: 'systemd in containers', ok: false, detail: error.message, fix: error.hint });
    }
  } catch (error) {
    items.push({
      item: 'container engine',
      ok: false,
      detail: error instanceof DevenvError ? error.message : String(error),
      fix: 'install docker.io and start dockerd (`sudo systemctl start docker`, or `sudo dockerd &`)',
    });
  }

  const debootstrap = await toolVersion(['debootstrap', '--version']);
  items.push(
    debootstrap
      ? { item: 'debootstrap', ok: true, detail: debootstrap }
      : { item: 'debootstrap', ok: false, detail: 'not installed (boxes are built from vanilla with it)', fix: 'sudo apt-get install debootstrap' },
  );

  const vagrant = await toolVersion(['vagrant', '--version']);
  items.push(
    vagrant
      ? { item: 'vagrant', ok: true, optional: true, detail: vagrant }
      : { item: 'vagrant', ok: false, optional: true, detail: 'not installed (only needed for backend: vagrant)', fix: 'sudo apt-get install vagrant' },
  );

  if (vagrant) items.push(...(await libvirtItems()));

  const ssh = await toolVersion(['ssh', '-V']);
  items.push(
    ssh
      ? { item: 'openssh client', ok: true, detail: ssh }
      : {
          item: 'openssh client',
          ok: false,
          optional: true,
          detail: 'not installed (needed for ssh:// production targets)',
          fix: 'sudo apt-get install openssh-client',
        },
  );

  try {
    await mkdir(cacheDir(), { recursive: true });
    const stats = await statfs(cacheDir());
    const freeGiB = (stats.bavail * stats.bsize) / 1024 ** 3;
    items.push({
      item: 'free disk',
      ok: freeGiB >= 2,
      detail: `${freeGiB.toFixed(1)} GiB free at ${cacheDir()}`,
      fix: freeGiB >= 2 ? undefined : 'a box and its environments need about 2 GiB: free some space',
    });
  } catch (error) {
    items.push({ item: 'free disk', ok: false, detail: String(error) });
  }

  try {
    const profile = await loadProfile(locateProfile(ctx.options.profile), { ...environmentOf(ctx), severalMachines: true });
    const machines = profile.machines ? `, machines ${profile.machines.map((m) => m.machine!.name).join(', ')}` : '';
    items.push({ item: 'profile', ok: true, detail: `${profile.file} is valid (${profile.manifests.length} manifests, box ${profile.box.name}${machines})` });
    // An ansible provisioner runs ansible-playbook on this machine: say so before `up` needs it.
    if ([profile, ...(profile.machines ?? [])].some((each) => each.provisioners.some((entry) => entry.kind === 'ansible'))) {
      const { ansibleVersion, ANSIBLE_MISSING_HINT } = await import('../../provisioners/ansible.js');
      const ansible = await ansibleVersion();
      items.push(
        ansible
          ? { item: 'ansible', ok: true, detail: `${ansible} (the profile's ansible provisioner runs it here)` }
          : {
              item: 'ansible',
              ok: false,
              detail: "ansible-playbook is not installed (the profile's ansible provisioner runs it on this machine)",
              fix: ANSIBLE_MISSING_HINT,
            },
      );
    }
  } catch (error) {
    items.push({
      item: 'profile',
      ok: false,
      detail: error instanceof DevenvError ? error.message : String(error),
      fix: error instanceof DevenvError ? error.hint : undefined,
    });
  }

  const healthy = items.every((item) => item.ok || item.optional);
  if (ctx.options.format === 'json') {
    writeJson(ctx, { schema: 'devenv.doctor/v1', ok: healthy, items });
  } else {
    for (const item of items) {
      const mark = item.ok ? '✓' : item.optional ? '-' : '✗';
      ctx.out(`${mark} ${item.item}: ${item.detail}\n`);
      if (!item.ok && item.fix) ctx.out(`    fix: ${item.fix}\n`);
    }
  }
  return healthy ? 0 : 1;
}
