import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CommandContext, OutputFormat } from '../../../src/cli/context.js';
import { UsageError } from '../../../src/core/errors.js';
import type { ExecOptions, Target } from '../../../src/targets/target.js';
import { commandContext } from '../command-context.js';

/**
 * `devenv parity` and `devenv facts` through their commands, without an engine:
 * the environment is a fake Target that answers the collector with a recorded
 * run (the fixture), under the marker this run's script carries.
 */
const recorded = readFileSync(new URL('../../fixtures/facts/collector-output.txt', import.meta.url), 'utf8');
const scripts: string[] = [];

const fakeEnvironment: Target = {
  async exec(argv: readonly string[], options: ExecOptions = {}) {
    const script = String(options.stdin ?? '');
    scripts.push(script);
    const marker = /^M=(\S+)$/m.exec(script)?.[1] ?? '';
    expect(argv).toEqual(['sh', '-s']);
    return { exitCode: 0, stdout: recorded.replaceAll('@@devenv-0123456789abcdef', marker), stderr: '' };
  },
  copy: async () => undefined,
  describe: () => ({ kind: 'docker', name: 'mysite-env', container: true }),
  close: async () => undefined,
};

vi.mock('../../../src/backends/open.js', () => ({ openEnvironmentTarget: async () => fakeEnvironment }));

const { run: runParity } = await import('../../../src/cli/commands/parity.js');
const { run: runFacts } = await import('../../../src/cli/commands/facts.js');
const { parseFactsText } = await import('../../../src/facts/read-facts-file.js');

let dir: string;

function context(format: OutputFormat = 'text'): { ctx: CommandContext; output: () => string } {
  return commandContext(join(dir, 'devenv.yaml'), format);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devenv-parity-cmd-'));
  await writeFile(
    join(dir, 'devenv.yaml'),
    [
      'name: mysite',
      'box: debian-12',
      'production: { facts: prod.facts.json }',
      'parity: { ignore: ["kernel.*"] }',
      'checklist:',
      '  app_user: mysite',
      '  secrets: [/etc/mysite/secrets.env]',
      '',
    ].join('\n'),
  );
  // The loader checks the production facts file exists; each test writes the one it needs.
  await writeFile(join(dir, 'prod.facts.json'), '{}');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('devenv facts (command)', () => {
  it('writes one devenv.facts/v1 document with the profile paths, and creates the project key 0600', async () => {
    const { ctx } = context();
    expect(await runFacts({ target: 'env', output: join(dir, 'env.facts.json') }, ctx)).toBe(0);
    const facts = parseFactsText(await readFile(join(dir, 'env.facts.json'), 'utf8'), 'env.facts.json');
    expect(facts.format).toBe('devenv');
    expect(facts.facts.target).toEqual({ kind: 'docker', name: 'mysite-env', container: true });
    expect((await stat(join(dir, '.devenv', 'fingerprint.key'))).mode & 0o777).toBe(0o600);
    const key = (await readFile(join(dir, '.devenv', 'fingerprint.key'), 'utf8')).trim();
    const script = scripts.at(-1)!;
    expect(script).toContain(`K=${key}`);
    expect(script).toContain('SECRETS=/etc/mysite/secrets.env');
  });
});

describe('devenv parity (command)', () => {
  it('compares against the profile production facts and exits 1 on error-level drift', async () => {
    const production = JSON.parse(await readFile(join(dir, 'env.facts.json'), 'utf8'));
    production.packages.deb.nginx.version = '1.22.0-1';
    production.time.timezone = 'Etc/UTC';
    await writeFile(join(dir, 'prod.facts.json'), JSON.stringify(production));
    const { ctx, output } = context('json');
    expect(await runParity({}, ctx)).toBe(1);
    const doc = JSON.parse(output());
    expect(doc).toMatchObject({ schema: 'devenv.parity/v1', summary: { error: 2 } });
    expect(doc.drift.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['packages.deb.nginx', 'time.timezone']));
  });

  it('exits 0 when only warnings remain, and 1 with --fail-on warning', async () => {
    const production = JSON.parse(await readFile(join(dir, 'env.facts.json'), 'utf8'));
    production.packages.deb.held.status = 'ii';
    await writeFile(join(dir, 'prod.facts.json'), JSON.stringify(production));
    expect(await runParity({ failOn: 'error' }, context().ctx)).toBe(0);
    expect(await runParity({ failOn: 'warning' }, context().ctx)).toBe(1);
  });

  it('takes --against a Facter file: what Facter lacks is not compared, and not an error', async () => {
    const { ctx, output } = context('markdown');
    const facter = new URL('../../fixtures/facts/facter.json', import.meta.url).pathname;
    expect(await runParity({ against: facter }, ctx)).toBe(0);
    expect(output()).toContain('packages not compared');
  });

  it('refuses a malformed reference with a usage error', async () => {
    await writeFile(join(dir, 'broken.json'), '{"schema":"devenv.facts/v1"');
    await expect(runParity({ against: join(dir, 'broken.json') }, context().ctx)).rejects.toThrow(UsageError);
  });
});
