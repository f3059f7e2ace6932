#!/usr/bin/env node
// Benchmarks devenv against its peers on the same work — the bundled example
// (profiles/mysite: nginx in front of gunicorn on a unix socket, a system user,
// 7 files, 2 services, exact Debian pins) — on this machine, side by side:
//
//   devenv    cold up, cached rebuild (destroy + up), no-change provision/plan,
//             up of a running env, up after halt (and docker start + systemd boot
//             on the same container as the baseline), exec, facts
//   puppet    Puppet 7 (Debian's puppet-agent): cold apply, no-change apply
//   docker    docker build of an equivalent Dockerfile: cold (--no-cache), cached
//   vagrant   plain Vagrant (docker provider + shell provisioner: bench/vagrant/)
//             vs devenv's vagrant backend: up, provision, exec / vagrant ssh -c
//   facts     the facts collector vs `facter --json` in one container;
//             parity over two synthetic facts files of 5,000 packages each
//   check     the whole checklist on a warm env vs `lynis audit system --quick`
//   fleet     devenv parity against 1, 5 and 10 production stand-ins (sshd
//             containers) in one run, the environment a bare debian-12 profile
//   provisioners (bench/provisioners.mjs) devenv up with the puppet provisioner
//             vs vagrant up with Vagrant's puppet provisioner, and a rebuild
//             after one manifest change
//   facts-ssh (bench/facts-ssh.mjs) facts of a production stand-in over SSH:
//             the collector with and without the wave-2 sections vs facter --json
//   libvirt   (bench/libvirt.mjs) a real VM (vagrant-libvirt): devenv up of the halted VM and devenv
//             exec vs vagrant up and vagrant ssh -c on the same machine
//
// Peers run in containers made from the same box image (peer images are
// prepared once and cached by tag); nothing is installed on the host.
// Usage: node bench/run.mjs [--only devenv,puppet,...] [--runs N]
// (BENCH_RUNS=N works too). Figures are kept in bench/results.json, so a run
// with --only refreshes those sections and RESULTS.md is re-rendered from all.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { cpus, homedir, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
// Sections kept in their own files (each exports name, run(ctx, kit), targets(s, kit), details(s, kit)).
import * as provisionersSection from './provisioners.mjs';
import * as factsSshSection from './facts-ssh.mjs';
import * as libvirtSection from './libvirt.mjs';

const SECTION_MODULES = [provisionersSection, factsSshSection, libvirtSection];

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const CLI = join(ROOT, 'bin/devenv.js');
const RESULTS_JSON = join(ROOT, 'bench/results.json');
const RESULTS_MD = join(ROOT, 'bench/RESULTS.md');
const SECTIONS = ['devenv', 'check', 'facts', 'fleet', 'puppet', 'docker', 'vagrant', ...SECTION_MODULES.map((m) => m.name)];
const RUN_ID = `${process.pid}-${randomBytes(3).toString('hex')}`;
const RUN_LABEL = `devenv-bench.run=${RUN_ID}`;
const CACHE_DIR = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'devenv-bench');
const FILES = [
  '/etc/nginx/nginx.conf',
  '/etc/nginx/sites-available/mysite',
  '/etc/mysite/secrets.env',
  '/etc/mysite/gunicorn.conf.py',
  '/etc/systemd/system/mysite.service',
  '/srv/mysite/app/wsgi.py',
  // manifests/hardening.yaml
  '/etc/ssh/sshd_config.d/hardening.conf',
  '/etc/fail2ban/jail.d/sshd.local',
  '/etc/apt/apt.conf.d/20auto-upgrades',
  '/etc/logrotate.d/mysite',
];
/** The flags that boot systemd on this engine: devenv's own choice (systemdContainerSpec), read once. */
let systemdRunArgs;
async function systemdRun() {
  if (!systemdRunArgs) {
    const { engineFacts, systemdContainerSpec } = await dist('backends/docker/systemd-container-spec.js');
    const info = JSON.parse((await docker(['info', '--format', '{{json .}}'])).stdout);
    const version = JSON.parse((await docker(['version', '--format', '{{json .Server}}'])).stdout);
    const spec = systemdContainerSpec(engineFacts(info, { ...version, ApiVersion: version.ApiVersion ?? version.Components?.[0]?.Details?.ApiVersion }));
    if (!spec.supported) throw new Error(`systemd cannot boot on this engine: ${spec.why} (${spec.fix})`);
    systemdRunArgs = spec.runArgs;
  }
  return systemdRunArgs;
}
const VAGRANT_ENV = { VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_NO_COLOR: '1' };

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const options = { only: SECTIONS, runs: Number(process.env.BENCH_RUNS ?? 5) };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--only')
      options.only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (flag === '--runs') options.runs = Number(value());
    else if (flag === '-h' || flag === '--help') {
      process.stdout.write(`usage: bash bench/run.sh [--only ${SECTIONS.join(',')}] [--runs N]\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  const unknown = options.only.filter((s) => !SECTIONS.includes(s));
  if (unknown.length) throw new Error(`unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.join(', ')}`);
  if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error('--runs takes a positive integer');
  return options;
}

// ---------------------------------------------------------------- timing

const log = (message) => process.stderr.write(`bench: ${message}\n`);
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function timed(fn) {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

/** Runs fn `runs` times (after `warmup` untimed runs), prints and returns {median, min, max, n, samples} in seconds. */
async function measure(results, key, label, runs, fn, { warmup = 0, before, note } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    if (before) await before(i);
    samples.push(await timed(() => fn(i)));
  }
  return record(results, key, label, samples, note);
}

/** A figure from samples timed elsewhere: stored as results[key] and printed. */
function record(results, key, label, samples, note) {
  const runs = samples.length;
  const figure = { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), n: runs, samples: samples.map((s) => Number(s.toFixed(4))) };
  if (note) figure.note = note;
  results[key] = figure;
  process.stdout.write(
    `  ${label.padEnd(58)} ${fmt(figure.median).padStart(10)}   ${runs > 1 ? `median of ${runs}, ${fmt(figure.min)}–${fmt(figure.max)}` : 'one run'}\n`,
  );
  return figure;
}

/**
 * Cold applies (devenv's, Puppet's and the floor under them) are each done this many
 * times, every time on a fresh container: one run of a 12–25 s job varies by ±5 % on
 * this machine, as much as the margin a ratio target is judged by.
 */
const COLD_RUNS = 3;

function fmt(seconds) {
  if (seconds === undefined || seconds === null || Number.isNaN(seconds)) return 'n/a';
  if (seconds < 0.1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms`;
  return `${seconds.toFixed(2)} s`;
}

// ---------------------------------------------------------------- processes

const sh = (cmd, args, options = {}) => execa(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
const devenv = (cwd, args, options = {}) => sh('node', [CLI, ...args], { cwd, ...options, env: { NO_COLOR: '1', ...options.env } });
const docker = (args, options) => sh('docker', args, options);

function must(result, what) {
  if (result.exitCode !== 0) throw new Error(`${what} failed (${result.exitCode}): ${result.stderr.slice(-1500)}${result.stdout.slice(-500)}`);
  return result;
}

/** Whatever the run created, undone in reverse order on success, failure or ^C. */
const cleanups = [];
async function cleanup() {
  while (cleanups.length) {
    const [what, fn] = cleanups.pop();
    try {
      await fn();
    } catch (error) {
      log(`cleanup of ${what} failed: ${error.message}`);
    }
  }
  // Failsafe: every container this run started carries RUN_LABEL.
  const { stdout } = await docker(['ps', '-aq', '--filter', `label=${RUN_LABEL}`], { reject: false });
  for (const id of stdout.split('\n').filter(Boolean)) await docker(['rm', '-f', '-v', id], { reject: false });
}
const defer = (what, fn) => {
  const entry = [what, fn];
  cleanups.push(entry);
  return async () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
    await fn();
  };
};

