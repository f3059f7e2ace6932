// Facts of a production stand-in over SSH (issue 18's speed target), a section of bench/run.mjs.
//
// The stand-in is a systemd container of the box with Debian's openssh-server,
// sudo, nginx, facter, PostgreSQL and a few more (a peer image: a few hundred
// packages), with hand changes planted the way issue 18 describes them (an
// edited conffile, files no package owns in /etc, a tree under /opt, a script in
// /usr/local/bin, a cron job). Over the same kind of connection (a fresh `ssh`
// per run, key auth, `sudo -n`), interleaved run by run:
//   - devenv facts --target ssh://… (the whole CLI, with the wave-2 sections);
//   - the collector script alone over plain ssh, with every section;
//   - "today's collector": the same script running only the sections it had
//     before wave 2 (without conffiles, unowned_files, trees and cron; the
//     function definitions stay, its run lines skip them — product code unchanged);
//   - facter --json.
// Then each section's fragment alone over SSH (the script running `meta` and that
// one section), less the script running `meta` alone: what each fragment costs.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export const name = 'facts-ssh';

/** The sections issue 18 (wave 2) added to the collector; the rest ran before it. */
export const WAVE2_SECTIONS = ['conffiles', 'unowned_files', 'trees', 'cron'];

const PACKAGES = ['openssh-server', 'sudo', 'nginx', 'facter', 'postgresql', 'python3', 'cron', 'logrotate', 'rsyslog', 'git', 'curl', 'less', 'vim-tiny'];

/** Hand changes a production host collects over the years (what the wave-2 sections exist to see). */
const HAND_CHANGES = `set -e
sed -i 's/worker_connections 768/worker_connections 1024/' /etc/nginx/nginx.conf
printf 'gzip_types text/css application/json;\\n' > /etc/nginx/conf.d/gzip.conf
printf 'client_max_body_size 20m;\\n' > /etc/nginx/conf.d/uploads.conf
printf '#!/bin/sh\\necho rotate\\n' > /usr/local/bin/rotate-uploads && chmod 0755 /usr/local/bin/rotate-uploads
mkdir -p /opt/agent/bin /opt/agent/lib && for i in $(seq 1 200); do printf 'lib %s\\n' "$i" > /opt/agent/lib/part$i.so; done
printf '#!/bin/sh\\n' > /opt/agent/bin/agent && chmod 0755 /opt/agent/bin/agent
printf '17 3 * * * root /usr/local/bin/rotate-uploads\\n' > /etc/cron.d/rotate-uploads
printf 'DATABASE_URL=postgres://app:secret@localhost/app\\n' > /etc/default/app && chmod 0600 /etc/default/app`;

/**
 * The collector script running only these sections (every function is still defined): its last two
 * lines are `run_sections FIRST…` and `run_lanes 'lane…' 'lane…'`; each keeps only the sections asked for.
 */
export function withSections(script, sections) {
  const tail = /\nrun_sections ([a-z0-9_ ]+)\nrun_lanes ((?:'[a-z0-9_ ]*' ?)+)\n/;
  if (!tail.test(script)) throw new Error("the collector script no longer ends in `run_sections …` and `run_lanes '…' …`: update bench/facts-ssh.mjs");
  const keep = (words) => words.split(' ').filter((s) => sections.includes(s));
  return script.replace(tail, (_, first, lanes) => {
    const kept = [...lanes.matchAll(/'([a-z0-9_ ]*)'/g)].map(([, lane]) => keep(lane)).filter((lane) => lane.length > 0);
    return `\nrun_sections ${keep(first).join(' ')}\nrun_lanes ${kept.map((lane) => `'${lane.join(' ')}'`).join(' ')}\n`;
  });
}

/**
 * The same script, each section timed in place (in the context of the others: lanes run side by side,
 * and env and cron reuse what services read). The T line starts on a line of its own (a section may
 * leave stderr without a final newline) and names the section as run_sections gave it (sections such
 * as time and ssh use $s themselves).
 */
export function withSectionTimes(script) {
  const loop = 'run_sections() { for s in "$@"; do run_section "$s"; done; }';
  if (!script.includes(loop)) throw new Error('the collector script no longer defines run_sections as a loop over run_section: update bench/facts-ssh.mjs');
  return script.replace(
    loop,
    'run_sections() { for s in "$@"; do bench_section=$s; bench_t0=$(date +%s%N); run_section "$s"; printf \'\\nT %s %s\\n\' "$bench_section" $(( $(date +%s%N) - bench_t0 )) >&2; done; }',
  );
}

