// The libvirt section of bench/run.mjs (issue 20): a real virtual machine under
// vagrant-libvirt, devenv against plain Vagrant on the SAME machine. devenv brings
// a small profile up once (a package, a file, a service; its Vagrantfile, box and
// domain), then both tools drive that one machine folder in turn:
//
//   devenv up     of the halted VM   vs   vagrant up     of the halted VM (same Vagrantfile)
//   devenv exec -- true              vs   vagrant ssh -c true
//
// One VM per run: under software emulation (TCG, where /dev/kvm cannot run a stock
// kernel) a boot costs a minute or more, so this section takes few runs.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const name = 'libvirt';

const PROFILE = (projectName) =>
  [
    `name: ${projectName}`,
    'box: debian-12',
    'backend: vagrant',
    'vagrant: { provider: libvirt }',
    'resources: { cpus: 2, memory: 1GiB }',
    'manifests: [manifests/base.yaml]',
    '',
  ].join('\n');

const MANIFEST = ['file:', '  /etc/bench-libvirt.conf: { content: "bench\\n", mode: "0644" }', ''].join('\n');

/** kit: the helpers run.mjs shares (measure, must, devenv, sh, defer, log, VAGRANT_ENV, RUN_ID). */
export async function run(ctx, kit) {
  const { measure, must, devenv, sh, defer, log, VAGRANT_ENV, RUN_ID } = kit;
  const r = {};
  const runs = Math.min(ctx.runs, 3);
  r.vagrant = (await sh('vagrant', ['--version'])).stdout.trim();
  r.libvirtPlugin =
    ((await sh('vagrant', ['plugin', 'list'], { env: VAGRANT_ENV, reject: false })).stdout.match(/vagrant-libvirt \(([^,)]+)/) ?? [])[1] ?? 'n/a';

  const project = await mkdtemp(join(ctx.work, 'libvirt-'));
  const projectName = `bench-vm-${RUN_ID.replace(/[^a-z0-9]/g, '').slice(-8)}`;
  await mkdir(join(project, 'manifests'));
  await writeFile(join(project, 'manifests', 'base.yaml'), MANIFEST);
  await writeFile(join(project, 'devenv.yaml'), PROFILE(projectName));
  const stateDir = join(project, '.devenv', 'vagrant', projectName);
  const d = (args) => devenv(project, args, { reject: false, timeout: 1_500_000 });
  // As devenv runs Vagrant (src/backends/vagrant/vagrant-cli.ts): the same folder, provider and checks off.
  const vagrantEnv = { ...VAGRANT_ENV, VAGRANT_CWD: stateDir, VAGRANT_DEFAULT_PROVIDER: 'libvirt', VAGRANT_BOX_UPDATE_CHECK_DISABLE: '1' };
  const vagrant = (args) => sh('vagrant', args, { cwd: stateDir, env: vagrantEnv, reject: false, timeout: 1_500_000 });
  defer(`libvirt VM of ${project}`, async () => {
    await d(['destroy', '--force']);
    if (existsSync(join(stateDir, '.vagrant'))) await vagrant(['destroy', '-f']);
    await rm(project, { recursive: true, force: true });
  });

  const box = JSON.parse(must(await d(['box', 'build', 'debian-12', '--provider', 'libvirt', '--json']), 'devenv box build --provider libvirt').stdout);
  r.box = box.vagrant_box;
  log(`libvirt box ${box.vagrant_box} (${box.built ? 'built now' : 'cached'})`);
  const doctor = JSON.parse((await d(['doctor', '--json'])).stdout || '{"items":[]}');
  r.domainType = doctor.items?.find((i) => i.item === 'libvirt domain type')?.detail ?? 'n/a';

  let up;
  await measure(r, 'coldUp', 'devenv up (cold: define, boot, provision the VM)', 1, async () => {
    up = must(await d(['up', '--json']), 'devenv up (libvirt)');
  });
  r.coldUpReport = JSON.parse(up.stdout);
  await measure(r, 'exec', 'devenv exec -- true (VM)', ctx.runs * 2, async () => must(await d(['exec', '--', 'true']), 'devenv exec'), { warmup: 1 });
  await measure(r, 'vagrantSsh', 'vagrant ssh -c true (same VM)', ctx.runs, async () => must(await vagrant(['ssh', '-c', 'true']), 'vagrant ssh -c true'));
  await measure(r, 'upAfterHalt', 'devenv up (after devenv halt)', runs, async () => must(await d(['up']), 'devenv up after halt'), {
    before: async () => must(await d(['halt']), 'devenv halt'),
  });
  r.upAfterHaltProvisioned = true;
  await measure(
    r,
    'upAfterHaltNoProvision',
    'devenv up --no-provision (after devenv halt)',
    runs,
    async () => must(await d(['up', '--no-provision']), 'devenv up --no-provision after halt'),
    {
      before: async () => must(await d(['halt']), 'devenv halt'),
    },
  );
  await measure(
    r,
    'vagrantUpAfterHalt',
    'vagrant up (after vagrant halt; same Vagrantfile)',
    runs,
    async () => must(await vagrant(['up']), 'vagrant up after halt'),
    {
      before: async () => must(await vagrant(['halt']), 'vagrant halt'),
    },
  );
  // devenv's view after Vagrant's own up: running and still provisioned.
  r.convergedAfterVagrantUp = (await d(['exec', '--', 'cat', '/etc/bench-libvirt.conf'])).stdout.trim().endsWith('bench');
  must(await d(['destroy', '--force']), 'devenv destroy');
  return r;
}