/** Until systemd has finished booting: `--wait` blocks once systemd's bus is up; before that it fails at once and is retried. */
async function waitForSystemd(container) {
  const deadline = Date.now() + 120_000;
  let last;
  while (Date.now() < deadline) {
    last = await docker(['exec', container, 'systemctl', 'is-system-running', '--wait'], { reject: false, timeout: 120_000 });
    if (['running', 'degraded'].includes(last.stdout.trim())) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${container} did not boot: ${last?.stdout}${last?.stderr}`);
}

async function runSystemdContainer(image, name, extra = []) {
  await docker(['run', '-d', '--name', name, ...(await systemdRun()), '--label', RUN_LABEL, ...extra, image]);
  const remove = defer(`container ${name}`, () => docker(['rm', '-f', '-v', name], { reject: false }));
  await waitForSystemd(name);
  return remove;
}

// ---------------------------------------------------------------- shared preparation

async function boxImage() {
  const { stdout } = must(await devenv(ROOT, ['box', 'build', 'debian-12', '--json'], { reject: false }), 'devenv box build');
  return JSON.parse(stdout).image;
}

/**
 * Peer images made for an older box (tagged with its hash) are the bench's own stale
 * cache: removed, so that \`devenv box prune\` can then remove that box too.
 */
async function dropStalePeerImages(box) {
  const hash = box.split(':')[1];
  const listed = await docker(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=devenv-bench/*'], { reject: false });
  for (const tag of listed.stdout.split('\n').filter(Boolean)) {
    if (!tag.endsWith(`:${hash}`)) await docker(['rmi', tag], { reject: false });
  }
}

/** A peer image: the box plus Debian packages, prepared once and cached by tag. */
async function peerImage(ctx, name, packages) {
  const tag = `devenv-bench/${name}:${ctx.box.split(':')[1]}`;
  if ((await docker(['image', 'inspect', tag], { reject: false })).exitCode === 0) return tag;
  log(`preparing ${tag} (box + Debian ${packages.join(' ')}; once)`);
  const container = `devenv-bench-prep-${name}-${RUN_ID}`;
  const remove = await runSystemdContainer(ctx.box, container);
  try {
    must(
      await docker(['exec', '-e', 'DEBIAN_FRONTEND=noninteractive', container, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages], {
        reject: false,
      }),
      `apt-get install ${packages.join(' ')}`,
    );
    await docker(['exec', container, 'apt-get', 'clean']);
    await docker(['commit', '--change', 'CMD ["/sbin/init"]', container, tag]);
  } finally {
    await remove();
  }
  return tag;
}

async function dist(path) {
  return import(pathToFileURL(join(ROOT, 'dist', path)).href);
}

/** The example copied into the run's work folder: no published port, and a run-unique var so no earlier cache applies. */
async function writeExample(dir, extra = '') {
  await cp(join(ROOT, 'profiles/mysite'), dir, { recursive: true });
  let profile = await readFile(join(dir, 'devenv.yaml'), 'utf8');
  profile = profile.replace(/^ports:.*$/m, 'ports: []').replace(/^vars:\n/m, `vars:\n  bench_run: "${RUN_ID}"\n`);
  await writeFile(join(dir, 'devenv.yaml'), profile + extra);
  defer(`devenv project ${dir}`, async () => {
    await devenv(dir, ['destroy', '--force'], { reject: false });
    // Provisioned-image cache entries made for this project (label set by the docker backend's cache).
    const { stdout } = await docker(['images', '-q', '--filter', `label=devenv.cache.profile=${join(dir, 'devenv.yaml')}`], { reject: false });
    for (const id of [...new Set(stdout.split('\n').filter(Boolean))].reverse()) await docker(['rmi', '-f', id], { reject: false });
  });
  return dir;
}

async function envStatus(project) {
  const r = await devenv(project, ['status', '--json'], { reject: false });
  return r.exitCode === 0 ? JSON.parse(r.stdout) : { state: 'absent' };
}

async function converged(execIn) {
  const r = await execIn([
    'sh',
    '-c',
    'systemctl is-active nginx mysite && python3 -c "import urllib.request as u; print(u.urlopen(\'http://127.0.0.1/\').status)"',
  ]);
  return r.exitCode === 0 && r.stdout.trim().split('\n').join(' ') === 'active active 200';
}

function makeContext(work, box, runs) {
  const ctx = {
    work,
    box,
    runs,
    project: undefined,
    /** The example on the docker backend, running and provisioned. */
    async example() {
      if (!ctx.project) ctx.project = await writeExample(join(work, 'mysite'));
      const status = await envStatus(ctx.project);
      if (status.state !== 'running') {
        log('bringing the example up (devenv up)');
        must(await devenv(ctx.project, ['up'], { reject: false }), 'devenv up');
      } else must(await devenv(ctx.project, ['provision'], { reject: false }), 'devenv provision');
      return ctx.project;
    },
    /** The files devenv rendered for the example, which Puppet, the Dockerfile and provision.sh install too. */
    async files() {
      const hash = createHash('sha256');
      const walk = async (dir) => {
        for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) await walk(path);
          else hash.update(path.slice(ROOT.length)).update(await readFile(path));
        }
      };
      await walk(join(ROOT, 'profiles/mysite'));
      const dir = join(CACHE_DIR, `files-${hash.digest('hex').slice(0, 16)}`);
      if (FILES.every((f) => existsSync(join(dir, f)))) return dir;
      const project = await ctx.example();
      const { id } = await envStatus(project);
      for (const path of FILES) {
        await mkdir(join(dir, dirname(path)), { recursive: true });
        await docker(['cp', `${id}:${path}`, join(dir, path)]);
      }
      return dir;
    },
  };
  return ctx;
}

// ---------------------------------------------------------------- sections

async function benchDevenv(ctx) {
  const r = {};
  const project = ctx.project ?? (ctx.project = await writeExample(join(ctx.work, 'mysite')));
  const d = (args) => devenv(project, args, { reject: false });
  const N = ctx.runs;
  const few = Math.min(N, 3);
  await d(['destroy', '--force']);

  let up;
  await measure(r, 'coldUp', 'devenv up (cold: box image → example converged)', 1, async () => {
    up = must(await d(['up', '--json']), 'devenv up');
  });
  r.coldUpReport = JSON.parse(up.stdout);
  const { id } = await envStatus(project);
  const execIn = (argv) => docker(['exec', id, ...argv], { reject: false });
  r.converged = await converged(execIn);
  if (!r.converged) throw new Error('devenv did not converge the example (nginx, mysite, http 200)');
  await ctx.files(); // cached copy of the rendered files, for the peers
  r.packages = Number((await execIn(['sh', '-c', 'dpkg-query -W | wc -l'])).stdout.trim());

  await measure(r, 'noChangeProvision', 'devenv provision (no change)', N, async () => must(await d(['provision']), 'provision'), { warmup: 1 });
  await measure(r, 'noChangePlan', 'devenv plan (no change)', N, async () => must(await d(['plan']), 'plan'));
  await measure(r, 'warmUp', 'devenv up (running, unchanged)', N, async () => must(await d(['up']), 'up'));
  await measure(r, 'exec', 'devenv exec -- true', N * 2, async () => must(await d(['exec', '--', 'true']), 'exec'));
  await measure(r, 'dockerExec', 'docker exec <container> true (baseline)', N * 2, async () => must(await execIn(['true']), 'docker exec'));
  await measure(r, 'nodeStart', 'node -e 0 (process start-up, baseline)', N * 2, async () => sh('node', ['-e', '0']));
  await measure(r, 'factsCli', 'devenv facts (example env)', N, async () => must(await d(['facts', '-o', join(ctx.work, 'env.facts.json')]), 'facts'));

  await measure(r, 'upAfterHalt', 'devenv up (after devenv halt)', few, async () => must(await d(['up']), 'up after halt'), {
    before: async () => must(await d(['halt']), 'halt'),
  });
  await measure(
    r,
    'startBaseline',
    'docker start + systemctl is-system-running --wait',
    few,
    async () => {
      must(await docker(['start', id], { reject: false }), 'docker start');
      await waitForSystemd(id);
    },
    { before: async () => must(await d(['halt']), 'halt') },
  );
  must(await d(['up']), 'up');

  r.cachedRebuildReports = [];
  const parts = { destroy: [], up: [] };
  await measure(r, 'cachedRebuild', 'devenv destroy --force && devenv up (unchanged inputs)', few, async () => {
    parts.destroy.push(await timed(async () => must(await d(['destroy', '--force']), 'destroy')));
    let again;
    parts.up.push(await timed(async () => (again = must(await d(['up', '--json']), 'up'))));
    r.cachedRebuildReports.push(JSON.parse(again.stdout));
  });
  for (const [k, samples] of Object.entries(parts)) {
    r[`cachedRebuild_${k}`] = { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), n: samples.length, samples };
    process.stdout.write(`    of which devenv ${k.padEnd(48)} ${fmt(median(samples)).padStart(10)}\n`);
  }
  const rebuilt = await envStatus(project);
  r.cachedRebuildConverged = await converged((argv) => docker(['exec', rebuilt.id, ...argv], { reject: false }));

  // Provisioning alone, from a freshly booted box: the figure Puppet's cold apply compares with.
  await measure(r, 'coldProvision', 'devenv provision (cold, on a freshly booted box)', COLD_RUNS, async () => must(await d(['provision']), 'provision'), {
    before: async () => {
      must(await d(['destroy', '--force']), 'destroy');
      must(await d(['up', '--no-provision']), 'up --no-provision');
    },
  });

  // The same cold provision from the box without devenv.lock (what devenv did before the lock),
  // and what reading the environment's packages for the lock costs once its .debs are archived.
  const lockFile = join(project, 'devenv.lock');
  const locked = await readFile(lockFile, 'utf8');
  await measure(r, 'lockRead', 'devenv lock (read every package and compare with devenv.lock)', N, async () => must(await d(['lock']), 'lock'));
  await measure(
    r,
    'coldProvisionUnlocked',
    'devenv provision (cold, without devenv.lock: writes it)',
    COLD_RUNS,
    async () => must(await d(['provision']), 'provision'),
    {
      before: async () => {
        await rm(lockFile, { force: true });
        must(await d(['destroy', '--force']), 'destroy');
        must(await d(['up', '--no-provision']), 'up --no-provision');
      },
    },
  );
  await writeFile(lockFile, locked);
  must(await d(['provision']), 'provision (back to the lock)');

  // The floor under any cold apply of the example: the same pinned packages installed by
  // apt-get alone, and the same venv made by python alone, in a fresh container from the
  // same box with the same .deb archive. Every tool that does this work pays this much.
  const planned = JSON.parse(must(await d(['plan', '--json']), 'plan').stdout);
  const names = planned.resources.filter((x) => x.ref.startsWith('apt:')).map((x) => x.ref.slice(4));
  const provisionedId = (await envStatus(project)).id;
  const pins = must(await docker(['exec', provisionedId, 'dpkg-query', '-W', '-f', '${Package}=${Version}\\n', ...names], { reject: false }), 'dpkg-query')
    .stdout.trim()
    .split('\n');
  const floorApt = [];
  const floorVenv = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const floor = `devenv-bench-floor-${RUN_ID}-${i}`;
    const removeFloor = await runSystemdContainer(ctx.box, floor, ['-v', 'devenv-apt-archives:/var/cache/devenv/apt-archives:ro']);
    try {
      must(
        await docker(['exec', floor, 'sh', '-c', 'cp /var/cache/devenv/apt-archives/*.deb /var/cache/apt/archives/'], { reject: false }),
        'copy the archive',
      );
      floorApt.push(
        await timed(async () =>
          // With Recommends, as devenv installs the example (apt.install_recommends defaults to yes, as Puppet's apt does).
          must(
            await docker(
              ['exec', '-e', 'DEBIAN_FRONTEND=noninteractive', floor, 'apt-get', 'install', '-y', '-q', '-o', 'APT::Install-Recommends=true', ...pins],
              { reject: false },
            ),
            'apt-get install',
          ),
        ),
      );
      floorVenv.push(
        await timed(async () =>
          must(
            await docker(['exec', floor, '/usr/bin/python3', '-m', 'venv', '--system-site-packages', '/srv/floor-venv'], { reject: false }),
            'python3 -m venv',
          ),
        ),
      );
    } finally {
      await removeFloor();
    }
  }
  record(r, 'floorApt', `apt-get install of the same ${pins.length} pins alone (fresh box)`, floorApt);
  record(r, 'floorVenv', 'python3 -m venv --system-site-packages alone', floorVenv);
  return r;
}

async function benchCheck(ctx) {
  const r = {};
  const project = await ctx.example();
  const d = (args) => devenv(project, args, { reject: false });
  const checkOk = (res) => {
    if (![0, 1].includes(res.exitCode)) throw new Error(`devenv check failed (${res.exitCode}): ${res.stderr}`);
  };
  await measure(r, 'checkCli', 'devenv check (whole checklist, facts included, warm env)', ctx.runs, async () => checkOk(await d(['check'])), { warmup: 1 });
  const json = await d(['check', '--json']);
  checkOk(json);
  r.summary = JSON.parse(json.stdout).summary;

  const image = await peerImage(ctx, 'lynis', ['lynis']);
  const name = `devenv-bench-lynis-${RUN_ID}`;
  const remove = await runSystemdContainer(image, name);
  try {
    r.lynisVersion = (await docker(['exec', name, 'lynis', 'show', 'version'])).stdout.trim();
    const runs = Number(process.env.BENCH_LYNIS_RUNS ?? 1);
    await measure(r, 'lynis', 'lynis audit system --quick (same box, peer container)', runs, async () => {
      const res = await docker(['exec', name, 'lynis', 'audit', 'system', '--quick', '--no-colors'], { reject: false, timeout: 900_000 });
      if (res.exitCode !== 0) throw new Error(`lynis failed (${res.exitCode}): ${res.stderr.slice(-800)}`);
      const tests = /Tests performed\s*:\s*(\d+)/.exec(res.stdout);
      if (tests) r.lynisTests = Number(tests[1]);
    });
  } finally {
    await remove();
  }
  return r;
}

async function benchFacts(ctx) {
  const r = {};
  const image = await peerImage(ctx, 'facter', ['facter']);
  const name = `devenv-bench-facter-${RUN_ID}`;
  const remove = await runSystemdContainer(image, name);
  let facts;
  try {
    r.facterVersion = (await docker(['exec', name, 'facter', '--version'])).stdout.trim();
    r.packages = Number((await docker(['exec', name, 'sh', '-c', 'dpkg-query -W | wc -l'])).stdout.trim());
    const [{ default: Dockerode }, { DockerTarget }, { collectFacts }] = await Promise.all([
      import('dockerode'),
      dist('targets/docker-target.js'),
      dist('facts/collect.js'),
    ]);
    const engine = new Dockerode();
    const { stdout: id } = await docker(['inspect', '-f', '{{.Id}}', name]);
    const target = new DockerTarget(engine, id.trim(), name);
    const input = { managedPaths: [], secretPaths: [], fingerprintKey: randomBytes(32).toString('hex') };
    await measure(
      r,
      'collector',
      `devenv facts collector, in-process (${r.packages} packages)`,
      ctx.runs * 2,
      async () => {
        facts = await collectFacts(target, input);
      },
      { warmup: 1 },
    );
    r.collectorErrors = Object.keys(facts.errors ?? {});
    await measure(
      r,
      'facter',
      'docker exec … facter --json (same container)',
      ctx.runs,
      async () => must(await docker(['exec', name, 'facter', '--json'], { reject: false }), 'facter'),
      { warmup: 1 },
    );
    await measure(r, 'dockerExec', 'docker exec … true (baseline, same container)', ctx.runs * 2, async () =>
      must(await docker(['exec', name, 'true'], { reject: false }), 'docker exec'),
    );
  } finally {
    await remove();
  }

  // Parity over two synthetic systems of 5,000 packages each (1 % of versions differ).
  const reference = structuredClone(facts);
  const actual = structuredClone(facts);
  reference.packages = { ...(reference.packages ?? {}), deb: {} };
  actual.packages = { ...(actual.packages ?? {}), deb: {} };
  for (let i = 0; i < 5000; i++) {
    reference.packages.deb[`pkg-${i}`] = { version: `1.${i}-1`, arch: 'amd64', status: 'ii' };
    actual.packages.deb[`pkg-${i}`] = { version: i % 100 === 0 ? `2.${i}-1` : `1.${i}-1`, arch: 'amd64', status: 'ii' };
  }
  const refFile = join(ctx.work, 'reference.facts.json');
  const actFile = join(ctx.work, 'actual.facts.json');
  await writeFile(refFile, JSON.stringify(reference, null, 2));
  await writeFile(actFile, JSON.stringify(actual, null, 2));
  const [{ readFactsFile }, { compareFacts }] = await Promise.all([dist('facts/read-facts-file.js'), dist('parity/compare.js')]);
  const options = { ignore: [], declaredUsers: [], declaredGroups: [], secretPaths: [], managedPaths: [] };
  let drift;
  await measure(
    r,
    'parityFiles',
    'parity: read + validate 2 files + compare (in-process)',
    ctx.runs * 4,
    async () => {
      const [a, b] = await Promise.all([readFactsFile(refFile), readFactsFile(actFile)]);
      drift = compareFacts(a.facts, b.facts, options);
    },
    { warmup: 1 },
  );
  r.parityDrift = drift.drift.filter((x) => x.path.startsWith('packages.deb.pkg-')).length;
  const [a, b] = await Promise.all([readFactsFile(refFile), readFactsFile(actFile)]);
  await measure(r, 'parityCompare', 'parity: compare only (in-process)', ctx.runs * 4, async () => compareFacts(a.facts, b.facts, options), { warmup: 1 });
  const script = `const [{readFactsFile},{compareFacts}]=await Promise.all([import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/facts/read-facts-file.js')).href)}),import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/parity/compare.js')).href)})]);const [a,b]=await Promise.all([readFactsFile(process.argv[1]),readFactsFile(process.argv[2])]);compareFacts(a.facts,b.facts,${JSON.stringify(options)});`;
  await measure(r, 'parityProcess', 'parity: new node process, import + read + compare', ctx.runs, async () =>
    must(await sh('node', ['--input-type=module', '-e', script, refFile, actFile], { reject: false }), 'parity process'),
  );
  return r;
}

/**
 * Fleet parity (issue 21): one environment against 1, 5 and 10 production
 * stand-ins in one `devenv parity` run each. The stand-ins are systemd containers
 * of the box with Debian's openssh-server and sudo (a peer image), an `ops`
 * sudoer with this run's key, reached on published loopback ports; their host
 * keys are pinned in the run's own known_hosts through an `ssh` first on PATH.
 */
async function benchFleet(ctx) {
  const r = {};
  const HOSTS = 10;
  const image = await peerImage(ctx, 'sshd', ['openssh-server', 'sudo']);
  const dir = join(ctx.work, 'fleet');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'devenv.yaml'), `name: bench-fleet-${RUN_ID}\nbox: debian-12\nbackend: docker\n`);
  defer(`devenv project ${dir}`, () => devenv(dir, ['destroy', '--force'], { reject: false }));
  const up = devenv(dir, ['up'], { reject: false });
  const identity = join(dir, 'id_ed25519');
  must(await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'devenv-bench-fleet', '-f', identity], { reject: false }), 'ssh-keygen');
  const pub = (await readFile(`${identity}.pub`, 'utf8')).trim();
  const setup = `set -e