export async function run(ctx, kit) {
  const { RUN_ID, docker, sh, must, devenv, record, median, timed, peerImage, runSystemdContainer, dist, log, fmt } = kit;
  const r = {};
  const image = await peerImage(ctx, 'prod', PACKAGES);
  const dir = join(ctx.work, 'facts-ssh');
  await mkdir(dir, { recursive: true });
  const identity = join(dir, 'id_ed25519');
  must(await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'devenv-bench-facts-ssh', '-f', identity], { reject: false }), 'ssh-keygen');
  const pub = (await readFile(`${identity}.pub`, 'utf8')).trim();
  const name = `devenv-bench-prod-facts-${RUN_ID}`;
  const remove = await runSystemdContainer(image, name, ['-p', '127.0.0.1::22']);
  try {
    const setup = `set -e
useradd -m -s /bin/bash ops
printf 'ops ALL=(ALL) NOPASSWD:ALL\\n' > /etc/sudoers.d/ops && chmod 0440 /etc/sudoers.d/ops
install -d -m 0700 -o ops -g ops /home/ops/.ssh
printf '%s\\n' "$1" > /home/ops/.ssh/authorized_keys && chown ops:ops /home/ops/.ssh/authorized_keys && chmod 0600 /home/ops/.ssh/authorized_keys
systemctl enable --now ssh.service >/dev/null 2>&1`;
    must(await docker(['exec', name, 'sh', '-c', setup, 'setup', pub], { reject: false }), `setting up ${name}`);
    must(await docker(['exec', name, 'sh', '-c', HAND_CHANGES], { reject: false }), 'planting hand changes');
    r.packages = Number((await docker(['exec', name, 'sh', '-c', 'dpkg-query -W | wc -l'])).stdout.trim());
    r.facterVersion = (await docker(['exec', name, 'facter', '--version'])).stdout.trim();
    const port = (await docker(['port', name, '22/tcp'])).stdout.trim().split('\n')[0].split(':').pop();
    const hostKey = (await docker(['exec', name, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout.trim().split(' ').slice(0, 2).join(' ');
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `[127.0.0.1]:${port} ${hostKey}\n`);
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -o UserKnownHostsFile=${knownHosts} "$@"\n`, { mode: 0o755 });
    const env = { PATH: `${bin}:${process.env.PATH}` };
    // The CPU the stand-in spends on each run (cgroup v1 cpuacct): on this shared 2-core machine wall
    // times move with the other helpers' load; what the host itself spends on a collection does much less.
    const { stdout: id } = await docker(['inspect', '-f', '{{.Id}}', name]);
    const usage = join('/sys/fs/cgroup/cpuacct/docker', id.trim(), 'cpuacct.usage');
    const cpuNow = () => (existsSync(usage) ? Number(readFileSync(usage, 'utf8')) / 1e9 : undefined);
    const cpu = {};
    const withCpu = async (key, fn) => {
      const before = cpuNow();
      const seconds = await timed(fn);
      const after = cpuNow();
      if (before !== undefined && after !== undefined) (cpu[key] ??= []).push(after - before);
      return seconds;
    };

    // The same connection style for all: a fresh ssh process and connection, key auth, sudo -n.
    const ssh = (command, input) =>
      sh(
        'ssh',
        ['-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'ControlMaster=no', '-i', identity, '-p', port, 'ops@127.0.0.1', command],
        {
          ...(input === undefined ? {} : { input }),
          stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
          reject: false,
        },
      );
    const { renderCollectorScript, COLLECTOR_SECTIONS } = await dist('facts/collector-script.js');
    const script = renderCollectorScript({ marker: `@@bench-${RUN_ID}`, fingerprintKey: randomBytes(32).toString('hex'), managedPaths: [], secretPaths: [] });
    const today = COLLECTOR_SECTIONS.filter((s) => !WAVE2_SECTIONS.includes(s));
    const missing = WAVE2_SECTIONS.filter((s) => !COLLECTOR_SECTIONS.includes(s));
    if (missing.length) throw new Error(`the collector has no section(s) ${missing.join(', ')}: update WAVE2_SECTIONS`);
    const todayScript = withSections(script, today);
    r.sections = COLLECTOR_SECTIONS.length;
    r.todaySections = today.length;
    r.scriptBytes = script.length;
    const outBytes = {};
    const facts = join(dir, 'prod.facts.json');
    const ways = {
      cli: async () =>
        must(
          await devenv(dir, ['-i', identity, '--sudo', 'facts', '--target', `ssh://ops@127.0.0.1:${port}`, '-o', facts], { reject: false, env }),
          'devenv facts --target ssh://',
        ),
      collector: async () => (outBytes.collector = must(await ssh('sudo -n sh -s', script), 'ssh collector').stdout.length),
      today: async () => (outBytes.today = must(await ssh('sudo -n sh -s', todayScript), "ssh collector (today's sections)").stdout.length),
      facter: async () => (outBytes.facter = must(await ssh('sudo -n facter --json'), 'ssh facter --json').stdout.length),
      floor: async () => must(await ssh('sudo -n true'), 'ssh sudo true'),
    };
    // One untimed round of each (caches, the host key, sudo's first run), then N interleaved rounds, the order rotating.
    for (const fn of Object.values(ways)) await fn();
    const samples = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
    const keys = Object.keys(ways);
    const N = Math.max(ctx.runs * 2, 5);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < keys.length; j++) {
        const key = keys[(i + j) % keys.length];
        samples[key].push(await withCpu(key, ways[key]));
      }
    }
    record(r, 'cli', `devenv facts --target ssh:// (whole CLI, ${r.sections - 1} areas, ${r.packages} packages)`, samples.cli);
    record(r, 'collector', 'ssh + sudo + the collector, every section', samples.collector);
    record(r, 'today', `ssh + sudo + today's collector (without ${WAVE2_SECTIONS.join(', ')})`, samples.today);
    record(r, 'facter', 'ssh + sudo facter --json', samples.facter);
    record(r, 'floor', 'ssh + sudo -n true (baseline)', samples.floor);
    r.outputBytes = outBytes;
    for (const [key, values] of Object.entries(cpu)) record(r, `cpu_${key}`, `  CPU the stand-in spent: ${key}`, values);
    const doc = JSON.parse(await readFile(facts, 'utf8'));
    r.factsErrors = Object.keys(doc.errors ?? {});
    r.counts = {
      changedConffiles: Object.keys(doc.conffiles ?? {}).length,
      unownedFiles: Object.keys(doc.unowned_files ?? {}).length,
    };

    // Each fragment alone over SSH: the script running meta and that section, less the script running meta alone.
    log("timing each area's fragment alone over SSH");
    const base = [];
    const each = Object.fromEntries(COLLECTOR_SECTIONS.filter((s) => s !== 'meta').map((s) => [s, []]));
    const R = Math.max(ctx.runs, 3);
    const metaOnly = withSections(script, ['meta']);
    for (let i = 0; i < R; i++) {
      base.push(await withCpu('fragment_meta', async () => must(await ssh('sudo -n sh -s', metaOnly), 'ssh collector (meta)')));
      for (const section of Object.keys(each)) {
        const alone = withSections(script, ['meta', section]);
        each[section].push(await withCpu(`fragment_${section}`, async () => must(await ssh('sudo -n sh -s', alone), `ssh collector (${section})`)));
      }
    }
    record(r, 'fragmentBase', 'ssh + sudo + the script running meta alone', base);
    // Each section's time in place, inside whole runs of the collector.
    const timedScript = withSectionTimes(script);
    const inPlace = {};
    for (let i = 0; i < R; i++) {
      const res = must(await ssh('sudo -n sh -s', timedScript), 'ssh collector (timed sections)');
      for (const [, section, ns] of res.stderr.matchAll(/^T (\S+) (\d+)$/gm)) (inPlace[section] ??= []).push(Number(ns) / 1e9);
    }
    const baseMedian = median(base);
    const baseCpu = cpu.fragment_meta ? median(cpu.fragment_meta) : undefined;
    r.fragments = Object.fromEntries(
      Object.entries(each)
        .map(([section, s]) => {
          const cpuSamples = cpu[`fragment_${section}`];
          const cpuCost = cpuSamples && baseCpu !== undefined ? Number((median(cpuSamples) - baseCpu).toFixed(4)) : undefined;
          const here = inPlace[section] ? Number(median(inPlace[section]).toFixed(4)) : undefined;
          return [
            section,
            {
              median: Number((median(s) - baseMedian).toFixed(4)),
              cpu: cpuCost,
              inPlace: here,
              wave2: WAVE2_SECTIONS.includes(section),
              samples: s.map((x) => Number(x.toFixed(4))),
            },
          ];
        })
        .sort((a, b) => (b[1].inPlace ?? b[1].median) - (a[1].inPlace ?? a[1].median)),
    );
    for (const [section, f] of Object.entries(r.fragments))
      process.stdout.write(
        `    fragment ${section.padEnd(20)}${f.wave2 ? ' (wave 2)' : '         '} in place ${fmt(f.inPlace).padStart(10)}  alone ${fmt(f.median).padStart(10)}  cpu alone ${fmt(f.cpu).padStart(10)}\n`,
      );
  } finally {
    await remove();
  }
  return r;
}