/** Its rows of the targets table (issue 20 sets no figure: side by side). */
export function targets(s, kit) {
  const { get, ratio } = kit;
  const f = (k) => get(s, `libvirt.figures.${k}`);
  const row = (what, devenvText, devenvKey, peerText, peerKey) => ({
    issue: '20',
    what,
    devenvText,
    devenvValue: f(devenvKey),
    peerText,
    peerValue: f(peerKey),
    targetText: '—',
    met: undefined,
    ratio: ratio(f(devenvKey), f(peerKey)),
  });
  return [
    row('up of a halted VM (libvirt)', 'devenv up', 'upAfterHalt', 'vagrant up', 'vagrantUpAfterHalt'),
    row('one command in the VM', 'devenv exec -- true', 'exec', 'vagrant ssh -c true', 'vagrantSsh'),
  ];
}

export function details(s, kit) {
  return render(s.libvirt, kit);
}

/** The section's part of RESULTS.md (kit: detailTable, fmt, fmtRatio). */
function render(section, kit) {
  const { detailTable, fmt, fmtRatio } = kit;
  const f = section?.figures;
  if (!f) return '### Real VM (vagrant-libvirt)\n\nNot measured yet (`bash bench/run.sh --only libvirt`).';
  const ratio = (a, b) => (a?.median === undefined || b?.median === undefined ? 'n/a' : fmtRatio(a.median / b.median));
  return [
    detailTable(`Real VM, vagrant-libvirt (${f.domainType}): devenv and plain Vagrant on the same machine`, f, [
      ['coldUp', 'devenv up, cold (define, boot, provision)'],
      ['upAfterHalt', 'devenv up after devenv halt (boot, then provisioning checked: nothing to change)'],
      ['upAfterHaltNoProvision', 'devenv up --no-provision after devenv halt'],
      ['vagrantUpAfterHalt', 'vagrant up after vagrant halt (the Vagrantfile devenv wrote)'],
      ['exec', 'devenv exec -- true'],
      ['vagrantSsh', 'vagrant ssh -c true'],
    ]),
    '',
    `Box \`${f.box}\`, ${f.vagrant}, vagrant-libvirt ${f.libvirtPlugin}. devenv up of the halted VM is ${ratio(f.upAfterHalt, f.vagrantUpAfterHalt)} of \`vagrant up\` ` +
      `(${ratio(f.upAfterHaltNoProvision, f.vagrantUpAfterHalt)} without provisioning); \`devenv exec\` is ${ratio(f.exec, f.vagrantSsh)} of \`vagrant ssh -c\` ` +
      `(${fmt(f.exec?.median)} against ${fmt(f.vagrantSsh?.median)}: one multiplexed SSH connection, no Ruby start). Booting dominates every up here: ` +
      `the VM runs under software emulation on this machine (KVM, where a boot takes seconds, was not measured). After Vagrant's own up, devenv still found the VM provisioned: ${f.convergedAfterVagrantUp ?? 'n/a'}.`,
  ].join('\n');
}