useradd -m -s /bin/bash ops
printf 'ops ALL=(ALL) NOPASSWD:ALL\\n' > /etc/sudoers.d/ops && chmod 0440 /etc/sudoers.d/ops
install -d -m 0700 -o ops -g ops /home/ops/.ssh
printf '%s\\n' "$1" > /home/ops/.ssh/authorized_keys && chown ops:ops /home/ops/.ssh/authorized_keys && chmod 0600 /home/ops/.ssh/authorized_keys
systemctl enable --now ssh.service >/dev/null 2>&1`;
  const names = Array.from({ length: HOSTS }, (_, i) => `devenv-bench-prod${i}-${RUN_ID}`);
  log(`starting ${HOSTS} production stand-ins`);
  await Promise.all(names.map((name) => runSystemdContainer(image, name, ['-p', '127.0.0.1::22'])));
  const known = [];
  const destinations = [];
  for (const name of names) {
    must(await docker(['exec', name, 'sh', '-c', setup, 'setup', pub], { reject: false }), `setting up ${name}`);
    const port = (await docker(['port', name, '22/tcp'])).stdout.trim().split('\n')[0].split(':').pop();
    const hostKey = (await docker(['exec', name, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout.trim().split(' ').slice(0, 2).join(' ');
    known.push(`[127.0.0.1]:${port} ${hostKey}`);
    destinations.push(`ssh://ops@127.0.0.1:${port}`);
  }
  const knownHosts = join(dir, 'known_hosts');
  await writeFile(knownHosts, `${known.join('\n')}\n`);
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -o UserKnownHostsFile=${knownHosts} "$@"\n`, { mode: 0o755 });
  const env = { PATH: `${bin}:${process.env.PATH}` };
  must(await up, 'devenv up (fleet)');
  // The environment gets the same packages and script, so the hosts are clean against it.
  must(
    await devenv(
      dir,
      [
        'exec',
        '--',
        'sh',
        '-c',
        `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server sudo >/dev/null && ${setup}`,
        'setup',
        pub,
      ],
      { reject: false },
    ),
    'setting up the environment',
  );
  const parity = async (n) => {
    const res = await devenv(dir, ['-i', identity, '--sudo', 'parity', '--against', destinations.slice(0, n).join(','), '--json'], { reject: false, env });
    if (![0, 1].includes(res.exitCode)) throw new Error(`devenv parity against ${n} hosts failed (${res.exitCode}): ${res.stderr.slice(-1500)}`);
    return JSON.parse(res.stdout);
  };
  // The floor: the same collector over plain ssh to N hosts at once (no devenv), what the machine itself allows.
  const { renderCollectorScript } = await dist('facts/collector-script.js');
  const script = renderCollectorScript({ marker: `@@bench-${RUN_ID}`, fingerprintKey: randomBytes(32).toString('hex'), managedPaths: [], secretPaths: [] });
  const rawSsh = (destination) => {
    const [, port] = /:(\d+)$/.exec(destination);
    return sh('ssh', ['-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-i', identity, '-p', port, 'ops@127.0.0.1', 'sudo -n sh -s'], {
      input: script,
      stdio: ['pipe', 'pipe', 'pipe'],
      reject: false,
    });
  };
  for (const n of [1, 10]) {
    await measure(
      r,
      `sshFloor${n}`,
      `floor: plain ssh + collector to ${n} host${n === 1 ? '' : 's'} at once`,
      ctx.runs,
      async () => {
        const results = await Promise.all(destinations.slice(0, n).map(rawSsh));
        for (const res of results) must(res, 'ssh collector');
      },
      { warmup: 1 },
    );
  }
  for (const n of [1, 5, 10]) {
    let doc;
    await measure(
      r,
      `parity${n}`,
      `devenv parity against ${n} production host${n === 1 ? '' : 's'} (whole CLI)`,
      ctx.runs,
      async () => {
        doc = await parity(n);
      },
      { warmup: 1 },
    );
    r[`errors${n}`] = doc.summary.error;
    // Each host's own collection time inside the run: the run takes about the slowest host, not their sum.
    if (n > 1)
      r[`hostSeconds${n}`] = { max: Math.max(...doc.hosts.map((h) => h.seconds)), sum: Number(doc.hosts.reduce((t, h) => t + h.seconds, 0).toFixed(2)) };
  }
  // What one collection costs the machine: the CPU time a stand-in's container spends on it (cgroup v1 cpuacct), so a
  // reader can tell parallelism from the cores: ten stand-ins on this machine share its cores, ten real hosts do not.
  const { stdout: id } = await docker(['inspect', '-f', '{{.Id}}', names[0]]);
  const usage = join('/sys/fs/cgroup/cpuacct/docker', id.trim(), 'cpuacct.usage');
  if (existsSync(usage)) {
    const before = Number(readFileSync(usage, 'utf8'));
    await parity(1);
    r.collectorCpuSeconds = Number(((Number(readFileSync(usage, 'utf8')) - before) / 1e9).toFixed(3));
  }
  r.cpus = cpus().length;
  r.hostsCollected = HOSTS;
  return r;
}

async function benchPuppet(ctx) {
  const r = {};
  const files = await ctx.files();
  const image = await peerImage(ctx, 'puppet', ['puppet-agent']);
  let name;
  let remove;
  const boot = async (i) => {
    name = `devenv-bench-puppet-${RUN_ID}-${i}`;
    remove = await runSystemdContainer(image, name);
  };
  const prepare = async () => {
    await docker(['exec', name, 'mkdir', '-p', '/bench']);
    await docker(['cp', files, `${name}:/bench/files`]);
    await docker(['cp', join(ROOT, 'bench/puppet/mysite.pp'), `${name}:/bench/mysite.pp`]);
  };
  await measure(r, 'boot', 'docker run (puppet image) + systemd boot', 1, () => boot(0));
  try {
    r.version = (await docker(['exec', name, 'puppet', '--version'])).stdout.trim();
    await prepare();
    const apply = () => docker(['exec', name, 'puppet', 'apply', '--detailed-exitcodes', '/bench/mysite.pp'], { reject: false });
    // Each cold apply on a fresh container (the first is the one booted above).
    const fresh = async (i) => {
      if (i === 0) return;
      await remove();
      await boot(i);
      await prepare();
    };
    await measure(
      r,
      'coldApply',
      'puppet apply (cold)',
      COLD_RUNS,
      async () => {
        const res = await apply();
        // --detailed-exitcodes: 2 = changes applied, 0 = nothing to do; 4/6 = failures.
        if (![0, 2].includes(res.exitCode)) throw new Error(`puppet apply failed (${res.exitCode}): ${res.stdout.slice(-800)}${res.stderr.slice(-800)}`);
      },
      { before: fresh },
    );
    await measure(r, 'noChangeApply', 'puppet apply (no change)', ctx.runs, async () => {
      const res = await apply();
      if (res.exitCode !== 0) throw new Error(`puppet re-apply was not a no-op (${res.exitCode}): ${res.stdout.slice(-800)}`);
    });
    r.converged = await converged((argv) => docker(['exec', name, ...argv], { reject: false }));
  } finally {
    await remove?.();
  }
  return r;
}

async function benchDockerBuild(ctx) {
  const r = {};
  const context = join(ctx.work, 'docker');
  await mkdir(context, { recursive: true });
  await cp(join(ROOT, 'bench/docker/Dockerfile'), join(context, 'Dockerfile'));
  await cp(await ctx.files(), join(context, 'files'), { recursive: true });
  const tag = `devenv-bench/dockerfile:${RUN_ID}`;
  defer(`image ${tag}`, () => docker(['rmi', '-f', tag], { reject: false }));
  const build = (extra) => docker(['build', '-q', ...extra, '--build-arg', `BOX=${ctx.box}`, '-t', tag, context], { env: { DOCKER_BUILDKIT: '0' } });
  await measure(r, 'cold', 'docker build --no-cache', 1, () => build(['--no-cache']));
  await measure(r, 'cached', 'docker build (cached)', ctx.runs, () => build([]));
  const name = `devenv-bench-dockerfile-${RUN_ID}`;
  let remove;
  await measure(r, 'runBoot', 'docker run (built image) + systemd boot', 1, async () => {
    remove = await runSystemdContainer(tag, name);
  });
  r.converged = await converged((argv) => docker(['exec', name, ...argv], { reject: false }));
  await remove();
  return r;
}

async function benchVagrant(ctx) {
  const r = {};
  const N = ctx.runs;
  const few = Math.min(N, 3);
  r.version = (await sh('vagrant', ['--version'])).stdout.trim();
  const files = await ctx.files();

  // The image both boot: devenv's box plus sshd, sudo and the vagrant user (devenv's own image builder).
  const [{ loadProfile }, { silentProgress }, { connectDocker }, box, { VagrantBackend }] = await Promise.all([
    dist('environment/load.js'),
    dist('core/progress.js'),
    dist('backends/docker/engine.js'),
    dist('backends/vagrant/vagrant-box.js'),
    dist('backends/vagrant/vagrant-backend.js'),
  ]);
  const project = await writeExample(join(ctx.work, 'mysite-vagrant'), 'vagrant: { provider: docker }\n');
  await writeFile(join(project, 'devenv.yaml'), (await readFile(join(project, 'devenv.yaml'), 'utf8')).replace(/^backend:.*$/m, 'backend: vagrant'));
  const profile = await loadProfile(join(project, 'devenv.yaml'));
  const engine = await connectDocker();
  r.image = await box.ensureVagrantBoxImage(engine, profile.box, silentProgress());
  defer('containers of the vagrant project', async () => {
    const { stdout } = await docker(['ps', '-aq', '--filter', `label=devenv.profile=${join(project, 'devenv.yaml')}`], { reject: false });
    for (const id of stdout.split('\n').filter(Boolean)) await docker(['rm', '-f', '-v', id], { reject: false });
  });

  // devenv on Vagrant (docker provider).
  const d = (args) => devenv(project, args, { reject: false });
  const dv = (r.devenv = {});
  await measure(dv, 'coldUp', 'devenv[vagrant] up (cold)', 1, async () => must(await d(['up']), 'devenv up (vagrant)'));
  const status = await envStatus(project);
  dv.converged = await converged((argv) => docker(['exec', status.id, ...argv], { reject: false }));
  await measure(dv, 'noChangeProvision', 'devenv[vagrant] provision (no change)', N, async () => must(await d(['provision']), 'provision'), { warmup: 1 });
  await measure(dv, 'warmUp', 'devenv[vagrant] up (running, unchanged)', N, async () => must(await d(['up']), 'up'));
  await measure(dv, 'exec', 'devenv[vagrant] exec -- true', N * 2, async () => must(await d(['exec', '--', 'true']), 'exec'), { warmup: 1 });
  const backend = new VagrantBackend(profile, silentProgress());
  const target = await backend.target();
  try {
    await measure(
      dv,
      'execInProcess',
      'VagrantTarget.exec(["true"]) in-process (one SSH master)',
      20,
      async () => {
        if ((await target.exec(['true'])).exitCode !== 0) throw new Error('VagrantTarget exec failed');
      },
      { warmup: 1 },
    );
  } finally {
    await target.close();
  }
  await measure(dv, 'upAfterHalt', 'devenv[vagrant] up (after devenv halt)', few, async () => must(await d(['up']), 'up after halt'), {
    before: async () => must(await d(['halt']), 'halt'),
  });
  must(await d(['destroy', '--force']), 'destroy');

  // Plain Vagrant: docker provider + shell provisioner (bench/vagrant/).
  const dir = join(ctx.work, 'vagrant');
  await mkdir(dir, { recursive: true });
  await cp(join(ROOT, 'bench/vagrant/Vagrantfile'), join(dir, 'Vagrantfile'));
  await cp(join(ROOT, 'bench/vagrant/provision.sh'), join(dir, 'provision.sh'));
  await cp(files, join(dir, 'files'), { recursive: true });
  const vname = `devenv-bench-vagrant-${RUN_ID}`;
  const env = {
    ...VAGRANT_ENV,
    VAGRANT_CWD: dir,
    DEVENV_BENCH_VAGRANT_IMAGE: r.image,
    DEVENV_BENCH_VAGRANT_NAME: vname,
    DEVENV_BENCH_LABELS: RUN_LABEL,
    DEVENV_BENCH_SYSTEMD_ARGS: JSON.stringify(await systemdRun()),
  };
  const vagrant = (args, options = {}) => sh('vagrant', args, { cwd: dir, env, reject: false, ...options });
  defer(`vagrant machine in ${dir}`, async () => {
    await vagrant(['destroy', '-f'], { timeout: 120_000 });
    await docker(['rm', '-f', '-v', vname], { reject: false });
  });
  const pv = (r.plain = {});
  await measure(pv, 'coldUp', 'vagrant up (cold, shell provisioner)', 1, async () => must(await vagrant(['up', '--provider=docker']), 'vagrant up'));
  pv.converged = await converged((argv) => docker(['exec', vname, ...argv], { reject: false }));
  await measure(pv, 'noChangeProvision', 'vagrant provision (no change)', N, async () => must(await vagrant(['provision']), 'vagrant provision'));
  await measure(pv, 'warmUp', 'vagrant up (running)', few, async () => must(await vagrant(['up']), 'vagrant up'));
  await measure(pv, 'ssh', 'vagrant ssh -c true', N, async () => must(await vagrant(['ssh', '-c', 'true']), 'vagrant ssh'));
  await measure(pv, 'upAfterHalt', 'vagrant up (after vagrant halt)', few, async () => must(await vagrant(['up']), 'vagrant up after halt'), {
    before: async () => must(await vagrant(['halt']), 'vagrant halt'),
  });
  await vagrant(['destroy', '-f']);
  return r;
}

// ---------------------------------------------------------------- report

async function machineFacts(box) {
  const version = async (cmd, args) => (await sh(cmd, args, { reject: false })).stdout.trim().split('\n')[0] || 'n/a';
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const commit = (await sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { reject: false })).stdout.trim();
  const dirty = (await sh('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src'], { reject: false })).stdout.trim() !== '';
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpus: cpus().length,
    cpuModel,
    memoryGiB: Number((totalmem() / 1024 ** 3).toFixed(1)),
    kernel: release(),
    node: process.version,
    docker: await version('docker', ['version', '--format', '{{.Server.Version}}']),
    vagrant: await version('vagrant', ['--version']),
    devenv: `${commit}${dirty ? ' + uncommitted changes in src/' : ''}`,
    box,
    loadAvgStart: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
  };
}

const ratio = (a, b) => (a === undefined || b === undefined ? undefined : a / b);
const fmtRatio = (x) => (x === undefined ? 'n/a' : `${x < 0.1 ? x.toFixed(3) : x.toFixed(2)}×`);
const get = (data, path) => path.split('.').reduce((o, k) => (o === undefined ? undefined : o[k]), data)?.median;

/** Every target the issues set, evaluated over whatever figures exist. */
function targets(s) {
  const row = (issue, what, devenvText, devenvValue, peerText, peerValue, targetText, met, ratioValue) => ({
    issue,
    what,
    devenvText,
    devenvValue,
    peerText,
    peerValue,
    targetText,
    met,
    ratio: ratioValue,
  });
  const dv = (k) => get(s, `devenv.figures.${k}`);
  const pu = (k) => get(s, `puppet.figures.${k}`);
  const dk = (k) => get(s, `docker.figures.${k}`);
  const va = (k) => get(s, `vagrant.figures.${k}`);
  const rows = [];
  const both = (a, b) => a !== undefined && b !== undefined;
  // Issue 4
  rows.push(
    row(
      '4',
      'no-change re-apply',
      'devenv provision',
      dv('noChangeProvision'),
      'puppet apply',
      pu('noChangeApply'),
      '≤ 0.10× Puppet',
      both(dv('noChangeProvision'), pu('noChangeApply')) ? dv('noChangeProvision') <= 0.1 * pu('noChangeApply') : undefined,
      ratio(dv('noChangeProvision'), pu('noChangeApply')),
    ),
  );
  rows.push(
    row(
      '4',
      'cold apply on a booted box',
      'devenv provision',
      dv('coldProvision'),
      'puppet apply',
      pu('coldApply'),
      '≤ 0.5× Puppet',
      both(dv('coldProvision'), pu('coldApply')) ? dv('coldProvision') <= 0.5 * pu('coldApply') : undefined,
      ratio(dv('coldProvision'), pu('coldApply')),
    ),
  );
  // Issue 15: a cold apply from devenv.lock and the own archive; reading the packages for the lock.
  rows.push(
    row(
      '15',
      'cold apply from the lock and the own archive',
      'devenv provision (locked)',
      dv('coldProvision'),
      'puppet apply',
      pu('coldApply'),
      '≤ 0.4× Puppet',
      both(dv('coldProvision'), pu('coldApply')) ? dv('coldProvision') <= 0.4 * pu('coldApply') : undefined,
      ratio(dv('coldProvision'), pu('coldApply')),
    ),
  );
  rows.push(
    row(
      '15',
      'cold apply, locked vs without the lock',
      'devenv provision (locked)',
      dv('coldProvision'),
      'devenv provision (no lock)',
      dv('coldProvisionUnlocked'),
      '< without',
      both(dv('coldProvision'), dv('coldProvisionUnlocked')) ? dv('coldProvision') < dv('coldProvisionUnlocked') : undefined,
      ratio(dv('coldProvision'), dv('coldProvisionUnlocked')),
    ),
  );
  rows.push(row('15', 'read the packages for the lock', 'devenv lock', dv('lockRead'), '', undefined, '', undefined, undefined));
  // Issue 9
  const puppetBuild = both(pu('boot'), pu('coldApply')) ? pu('boot') + pu('coldApply') : undefined;
  rows.push(
    row(
      '9',
      'cached rebuild vs cold Puppet build',
      'destroy --force && up',
      dv('cachedRebuild'),
      'docker run + boot + puppet apply (cold)',
      puppetBuild,
      '≤ 0.10× Puppet',
      both(dv('cachedRebuild'), puppetBuild) ? dv('cachedRebuild') <= 0.1 * puppetBuild : undefined,
      ratio(dv('cachedRebuild'), puppetBuild),
    ),
  );
  rows.push(
    row(
      '9',
      'cached rebuild vs cached docker build',
      'destroy --force && up',
      dv('cachedRebuild'),
      'docker build (cached)',
      dk('cached'),
      '≤ 1.5× docker build',
      both(dv('cachedRebuild'), dk('cached')) ? dv('cachedRebuild') <= 1.5 * dk('cached') : undefined,
      ratio(dv('cachedRebuild'), dk('cached')),
    ),
  );
  rows.push(
    row(
      '9',
      'no-change provision',
      'devenv provision',
      dv('noChangeProvision'),
      'puppet apply',
      pu('noChangeApply'),
      '≤ 0.10× Puppet',
      both(dv('noChangeProvision'), pu('noChangeApply')) ? dv('noChangeProvision') <= 0.1 * pu('noChangeApply') : undefined,
      ratio(dv('noChangeProvision'), pu('noChangeApply')),
    ),
  );
  rows.push(
    row(
      '9',
      'exec one command',
      'devenv exec -- true',
      dv('exec'),
      'vagrant ssh -c true',
      va('plain.ssh'),
      '≤ 0.15× vagrant ssh',
      both(dv('exec'), va('plain.ssh')) ? dv('exec') <= 0.15 * va('plain.ssh') : undefined,
      ratio(dv('exec'), va('plain.ssh')),
    ),
  );
  rows.push(
    row(
      '9',
      'up of a running, unchanged env',
      'devenv up',
      dv('warmUp'),
      '',
      undefined,
      '< 1 s',
      dv('warmUp') === undefined ? undefined : dv('warmUp') < 1,
      undefined,
    ),
  );
  rows.push(
    row(
      '9',
      'up after halt',
      'devenv up',
      dv('upAfterHalt'),
      'docker start + systemd boot',
      dv('startBaseline'),
      '≤ baseline + 0.5 s',
      both(dv('upAfterHalt'), dv('startBaseline')) ? dv('upAfterHalt') <= dv('startBaseline') + 0.5 : undefined,
      ratio(dv('upAfterHalt'), dv('startBaseline')),
    ),
  );
  // Issue 7
  rows.push(
    row(
      '7',
      'exec through the Vagrant target (CLI)',
      'devenv exec -- true',
      va('devenv.exec'),
      'vagrant ssh -c true',
      va('plain.ssh'),
      '< 0.3 s',
      va('devenv.exec') === undefined ? undefined : va('devenv.exec') < 0.3,
      ratio(va('devenv.exec'), va('plain.ssh')),
    ),
  );
  rows.push(
    row(
      '7',
      'exec through the Vagrant target (in-process)',
      'VagrantTarget.exec',
      va('devenv.execInProcess'),
      'vagrant ssh -c true',
      va('plain.ssh'),
      '< 0.3 s',
      va('devenv.execInProcess') === undefined ? undefined : va('devenv.execInProcess') < 0.3,
      ratio(va('devenv.execInProcess'), va('plain.ssh')),
    ),
  );
  rows.push(
    row(
      '7',
      'up of a halted machine',
      'devenv up (vagrant)',
      va('devenv.upAfterHalt'),
      'vagrant up',
      va('plain.upAfterHalt'),
      '(no figure set)',
      undefined,
      ratio(va('devenv.upAfterHalt'), va('plain.upAfterHalt')),
    ),
  );
  rows.push(
    row(
      '7',
      'no-change provision',
      'devenv provision (vagrant)',
      va('devenv.noChangeProvision'),
      'vagrant provision',
      va('plain.noChangeProvision'),
      '(no figure set)',
      undefined,
      ratio(va('devenv.noChangeProvision'), va('plain.noChangeProvision')),
    ),
  );
  // Issue 5
  const fa = (k) => get(s, `facts.figures.${k}`);
  rows.push(
    row(
      '5',
      'facts collector, base system',
      'collector (in-process)',
      fa('collector'),
      'facter --json',
      fa('facter'),
      '< 1 s',
      fa('collector') === undefined ? undefined : fa('collector') < 1,
      ratio(fa('collector'), fa('facter')),
    ),
  );
  rows.push(
    row(
      '5',
      'facts, whole CLI on the example env',
      'devenv facts',
      dv('factsCli'),
      'facter --json',
      fa('facter'),
      '< 1 s',
      dv('factsCli') === undefined ? undefined : dv('factsCli') < 1,
      ratio(dv('factsCli'), fa('facter')),
    ),
  );
  rows.push(
    row(
      '5',
      'compare 2 × 5,000 packages',
      'read + validate + compare',
      fa('parityFiles'),
      '',
      undefined,
      '< 100 ms',
      fa('parityFiles') === undefined ? undefined : fa('parityFiles') < 0.1,
      undefined,
    ),
  );
  // Issue 21
  const fl = (k) => get(s, `fleet.figures.${k}`);
  rows.push(
    row(
      '21',
      'parity against 10 production hosts',
      'devenv parity, 10 hosts',
      fl('parity10'),
      'devenv parity, 1 host',
      fl('parity1'),
      '≤ 2× one host',
      both(fl('parity10'), fl('parity1')) ? fl('parity10') <= 2 * fl('parity1') : undefined,
      ratio(fl('parity10'), fl('parity1')),
    ),
  );
  // Issue 6
  const ch = (k) => get(s, `check.figures.${k}`);
  rows.push(
    row(
      '6',
      'whole checklist, warm target',
      'devenv check',
      ch('checkCli'),
      'lynis audit system --quick',
      ch('lynis'),
      '< 1 s',
      ch('checkCli') === undefined ? undefined : ch('checkCli') < 1,
      ratio(ch('checkCli'), ch('lynis')),
    ),
  );
  for (const module of SECTION_MODULES)
    rows.push(...module.targets(s, kit).map((r) => row(r.issue, r.what, r.devenvText, r.devenvValue, r.peerText, r.peerValue, r.targetText, r.met, r.ratio)));
  return rows;
}

function detailTable(title, figures, labels) {
  const lines = [`### ${title}`, '', '| what | median | min – max | runs |', '|---|---:|---:|---:|'];
  for (const [key, label] of labels) {
    const f = key.split('.').reduce((o, k) => o?.[k], figures);
    if (!f || f.median === undefined) continue;
    lines.push(`| ${label} | ${fmt(f.median)} | ${f.n > 1 ? `${fmt(f.min)} – ${fmt(f.max)}` : ''} | ${f.n} |`);
  }
  return lines.join('\n');
}

