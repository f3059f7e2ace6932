// Production's own Puppet code (issue 19's speed section), a section of bench/run.mjs:
// `devenv up` with the puppet provisioner against `vagrant up` with Vagrant's own
// puppet provisioner, on the same code, then a rebuild after one manifest change.
//
// The code is the Puppet project of the provisioner tests
// (test/fixtures/provisioners/puppet: a site.pp, modules base and web, hiera
// data, a role fact) with its two roles as two provisioner entries in both tools
// (ops/base: the ops account behind sshd and sudo; ops/web: the application
// from hiera data and the role fact), so that a change to the web role's hiera
// data is a change to the second stage only:
//   - devenv (docker backend, the box image): each entry is an image-cache
//     stage; after the change, `destroy && up` starts from the first stage's
//     saved image and re-runs only the web role; `up` of the running
//     environment re-applies in place.
//   - plain Vagrant (docker provider, the image devenv's vagrant backend boots:
//     the box plus sshd, sudo and the vagrant user; bench/provisioners/Vagrantfile):
//     `vagrant provision` re-provisions in place; `vagrant destroy && up` rebuilds.
//   - devenv's vagrant backend on that same image and Vagrant: cold up, and
//     `up` after the change (no image cache there: it re-applies in place).
// Both tools install Debian's puppet-agent in the machine first.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const name = 'provisioners';

const FIXTURE = 'test/fixtures/provisioners/puppet';

/** The fixture's two roles as two code trees, each with its site.pp (the fixture's includes, one each). */
async function writeTrees(ROOT, ops) {
  const fixture = join(ROOT, FIXTURE);
  await mkdir(join(ops, 'base', 'modules'), { recursive: true });
  await mkdir(join(ops, 'web', 'modules'), { recursive: true });
  await cp(join(fixture, 'modules', 'base'), join(ops, 'base', 'modules', 'base'), { recursive: true });
  await cp(join(fixture, 'modules', 'web'), join(ops, 'web', 'modules', 'web'), { recursive: true });
  await cp(join(fixture, 'hiera.yaml'), join(ops, 'web', 'hiera.yaml'));
  await cp(join(fixture, 'data'), join(ops, 'web', 'data'), { recursive: true });
  const site = await readFile(join(fixture, 'site.pp'), 'utf8');
  if (!/include base\n\s*include web\n/.test(site)) throw new Error(`${FIXTURE}/site.pp no longer includes base then web: update bench/provisioners.mjs`);
  await writeFile(join(ops, 'base', 'site.pp'), 'node default {\n  include base\n}\n');
  await writeFile(join(ops, 'web', 'site.pp'), 'node default {\n  include web\n}\n');
}

const profileText = (name, backend) => `name: ${name}
box: debian-12
backend: ${backend}
${backend === 'vagrant' ? 'vagrant: { provider: docker }\n' : ''}provisioners:
  - puppet:
      manifest: ops/base/site.pp
      modulepath: [ops/base/modules]
  - puppet:
      manifest: ops/web/site.pp
      modulepath: [ops/web/modules]
      hiera: ops/web/hiera.yaml
      facts: { role: web }
`;

/** The one manifest change: the web role's greeting in its hiera data. */
async function changeGreeting(ops, greeting) {
  const data = join(ops, 'web', 'data', 'common.yaml');
  const text = await readFile(data, 'utf8');
  const changed = text.replace(/^web::greeting: .*$/m, `web::greeting: ${greeting}`);
  if (changed === text && !text.includes(`web::greeting: ${greeting}\n`))
    throw new Error("the fixture's hiera data has no web::greeting: update bench/provisioners.mjs");
  await writeFile(data, changed);
}

