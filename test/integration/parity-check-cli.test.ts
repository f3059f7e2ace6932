import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { devenv, type CliResult } from './cli.js';
import { describeWithEngine } from './support.js';

/**
 * `devenv parity --against FILE` and `devenv check --target env` through the
 * built CLI against a real `devenv up` environment of a small profile. The
 * reference is the environment's own facts (`devenv facts -o`), so before any
 * change there is no error drift; then a drift is planted inside the
 * environment with `devenv exec` and both commands say so with exit 1.
 */

const PROFILE = `name: paritycli
box: debian-12
backend: docker
manifests: [manifests/demo.yaml]
checklist: { app_user: demo }
`;

const MANIFEST = `group:
  demo: { system: true }
user:
  demo: { system: true, group: demo, shell: /usr/sbin/nologin, home: /nonexistent }
file:
  /etc/demo: { ensure: directory, mode: "0755" }
  /etc/demo/app.conf: { content: "listen = 127.0.0.1:8000\\nworkers = 2\\n", mode: "0644" }
  /etc/systemd/system/demo.service:
    content: |
      [Unit]
      Description=demo app
      [Service]
      User=demo
      ExecStart=/bin/sleep infinity
      Restart=always
      [Install]
      WantedBy=multi-user.target
    mode: "0644"
service:
  demo: { ensure: running, enable: true, subscribe: [file:/etc/systemd/system/demo.service, file:/etc/demo/app.conf] }
`;

function explain(result: CliResult): string {
  return `exit ${result.exitCode}\n${result.stderr.slice(-2000)}\n${result.stdout.slice(-1000)}`;
}

interface ParityDoc {
  schema: string;
  reference: unknown;
  actual: unknown;
  summary: { error: number; warning: number; info: number; ignored: number };
  drift: { path: string; kind: string; expected: unknown; actual: unknown; severity: string; message: string }[];
}

interface CheckDoc {
  schema: string;
  target: unknown;
  summary: { pass: number; fail: number; warn: number; skip: number; na: number };
  results: { id: string; title: string; status: string; message: string; remediation: string }[];
}

describeWithEngine('parity --against FILE and check --target env through the CLI, on a real environment', () => {
  let dir: string;
  let upDone = false;
  const cli = (args: string[]): Promise<CliResult> => devenv(args, { cwd: dir });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-parity-cli-'));
    await mkdir(join(dir, 'manifests'));
    await writeFile(join(dir, 'devenv.yaml'), PROFILE);
    await writeFile(join(dir, 'manifests/demo.yaml'), MANIFEST);
    upDone = true;
    const up = await cli(['up']);
    if (up.exitCode !== 0) throw new Error(`devenv up failed: ${explain(up)}`);
    const facts = await cli(['facts', '-o', 'prod.facts.json']);
    if (facts.exitCode !== 0) throw new Error(`devenv facts failed: ${explain(facts)}`);
    // The profile may name a facts file only once it exists: check's staging-parity compares against it.
    await writeFile(join(dir, 'devenv.yaml'), `${PROFILE}production: { facts: prod.facts.json }\n`);
  });

  afterAll(async () => {
    if (upDone) await cli(['destroy', '--force']);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('parity --against FILE: a devenv.parity/v1 document and exit 0 with no error drift', async () => {
    const parity = await cli(['parity', '--against', 'prod.facts.json', '--json']);
    expect(parity.exitCode, explain(parity)).toBe(0);
    const doc = JSON.parse(parity.stdout) as ParityDoc;
    expect(doc.schema).toBe('devenv.parity/v1');
    expect(doc).toHaveProperty('reference');
    expect(doc).toHaveProperty('actual');
    expect(Object.keys(doc.summary).sort()).toEqual(['error', 'ignored', 'info', 'warning']);
    expect(doc.summary.error).toBe(0);
    // expected/actual are left out of the JSON when one side has nothing.
    for (const d of doc.drift)
      expect(d).toMatchObject({
        path: expect.any(String),
        kind: expect.stringMatching(/^(missing|extra|changed)$/),
        severity: expect.stringMatching(/^(error|warning|info)$/),
        message: expect.any(String),
      });
    expect(doc.drift.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('check --target env: a devenv.check/v1 document whose exit code follows its failures', async () => {
    const check = await cli(['check', '--target', 'env', '--json']);
    const doc = JSON.parse(check.stdout) as CheckDoc;
    expect(doc.schema).toBe('devenv.check/v1');
    expect(doc).toHaveProperty('target');
    expect(Object.keys(doc.summary).sort()).toEqual(['fail', 'na', 'pass', 'skip', 'warn']);
    expect(doc.results.length).toBe(Object.values(doc.summary).reduce((a, b) => a + b, 0));
    for (const r of doc.results) {
      expect(r).toMatchObject({
        id: expect.any(String),
        title: expect.any(String),
        status: expect.stringMatching(/^(pass|fail|warn|skip|n\/a|na)$/),
        message: expect.any(String),
        remediation: expect.any(String),
      });
    }
    expect(check.exitCode, explain(check)).toBe(doc.summary.fail > 0 ? 1 : 0);
    const byId = new Map(doc.results.map((r) => [r.id, r]));
    // The declared app user and its supervised service pass; the environment is its own production here.
    expect(byId.get('app-user')?.status).toBe('pass');
    expect(byId.get('single-uid0')?.status).toBe('pass');
    expect(byId.get('staging-parity')?.status).toBe('pass');

    const only = await cli(['check', '--target', 'env', '--only', 'app-user', 'single-uid0', 'staging-parity', '--json']);
    expect(only.exitCode, explain(only)).toBe(0);
    expect((JSON.parse(only.stdout) as CheckDoc).results.map((r) => r.id).sort()).toEqual(['app-user', 'single-uid0', 'staging-parity']);
  });

  it('after a planted drift (service stopped, managed file changed) both exit 1 and name it', async () => {
    const plant = await cli(['exec', '--', 'sh', '-c', "systemctl stop demo.service && printf 'listen = 0.0.0.0:8000\\nworkers = 2\\n' > /etc/demo/app.conf"]);
    expect(plant.exitCode, explain(plant)).toBe(0);

    const parity = await cli(['parity', '--against', 'prod.facts.json', '--json']);
    expect(parity.exitCode, explain(parity)).toBe(1);
    const doc = JSON.parse(parity.stdout) as ParityDoc;
    const at = (path: string) => doc.drift.find((d) => d.path === path);
    expect(at('services.demo.active')).toMatchObject({ kind: 'changed', expected: 'active', actual: 'inactive', severity: 'error' });
    expect(at('files./etc/demo/app.conf.sha256')).toMatchObject({ kind: 'changed', severity: 'error' });
    expect(doc.summary.error).toBe(doc.drift.filter((d) => d.severity === 'error').length);

    const check = await cli(['check', '--target', 'env', '--only', 'staging-parity', '--json']);
    expect(check.exitCode, explain(check)).toBe(1);
    expect((JSON.parse(check.stdout) as CheckDoc).results).toEqual([expect.objectContaining({ id: 'staging-parity', status: 'fail' })]);
  });
});