function render(data) {
  const s = data.sections;
  const m = data.machine;
  const rows = targets(s);
  const met = (x) => (x === undefined ? '—' : x ? '**met**' : '**not met**');
  const summary = [
    '| issue | work | devenv | peer | ratio | target | |',
    '|---|---|---|---|---:|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.issue} | ${r.what} | ${r.devenvText} ${fmt(r.devenvValue)} | ${r.peerText ? `${r.peerText} ${fmt(r.peerValue)}` : ''} | ${r.ratio === undefined ? '' : fmtRatio(r.ratio)} | ${r.targetText} | ${met(r.met)} |`,
    ),
  ].join('\n');
  const metList = rows.filter((r) => r.met === true).map((r) => `issue ${r.issue}: ${r.what} (${r.targetText})`);
  const unmetList = rows
    .filter((r) => r.met === false)
    .map(
      (r) => `issue ${r.issue}: ${r.what} — ${fmt(r.devenvValue)}${r.ratio !== undefined ? ` = ${fmtRatio(r.ratio)} of the peer` : ''}, target ${r.targetText}`,
    );
  const when = (name) =>
    s[name]
      ? `${s[name].date}, ${s[name].runs} runs${s[name].loadAvg ? `, load average ${s[name].loadAvg.start} → ${s[name].loadAvg.end}` : ''}`
      : 'not measured yet';
  const dv = s.devenv?.figures ?? {};
  const cacheNote = dv.cachedRebuildReports
    ? `What the code did on the cached rebuild: ${[...new Set(dv.cachedRebuildReports.map((x) => `action ${x.action}, provisioned ${x.provisioned}${x.cache ? `, cache ${JSON.stringify(x.cache)}` : ''}`))].join('; ')}.`
    : '';
  const puppetCold = s.puppet?.figures.coldApply?.median;
  const floorSum = dv.floorApt && dv.floorVenv ? dv.floorApt.median + dv.floorVenv.median : undefined;
  const floorNote =
    floorSum !== undefined
      ? `The floor under a cold apply of the example, the same work done by the tools' own commands alone in a fresh box with the same .deb archive: \`apt-get install\` of the same pins ${fmt(dv.floorApt.median)} plus \`python3 -m venv\` ${fmt(dv.floorVenv.median)} = ${fmt(floorSum)}${puppetCold ? ` = ${fmtRatio(floorSum / puppetCold)} of Puppet's cold apply (half of it is ${fmt(puppetCold / 2)})` : ''}. `
      : '';
  const sectionDates = SECTIONS.map((n) => `${n} (${when(n)})`).join(', ');

  return `# Benchmarks

Written by \`bash bench/run.sh\` (bench/run.mjs); the raw samples are in bench/results.json.
Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}; Node ${m.node}, Docker ${m.docker},
${m.vagrant}, Puppet ${s.puppet?.figures.version ?? 'n/a'} (Debian's puppet-agent), Facter ${s.facts?.figures.facterVersion ?? 'n/a'},
Lynis ${s.check?.figures.lynisVersion ?? 'n/a'}; devenv ${m.devenv}; box \`${m.box}\`.
Load average at the start: ${m.loadAvgStart}; at the end: ${m.loadAvgEnd}.
Sections (date, warm runs): ${sectionDates}.

Every tool does the same work: the bundled example (profiles/mysite — nginx in front of gunicorn on a unix
socket, a system user, 7 files, 2 services, exact Debian pins) on the same debian-12 box image, in systemd
containers started the same way. Puppet, Facter and Lynis are Debian's packages installed into a container
made from that box (a peer image, prepared once). Plain Vagrant uses the docker provider and a shell
provisioner (bench/vagrant/) on the image devenv's vagrant backend boots. Warm figures are medians of
N runs (min – max shown below); the cold applies compared in issue 4 (devenv's, Puppet's and the floor under
them) are medians of ${COLD_RUNS}, each on a fresh container; the other cold figures are one run. Every command is timed end to end from a fresh
process, as a user types it (Node's start-up is part of every devenv figure: ${fmt(dv.nodeStart?.median)} for \`node -e 0\`).

## Targets

${summary}

Met: ${metList.length ? metList.join('; ') : 'none'}.

Not met: ${unmetList.length ? unmetList.join('; ') : 'none'}.

How the peers are counted: a "cold Puppet build" is a fresh container from the Puppet image booted to
systemd plus the cold \`puppet apply\` (from nothing to a converged system, like \`destroy && up\`); the
cold-apply ratio of issue 4 compares provisioning alone, on an already booted box, for both tools. A cached
\`docker build\` only confirms that every layer is cached (no container is started); for scale, a
\`docker run\` of the built image to a booted systemd takes ${fmt(s.docker?.figures.runBoot?.median)}. The
up-after-halt baseline is \`docker start\` of the same container plus \`systemctl is-system-running --wait\`,
through the docker CLI. ${floorNote}${cacheNote}

## All figures

${detailTable('devenv (docker backend)', dv, [
  ['coldUp', 'devenv up, cold (box image → converged)'],
  ['coldProvision', 'devenv provision, cold, on a freshly booted box (from devenv.lock and the own archive)'],
  ['coldProvisionUnlocked', 'devenv provision, cold, without devenv.lock (writes it)'],
  ['lockRead', 'devenv lock (read every package, compare with devenv.lock)'],
  ['floorApt', '… floor: apt-get install of the same pins alone, fresh box'],
  ['floorVenv', '… floor: python3 -m venv alone (the same venv)'],
  ['cachedRebuild', 'devenv destroy --force && devenv up (unchanged inputs)'],
  ['cachedRebuild_destroy', '… of which devenv destroy --force'],
  ['cachedRebuild_up', '… of which devenv up (from the provisioned-image cache)'],
  ['noChangeProvision', 'devenv provision, no change'],
  ['noChangePlan', 'devenv plan, no change'],
  ['warmUp', 'devenv up, running and unchanged'],
  ['upAfterHalt', 'devenv up after devenv halt'],
  ['startBaseline', 'baseline: docker start + systemctl is-system-running --wait'],
  ['exec', 'devenv exec -- true'],
  ['dockerExec', 'baseline: docker exec <container> true'],
  ['nodeStart', 'baseline: node -e 0'],
  ['factsCli', 'devenv facts (example env, whole CLI)'],
])}

${detailTable('Puppet 7 (same box, peer container)', s.puppet?.figures ?? {}, [
  ['boot', 'docker run + systemd boot'],
  ['coldApply', 'puppet apply, cold'],
  ['noChangeApply', 'puppet apply, no change'],
])}

${detailTable('docker build (same box, bench/docker/Dockerfile)', s.docker?.figures ?? {}, [
  ['cold', 'docker build --no-cache'],
  ['cached', 'docker build, cached'],
  ['runBoot', 'docker run of the built image + systemd boot'],
])}

${detailTable("Vagrant, docker provider: devenv's vagrant backend vs plain Vagrant + shell provisioner", s.vagrant?.figures ?? {}, [
  ['devenv.coldUp', 'devenv up, cold'],
  ['plain.coldUp', 'vagrant up, cold (shell provisioner)'],
  ['devenv.noChangeProvision', 'devenv provision, no change'],
  ['plain.noChangeProvision', 'vagrant provision, no change'],
  ['devenv.warmUp', 'devenv up, running'],
  ['plain.warmUp', 'vagrant up, running'],
  ['devenv.upAfterHalt', 'devenv up after halt'],
  ['plain.upAfterHalt', 'vagrant up after halt'],
  ['devenv.exec', 'devenv exec -- true'],
  ['devenv.execInProcess', 'VagrantTarget.exec in-process (one SSH master)'],
  ['plain.ssh', 'vagrant ssh -c true'],
])}

${detailTable(`Facts and parity (collector and Facter in one container, ${s.facts?.figures.packages ?? '?'} packages)`, s.facts?.figures ?? {}, [
  ['collector', 'devenv facts collector, in-process (one exec round trip)'],
  ['facter', 'docker exec … facter --json'],
  ['dockerExec', 'baseline: docker exec … true'],
  ['parityFiles', 'parity, 2 × 5,000 packages: read + validate both files + compare'],
  ['parityCompare', 'parity, 2 × 5,000 packages: compare only'],
  ['parityProcess', 'parity, 2 × 5,000 packages: new node process, import + read + compare'],
])}

${detailTable('Fleet parity (one environment against N sshd production stand-ins, one run each)', s.fleet?.figures ?? {}, [
  ['parity1', 'devenv parity --against 1 host'],
  ['parity5', 'devenv parity --against 5 hosts'],
  ['parity10', 'devenv parity --against 10 hosts'],
  ['sshFloor1', 'floor: plain ssh running the collector on 1 host'],
  ['sshFloor10', 'floor: plain ssh running the collector on 10 hosts at once'],
])}

${s.fleet?.figures.collectorCpuSeconds !== undefined ? `One host's collection costs its container ${fmt(s.fleet.figures.collectorCpuSeconds)} of CPU; the ten stand-ins share this machine's ${s.fleet.figures.cpus} cores, so ten collections need at least ${fmt((10 * s.fleet.figures.collectorCpuSeconds) / s.fleet.figures.cpus)} here however parallel they run (real hosts each bring their own CPU). Inside the last 10-host run the slowest host took ${fmt(s.fleet.figures.hostSeconds10?.max)}, the hosts' times add up to ${fmt(s.fleet.figures.hostSeconds10?.sum)}. The floor, plain ssh running the same collector on 10 hosts at once, takes ${fmtRatio(ratio(s.fleet.figures.sshFloor10?.median, s.fleet.figures.sshFloor1?.median))} of one host here (devenv: ${fmtRatio(ratio(s.fleet.figures.parity10?.median, s.fleet.figures.parity1?.median))}): on this machine the ratio is bounded by its cores and their load (see the load average above), not by devenv, and it moves with that load from run to run.` : ''}