export async function run(ctx, kit) {
  const { ROOT, RUN_ID, RUN_LABEL, VAGRANT_ENV, sh, devenv, docker, must, defer, dist, measure, timed, record, median, envStatus, systemdRun, log } = kit;
  const r = {};
  const few = Math.min(ctx.runs, 3);
  const converged = async (execIn, greeting) => {
    const res = await execIn(['sh', '-c', 'cat /etc/web/app.conf && systemctl is-active web ssh']);
    return (
      res.exitCode === 0 &&
      res.stdout.includes(`greeting = ${greeting}\n`) &&
      res.stdout.includes('role = web\n') &&
      res.stdout.trim().endsWith('active\nactive')
    );
  };
  let round = 0;
  const nextGreeting = () => `bench-${RUN_ID}-${++round}`;

  // ------------------------------------------------ devenv, docker backend (image cache)
  const project = join(ctx.work, 'provisioners-devenv');
  const ops = join(project, 'ops');
  await writeTrees(ROOT, ops);
  await writeFile(join(project, 'devenv.yaml'), profileText(`bench-puppet-${RUN_ID}`, 'docker'));
  const d = (args) => devenv(project, args, { reject: false });
  defer(`devenv project ${project}`, async () => {
    await d(['destroy', '--force']);
    const { stdout } = await docker(['images', '-q', '--filter', `label=devenv.cache.profile=${join(project, 'devenv.yaml')}`], { reject: false });
    for (const id of [...new Set(stdout.split('\n').filter(Boolean))].reverse()) await docker(['rmi', '-f', id], { reject: false });
  });
  const dv = (r.devenv = {});
  let greeting = nextGreeting();
  await changeGreeting(ops, greeting);
  let up;
  await measure(dv, 'coldUp', 'devenv up (cold: box → puppet-agent, base, web)', 1, async () => (up = must(await d(['up', '--json']), 'devenv up')));
  dv.coldUpReport = JSON.parse(up.stdout);
  const execDevenv = async (argv) => docker(['exec', (await envStatus(project)).id, ...argv], { reject: false });
  dv.converged = await converged(execDevenv, greeting);
  if (!dv.converged) throw new Error('devenv did not converge the puppet project');

  // ------------------------------------------------ plain Vagrant + Vagrant's puppet provisioner
  const [{ loadProfile }, { silentProgress }, { connectDocker }, box] = await Promise.all([
    dist('environment/load.js'),
    dist('core/progress.js'),
    dist('backends/docker/engine.js'),
    dist('backends/vagrant/vagrant-box.js'),
  ]);
  const vdir = join(ctx.work, 'provisioners-vagrant');
  await writeTrees(ROOT, join(vdir, 'ops'));
  await cp(join(ROOT, 'bench/provisioners/Vagrantfile'), join(vdir, 'Vagrantfile'));
  const profile = await loadProfile(join(project, 'devenv.yaml'));
  r.image = await box.ensureVagrantBoxImage(await connectDocker(), profile.box, silentProgress());
  r.vagrantVersion = (await sh('vagrant', ['--version'])).stdout.trim();
  const vname = `devenv-bench-vagrant-puppet-${RUN_ID}`;
  const env = {
    ...VAGRANT_ENV,
    VAGRANT_CWD: vdir,
    DEVENV_BENCH_VAGRANT_IMAGE: r.image,
    DEVENV_BENCH_VAGRANT_NAME: vname,
    DEVENV_BENCH_LABELS: RUN_LABEL,
    DEVENV_BENCH_SYSTEMD_ARGS: JSON.stringify(await systemdRun()),
  };
  const vagrant = (args) => sh('vagrant', args, { cwd: vdir, env, reject: false, timeout: 1_800_000 });
  defer(`vagrant machine in ${vdir}`, async () => {
    await vagrant(['destroy', '-f']);
    await docker(['rm', '-f', '-v', vname], { reject: false });
  });
  const pv = (r.vagrant = {});
  const execVagrant = (argv) => docker(['exec', vname, ...argv], { reject: false });
  await changeGreeting(join(vdir, 'ops'), greeting);
  await measure(pv, 'coldUp', 'vagrant up (cold: shell puppet-agent, puppet base, puppet web)', 1, async () =>
    must(await vagrant(['up', '--provider=docker']), 'vagrant up'),
  );
  pv.converged = await converged(execVagrant, greeting);
  if (!pv.converged) throw new Error('plain Vagrant did not converge the puppet project');
  r.puppetVersion = (await execVagrant(['puppet', '--version'])).stdout.trim();

  // ------------------------------------------------ one manifest change, side by side, `few` rounds
  const samples = { devenvRebuild: [], devenvUp: [], vagrantProvision: [] };
  dv.rebuildReports = [];
  for (let i = 0; i < few; i++) {
    greeting = nextGreeting();
    await changeGreeting(ops, greeting);
    let again;
    samples.devenvRebuild.push(
      await timed(async () => {
        must(await d(['destroy', '--force']), 'devenv destroy');
        again = must(await d(['up', '--json']), 'devenv up after the change');
      }),
    );
    dv.rebuildReports.push(JSON.parse(again.stdout));
    if (!(await converged(execDevenv, greeting))) throw new Error('devenv did not converge after the change (rebuild)');

    greeting = nextGreeting();
    await changeGreeting(ops, greeting);
    samples.devenvUp.push(await timed(async () => must(await d(['up']), 'devenv up (running) after the change')));
    if (!(await converged(execDevenv, greeting))) throw new Error('devenv did not converge after the change (up in place)');

    await changeGreeting(join(vdir, 'ops'), greeting);
    samples.vagrantProvision.push(await timed(async () => must(await vagrant(['provision']), 'vagrant provision after the change')));
    if (!(await converged(execVagrant, greeting))) throw new Error('plain Vagrant did not converge after the change (provision)');
  }
  record(dv, 'rebuildAfterChange', 'devenv destroy && up after one hiera change (cache: base)', samples.devenvRebuild);
  record(dv, 'upAfterChange', 'devenv up of the running env after one hiera change', samples.devenvUp);
  record(pv, 'provisionAfterChange', 'vagrant provision after one hiera change', samples.vagrantProvision);
  greeting = nextGreeting();
  await changeGreeting(join(vdir, 'ops'), greeting);
  await measure(pv, 'rebuildAfterChange', 'vagrant destroy -f && vagrant up after one hiera change', 1, async () => {
    must(await vagrant(['destroy', '-f']), 'vagrant destroy');
    must(await vagrant(['up', '--provider=docker']), 'vagrant up after the change');
  });
  if (!(await converged(execVagrant, greeting))) throw new Error('plain Vagrant did not converge after the rebuild');
  await vagrant(['destroy', '-f']);
  must(await d(['destroy', '--force']), 'devenv destroy');

  // ------------------------------------------------ devenv's vagrant backend on the same image as plain Vagrant
  // (BENCH_PROVISIONERS_VAGRANT_BACKEND=0 leaves it out: on a loaded machine it is ten minutes more.)
  if (process.env.BENCH_PROVISIONERS_VAGRANT_BACKEND === '0') return r;
  const vproject = join(ctx.work, 'provisioners-devenv-vagrant');
  const vops = join(vproject, 'ops');
  await writeTrees(ROOT, vops);
  await writeFile(join(vproject, 'devenv.yaml'), profileText(`bench-puppet-v-${RUN_ID}`, 'vagrant'));
  const dvv = (args) => devenv(vproject, args, { reject: false });
  defer(`devenv project ${vproject}`, async () => {
    await dvv(['destroy', '--force']);
    const { stdout } = await docker(['ps', '-aq', '--filter', `label=devenv.profile=${join(vproject, 'devenv.yaml')}`], { reject: false });
    for (const id of stdout.split('\n').filter(Boolean)) await docker(['rm', '-f', '-v', id], { reject: false });
  });
  const va = (r.devenvVagrant = {});
  greeting = nextGreeting();
  await changeGreeting(vops, greeting);
  await measure(va, 'coldUp', 'devenv[vagrant] up (cold)', 1, async () => must(await dvv(['up']), 'devenv up (vagrant backend)'));
  const execV = async (argv) => docker(['exec', (await envStatus(vproject)).id, ...argv], { reject: false });
  va.converged = await converged(execV, greeting);
  greeting = nextGreeting();
  await changeGreeting(vops, greeting);
  await measure(va, 'upAfterChange', 'devenv[vagrant] up of the running env after one hiera change', 1, async () =>
    must(await dvv(['up']), 'devenv up (vagrant backend) after the change'),
  );
  va.convergedAfterChange = await converged(execV, greeting);
  must(await dvv(['destroy', '--force']), 'devenv destroy (vagrant backend)');
  log(
    `provisioners: devenv rebuild reports ${JSON.stringify(dv.rebuildReports.map((x) => x.cache ?? null))}; medians ${median(samples.devenvRebuild).toFixed(2)} s vs vagrant provision ${median(samples.vagrantProvision).toFixed(2)} s`,
  );
  return r;
}

