#!/usr/bin/env node
// Benchmarks devenv against its peers on the same work — the bundled example
// (profiles/mysite) — on this machine, side by side in one run:
//   devenv: cold up, no-change provision, warm up, exec
//   Puppet 7 (Debian's puppet-agent): cold `puppet apply`, no-change apply, in an identical container
//   docker build of an equivalent Dockerfile: cold (--no-cache) and cached
// Prints medians and ratios and writes bench/RESULTS.md.
// Needs: a running Docker engine, root (the box is built with debootstrap), `npm run build`.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const CLI = join(ROOT, 'bin/devenv.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const FILES = [
  '/etc/nginx/nginx.conf',
  '/etc/nginx/sites-available/mysite',
  '/etc/mysite/secrets.env',
  '/etc/mysite/gunicorn.conf.py',
  '/etc/systemd/system/mysite.service',
  '/srv/mysite/app/wsgi.py',
];
const SYSTEMD_RUN = ['--stop-signal', 'SIGRTMIN+3', '--tmpfs', '/run', '--tmpfs', '/run/lock', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:ro'];

const log = (message) => process.stderr.write(`bench: ${message}\n`);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(fn) {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

async function repeat(runs, fn) {
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await timed(fn));
  return median(times);
}

const sh = (cmd, args, options = {}) => execa(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
const devenv = (cwd, args) => sh('node', [CLI, ...args], { cwd, env: { NO_COLOR: '1' } });

async function waitForSystemd(container) {
  for (let i = 0; i < 300; i++) {
    const { stdout } = await sh('docker', ['exec', container, 'systemctl', 'is-system-running'], { reject: false });
    if (['running', 'degraded'].includes(stdout.trim())) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${container} did not boot`);
}

async function boxImage() {
  const { stdout } = await devenv(ROOT, ['box', 'build', 'debian-12', '--json']);
  return JSON.parse(stdout).image;
}

async function benchDevenv(work) {
  const project = join(work, 'mysite');
  await cp(join(ROOT, 'profiles/mysite'), project, { recursive: true });
  const profile = await readFile(join(project, 'devenv.yaml'), 'utf8');
  // No published port: the benchmark must not clash with a running example.
  await writeFile(join(project, 'devenv.yaml'), profile.replace(/^ports:.*$/m, 'ports: []'));
  const results = {};
  try {
    results.coldUp = await timed(() => devenv(project, ['up']));
    const page = await devenv(project, ['exec', '--', 'sh', '-c', 'command -v curl >/dev/null || true; cat /etc/nginx/sites-enabled/mysite >/dev/null && echo ok']);
    if (page.stdout.trim() !== 'ok') throw new Error('devenv example did not converge');
    results.noChangeProvision = await repeat(RUNS, () => devenv(project, ['provision']));
    results.noChangePlan = await repeat(RUNS, () => devenv(project, ['plan']));
    results.warmUp = await repeat(RUNS, () => devenv(project, ['up']));
    results.exec = await repeat(RUNS * 2, () => devenv(project, ['exec', '--', 'true']));
    const { stdout } = await devenv(project, ['status', '--json']);
    const id = JSON.parse(stdout).id;
    // The files devenv rendered are what Puppet and the Dockerfile install too.
    for (const path of FILES) {
      await mkdir(join(work, 'files', dirname(path)), { recursive: true });
      await sh('docker', ['cp', `${id}:${path}`, join(work, 'files', path)]);
    }
    await devenv(project, ['halt']);
    results.upAfterHalt = await timed(() => devenv(project, ['up']));
    await devenv(project, ['destroy', '--force']);
    // Provisioning alone, from a freshly booted box: the figure Puppet's cold apply compares with.
    await devenv(project, ['up', '--no-provision']);
    results.coldProvision = await timed(() => devenv(project, ['provision']));
  } finally {
    await devenv(project, ['destroy', '--force']);
  }
  return results;
}

async function puppetImage(box) {
  const tag = `devenv-bench/puppet:${box.split(':')[1]}`;
  const found = await sh('docker', ['image', 'inspect', tag], { reject: false });
  if (found.exitCode === 0) return tag;
  log('preparing the Puppet image (box + Debian puppet-agent; once)');
  const name = `devenv-bench-puppet-prep-${process.pid}`;
  await sh('docker', ['run', '-d', '--name', name, ...SYSTEMD_RUN, box]);
  try {
    await waitForSystemd(name);
    await sh('docker', ['exec', '-e', 'DEBIAN_FRONTEND=noninteractive', name, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'puppet-agent']);
    await sh('docker', ['exec', name, 'apt-get', 'clean']);
    await sh('docker', ['commit', '--change', 'CMD ["/sbin/init"]', name, tag]);
  } finally {
    await sh('docker', ['rm', '-f', name], { reject: false });
  }
  return tag;
}

async function benchPuppet(work, box) {
  const image = await puppetImage(box);
  const name = `devenv-bench-puppet-${process.pid}`;
  await sh('docker', ['run', '-d', '--name', name, ...SYSTEMD_RUN, image]);
  const results = {};
  try {
    await waitForSystemd(name);
    await sh('docker', ['exec', name, 'mkdir', '-p', '/bench']);
    await sh('docker', ['cp', join(work, 'files'), `${name}:/bench/`]);
    await sh('docker', ['cp', join(ROOT, 'bench/puppet/mysite.pp'), `${name}:/bench/mysite.pp`]);
    const apply = () => sh('docker', ['exec', name, 'puppet', 'apply', '--detailed-exitcodes', '/bench/mysite.pp'], { reject: false });
    results.coldApply = await timed(async () => {
      const r = await apply();
      // --detailed-exitcodes: 2 = changes applied, 0 = nothing to do; 4/6 = failures.
      if (![0, 2].includes(r.exitCode)) throw new Error(`puppet apply failed (${r.exitCode}): ${r.stdout.slice(-800)}${r.stderr.slice(-800)}`);
    });
    results.noChangeApply = await repeat(Math.min(RUNS, 3), async () => {
      const r = await apply();
      if (r.exitCode !== 0) throw new Error(`puppet re-apply was not a no-op (${r.exitCode}): ${r.stdout.slice(-800)}`);
    });
    const served = await sh('docker', ['exec', name, 'systemctl', 'is-active', 'mysite', 'nginx'], { reject: false });
    results.converged = served.stdout.trim().split('\n').every((s) => s === 'active');
  } finally {
    await sh('docker', ['rm', '-f', name], { reject: false });
  }
  return results;
}

async function benchDockerBuild(work, box) {
  const context = join(work, 'docker');
  await mkdir(context, { recursive: true });
  await cp(join(ROOT, 'bench/docker/Dockerfile'), join(context, 'Dockerfile'));
  await cp(join(work, 'files'), join(context, 'files'), { recursive: true });
  const tag = `devenv-bench/dockerfile:${process.pid}`;
  const build = (extra) => sh('docker', ['build', ...extra, '--build-arg', `BOX=${box}`, '-t', tag, context]);
  const results = {};
  try {
    results.cold = await timed(() => build(['--no-cache']));
    results.cached = await repeat(RUNS, () => build([]));
  } finally {
    await sh('docker', ['rmi', '-f', tag], { reject: false });
  }
  return results;
}

const fmt = (seconds) => (seconds === undefined ? 'n/a' : `${seconds.toFixed(2)} s`);
const ratio = (a, b) => (a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(2)}×`);

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'devenv-bench-'));
  try {
    const box = await boxImage();
    log(`box ${box}; ${RUNS} runs per warm measurement (median)`);
    log('devenv…');
    const dev = await benchDevenv(work);
    log('puppet…');
    const puppet = await benchPuppet(work, box);
    log('docker build…');
    const docker = await benchDockerBuild(work, box);
    const { stdout: dockerVersion } = await sh('docker', ['version', '--format', '{{.Server.Version}}']);
    const { stdout: puppetVersion } = await sh('docker', ['run', '--rm', `devenv-bench/puppet:${box.split(':')[1]}`, 'puppet', '--version']);

    const rows = [
      ['cold: empty box → example converged', `devenv up ${fmt(dev.coldUp)} (provision alone ${fmt(dev.coldProvision)})`, `puppet apply ${fmt(puppet.coldApply)}`, `docker build --no-cache ${fmt(docker.cold)}`, `devenv provision / puppet: ${ratio(dev.coldProvision, puppet.coldApply)} (target ≤ 0.5×)`],
      ['no-change re-apply', `devenv provision ${fmt(dev.noChangeProvision)} (plan ${fmt(dev.noChangePlan)})`, `puppet apply ${fmt(puppet.noChangeApply)}`, `cached docker build ${fmt(docker.cached)}`, `devenv / puppet: ${ratio(dev.noChangeProvision, puppet.noChangeApply)} (target ≤ 0.1×)`],
      ['up of a running environment', `devenv up ${fmt(dev.warmUp)}`, '', '', 'target < 1 s'],
      ['up after halt', `devenv up ${fmt(dev.upAfterHalt)}`, '', '', ''],
      ['exec one command', `devenv exec -- true ${fmt(dev.exec)}`, '', '', ''],
    ];
    const table = ['| work | devenv | Puppet | docker build | ratio |', '|---|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
    const report = `# Benchmarks

Measured by \`node bench/run.mjs\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB,
Docker ${dockerVersion.trim()}, Puppet ${puppetVersion.trim()} (Debian's puppet-agent), box \`${box}\`.
Every tool does the same work: the bundled example (profiles/mysite — nginx, gunicorn on a unix socket,
a system user, 7 files, 2 services, exact Debian pins) on the same debian-12 box, in identical systemd
containers. Warm figures are medians of ${RUNS} runs; cold figures are one run each. Puppet converged: ${puppet.converged}.

${table}

How to reproduce: \`npm run build && node bench/run.mjs\` (as root, with a Docker engine; the first run
builds the box and a Puppet image once). \`BENCH_RUNS=N\` changes the number of warm runs.
`;
    process.stdout.write(`\n${table}\n`);
    await writeFile(join(ROOT, 'bench/RESULTS.md'), report);
    log('wrote bench/RESULTS.md');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