${SECTION_MODULES.map((module) => module.details(s, kit))
  .filter(Boolean)
  .join('\n\n')}

${detailTable('Checklist', s.check?.figures ?? {}, [
  [
    'checkCli',
    `devenv check, whole checklist with facts, warm example env${
      s.check?.figures.summary
        ? ` (${Object.entries(s.check.figures.summary)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ')})`
        : ''
    }`,
  ],
  ['lynis', `lynis audit system --quick${s.check?.figures.lynisTests ? ` (${s.check.figures.lynisTests} tests)` : ''}, box + lynis`],
])}

Convergence verified (nginx and mysite active, http://127.0.0.1/ answers 200): devenv ${dv.converged ?? 'n/a'},
after the cached rebuild ${dv.cachedRebuildConverged ?? 'n/a'}, Puppet ${s.puppet?.figures.converged ?? 'n/a'},
Dockerfile ${s.docker?.figures.converged ?? 'n/a'}, devenv on Vagrant ${s.vagrant?.figures.devenv?.converged ?? 'n/a'},
plain Vagrant ${s.vagrant?.figures.plain?.converged ?? 'n/a'}.

## How to reproduce

\`\`\`
bash bench/run.sh                       # everything (builds devenv first); several minutes
bash bench/run.sh --only devenv,puppet  # some sections: ${SECTIONS.join(', ')}
bash bench/run.sh --runs 10             # N runs per warm figure (or BENCH_RUNS=10); BENCH_LYNIS_RUNS=1
DEVENV_TRACE=1 node bin/devenv.js provision   # where one devenv command spends its time
\`\`\`

Needs root (the box is built with debootstrap), a Docker engine, and Debian's vagrant for the vagrant
section. The first run builds the box, the vagrant box image and the peer images (devenv-bench/puppet,
devenv-bench/facter, devenv-bench/lynis, devenv-bench/sshd: the box plus Debian's package; remove them with
\`docker rmi\`). Everything else the run creates (containers, Vagrant machines, cache images, work folders)
is removed at the end, also on failure or ^C. Sections not run keep their previous figures.
`;
}

// ---------------------------------------------------------------- main

/** What the section files (SECTION_MODULES) use of this file. */
const kit = {
  ROOT,
  RUN_ID,
  RUN_LABEL,
  VAGRANT_ENV,
  COLD_RUNS,
  log,
  median,
  timed,
  measure,
  record,
  fmt,
  fmtRatio,
  ratio,
  get,
  detailTable,
  sh,
  devenv,
  docker,
  must,
  defer,
  dist,
  systemdRun,
  waitForSystemd,
  runSystemdContainer,
  peerImage,
  envStatus,
};

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const work = await mkdtemp(join(tmpdir(), 'devenv-bench-'));
  defer(`work folder ${work}`, () => rm(work, { recursive: true, force: true }));
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, async () => {
      if (interrupted) return;
      interrupted = true;
      log(`${signal}: cleaning up`);
      await cleanup();
      process.exit(130);
    });
  }
  const data = existsSync(RESULTS_JSON) ? JSON.parse(await readFile(RESULTS_JSON, 'utf8')) : { sections: {} };
  const box = await boxImage();
  await dropStalePeerImages(box);
  // `--only ''` runs nothing and only renders RESULTS.md again: the machine facts stay those of the runs that measured.
  const measuring = options.only.length > 0;
  if (measuring) data.machine = await machineFacts(box);
  const ctx = makeContext(work, box, options.runs);
  const run = {
    devenv: benchDevenv,
    check: benchCheck,
    facts: benchFacts,
    fleet: benchFleet,
    puppet: benchPuppet,
    docker: benchDockerBuild,
    vagrant: benchVagrant,
  };
  for (const module of SECTION_MODULES) run[module.name] = (c) => module.run(c, kit);
  log(`box ${box}; ${options.runs} runs per warm figure (median); sections: ${options.only.join(', ')}`);
  let failed;
  const measured = [];
  try {
    for (const name of SECTIONS.filter((n) => options.only.includes(n))) {
      process.stdout.write(`\n${name}\n`);
      try {
        const load = () =>
          loadavg()
            .map((x) => x.toFixed(2))
            .join(' ');
        const start = load();
        const figures = await run[name](ctx);
        data.sections[name] = { date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), runs: options.runs, loadAvg: { start, end: load() }, figures };
        measured.push(name);
      } catch (error) {
        failed = error;
        log(`${name} failed: ${error.message}`);
      }
    }
  } finally {
    await cleanup();
  }
  if (measuring)
    data.machine.loadAvgEnd = loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  // Another run may have finished meanwhile (sections run in parallel on a shared machine): keep its sections.
  if (existsSync(RESULTS_JSON)) {
    const now = JSON.parse(await readFile(RESULTS_JSON, 'utf8'));
    for (const name of measured) now.sections[name] = data.sections[name];
    if (measuring) now.machine = data.machine;
    Object.assign(data, now);
  }
  await writeFile(RESULTS_JSON, `${JSON.stringify(data, null, 2)}\n`);
  const report = render(data);
  await writeFile(RESULTS_MD, report);
  const targetsTable = report.slice(report.indexOf('## Targets'), report.indexOf('## All figures'));
  process.stdout.write(`\n${targetsTable}`);
  log('wrote bench/RESULTS.md and bench/results.json');
  if (failed) {
    process.exitCode = 1;
    log('some sections failed (see above); their earlier figures, if any, were kept');
  }
}

await main();