export function targets(s, kit) {
  const { get, ratio } = kit;
  const f = (k) => get(s, `facts-ssh.figures.${k}`);
  const both = (a, b) => a !== undefined && b !== undefined;
  return [
    {
      issue: '18',
      what: 'facts of production over SSH, with the wave-2 sections',
      devenvText: 'devenv facts --target ssh://',
      devenvValue: f('cli'),
      peerText: 'ssh … facter --json',
      peerValue: f('facter'),
      targetText: '≤ 1 s',
      met: f('cli') === undefined ? undefined : f('cli') <= 1,
      ratio: ratio(f('cli'), f('facter')),
    },
    {
      issue: '18',
      what: "the collector over SSH vs today's (pre-wave-2) collector",
      devenvText: 'ssh … collector',
      devenvValue: f('collector'),
      peerText: "ssh … today's collector",
      peerValue: f('today'),
      targetText: "≤ 1.3× today's",
      met: both(f('collector'), f('today')) ? f('collector') <= 1.3 * f('today') : undefined,
      ratio: ratio(f('collector'), f('today')),
    },
    {
      issue: '18',
      what: 'the same, in CPU the host spends',
      devenvText: 'collector',
      devenvValue: f('cpu_collector'),
      peerText: "today's collector",
      peerValue: f('cpu_today'),
      targetText: "≤ 1.3× today's",
      met: both(f('cpu_collector'), f('cpu_today')) ? f('cpu_collector') <= 1.3 * f('cpu_today') : undefined,
      ratio: ratio(f('cpu_collector'), f('cpu_today')),
    },
  ];
}