export function targets(s, kit) {
  const { get, ratio } = kit;
  const f = (k) => get(s, `provisioners.figures.${k}`);
  const row = (what, devenvText, devenvKey, peerText, peerKey) => ({
    issue: '19',
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
    row("cold up with production's Puppet code", 'devenv up', 'devenv.coldUp', 'vagrant up (puppet provisioner)', 'vagrant.coldUp'),
    row(
      'one manifest change: cached rebuild vs Vagrant re-provisioning',
      'destroy && up (cache)',
      'devenv.rebuildAfterChange',
      'vagrant provision',
      'vagrant.provisionAfterChange',
    ),
    row('one manifest change: rebuild vs rebuild', 'destroy && up (cache)', 'devenv.rebuildAfterChange', 'vagrant destroy && up', 'vagrant.rebuildAfterChange'),
    row(
      'one manifest change: applied to the running machine',
      'devenv up (running)',
      'devenv.upAfterChange',
      'vagrant provision',
      'vagrant.provisionAfterChange',
    ),
  ];
}

export function details(s, kit) {
  const { detailTable } = kit;
  const figures = s.provisioners?.figures;
  if (!figures) return '';
  const reports = figures.devenv?.rebuildReports ?? [];
  const cache = [
    ...new Set(
      reports.map((x) =>
        x.cache ? `from stage ${x.cache.from_stage} of ${x.cache.of}, provisioned ${x.provisioned}` : `no cache, provisioned ${x.provisioned}`,
      ),
    ),
  ].join('; ');
  return `${detailTable(
    `Puppet provisioner (the provisioner tests' Puppet project, roles base then web; Puppet ${figures.puppetVersion ?? '?'}, ${figures.vagrantVersion ?? 'Vagrant'})`,
    figures,
    [
      ['devenv.coldUp', 'devenv up, cold (docker backend, box image)'],
      ['vagrant.coldUp', 'vagrant up, cold (docker provider, box + sshd image; shell + 2 × puppet provisioner)'],
      ['devenvVagrant.coldUp', 'devenv up, cold (vagrant backend, docker provider, the same image as plain Vagrant)'],
      ['devenv.rebuildAfterChange', "devenv destroy --force && up after one hiera change (from the base stage's saved image)"],
      ['vagrant.rebuildAfterChange', 'vagrant destroy -f && vagrant up after one hiera change'],
      ['devenv.upAfterChange', 'devenv up of the running environment after one hiera change'],
      ['devenvVagrant.upAfterChange', 'devenv up (vagrant backend) of the running machine after one hiera change'],
      ['vagrant.provisionAfterChange', 'vagrant provision after one hiera change'],
    ],
  )}

What devenv's rebuilds did: ${cache || 'n/a'}. Converged (web's app.conf has the new greeting and the role fact; web and ssh active):
devenv ${figures.devenv?.converged ?? 'n/a'}, plain Vagrant ${figures.vagrant?.converged ?? 'n/a'}${figures.devenvVagrant ? `, devenv on Vagrant ${figures.devenvVagrant.converged} (after the change ${figures.devenvVagrant.convergedAfterChange})` : " (devenv's vagrant backend was left out of this run: BENCH_PROVISIONERS_VAGRANT_BACKEND=0)"}.
devenv's docker backend boots the box itself, so its base role also installs openssh-server and sudo, which plain Vagrant's image already has.`;
}