export function details(s, kit) {
  const { detailTable, fmt } = kit;
  const figures = s['facts-ssh']?.figures;
  if (!figures) return '';
  const table = detailTable(
    `Facts over SSH (a production stand-in: ${figures.packages} packages, hand changes planted; a fresh ssh connection per run, interleaved)`,
    figures,
    [
      ['cli', 'devenv facts --target ssh:// (whole CLI, every section)'],
      ['collector', 'ssh + sudo + the collector script, every section'],
      ['today', `ssh + sudo + today's collector (${figures.todaySections} of ${figures.sections} sections: without ${WAVE2_SECTIONS.join(', ')})`],
      ['facter', `ssh + sudo facter --json (Facter ${figures.facterVersion})`],
      ['floor', 'baseline: ssh + sudo -n true'],
      ['fragmentBase', 'baseline: ssh + sudo + the script running its meta section alone'],
    ],
  );
  const cpuRows = detailTable("CPU the stand-in spent per run (cgroup cpuacct; less moved by the machine's load than wall time)", figures, [
    ['cpu_cli', 'devenv facts --target ssh://'],
    ['cpu_collector', 'the collector, every section'],
    ['cpu_today', "today's collector"],
    ['cpu_facter', 'facter --json'],
    ['cpu_floor', 'sudo -n true'],
  ]).replace(/^### /, '#### ');
  const rows = Object.entries(figures.fragments ?? {}).map(
    ([section, f]) => `| ${section}${f.wave2 ? ' (wave 2)' : ''} | ${fmt(f.inPlace)} | ${fmt(f.median)} | ${fmt(f.cpu)} |`,
  );
  return `${table}

${cpuRows}

What each area's fragment costs, median of ${figures.fragmentBase?.n ?? '?'} runs: in place (timed inside whole collector runs on the host), and alone over SSH (the script running meta and that section, less the script running meta alone; env and cron alone redo the unit listing that services shares with them in a whole run):

| fragment | in place | alone over SSH, wall | alone, CPU on the host |
|---|---:|---:|---:|
${rows.join('\n')}`;
}
