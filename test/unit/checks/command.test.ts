import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/commands/check.js';
import type { CommandContext, OutputFormat } from '../../../src/cli/context.js';
import { UsageError } from '../../../src/core/errors.js';
import { hardenedFacts, productionFacts } from './fixtures.js';
import { commandContext } from '../command-context.js';

/** `devenv check --target FILE` end to end through the command, without an engine. */
let dir: string;

function context(format: OutputFormat = 'text'): { ctx: CommandContext; output: () => string } {
  return commandContext(join(dir, 'devenv.yaml'), format);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devenv-check-'));
  await writeFile(
    join(dir, 'devenv.yaml'),
    [
      'name: mysite',
      'box: debian-12',
      'production: { facts: prod.facts.json }',
      'checklist:',
      '  app_user: mysite',
      '  secrets: [/etc/mysite/secrets.env]',
      '  app_paths: [/srv/mysite/app]',
      '',
    ].join('\n'),
  );
  const weak = hardenedFacts();
  weak.ssh!['permitrootlogin'] = 'yes';
  await writeFile(join(dir, 'prod.facts.json'), JSON.stringify(productionFacts()));
  await writeFile(join(dir, 'good.facts.json'), JSON.stringify(hardenedFacts()));
  await writeFile(join(dir, 'weak.facts.json'), JSON.stringify(weak));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('devenv check (command)', () => {
  it('exits 0 when nothing fails, with production compared', async () => {
    const { ctx, output } = context('json');
    expect(await run({ target: join(dir, 'good.facts.json') }, ctx)).toBe(0);
    const report = JSON.parse(output()) as { schema: string; summary: { fail: number }; results: { id: string; status: string }[] };
    expect(report.schema).toBe('devenv.check/v1');
    expect(report.summary.fail).toBe(0);
    expect(report.results.find((r) => r.id === 'distinct-credentials')?.status).toBe('pass');
    expect(report.results.find((r) => r.id === 'staging-parity')?.status).toBe('pass');
  });

  it('exits 1 when a check fails, and the text names it', async () => {
    const { ctx, output } = context();
    expect(await run({ target: join(dir, 'weak.facts.json') }, ctx)).toBe(1);
    expect(output()).toContain('✗ FAIL ssh-no-root-login');
  });

  it('--only narrows the report', async () => {
    const { ctx, output } = context('junit');
    expect(await run({ target: join(dir, 'weak.facts.json'), only: ['ssh-limits'] }, ctx)).toBe(0);
    expect(output().match(/<testcase /g)).toHaveLength(1);
  });

  it('rejects an unknown --only ID before reading the target', async () => {
    const { ctx } = context();
    await expect(run({ target: join(dir, 'does-not-exist.json'), only: ['ssh-limit'] }, ctx)).rejects.toThrow(UsageError);
    await expect(run({ target: join(dir, 'does-not-exist.json'), only: ['ssh-limit'] }, ctx)).rejects.toThrow('did you mean "ssh-limits"');
  });

  it('does not compare production with itself', async () => {
    const { ctx, output } = context('json');
    await run({ target: join(dir, 'prod.facts.json'), only: ['distinct-credentials'] }, ctx);
    const report = JSON.parse(output()) as { results: { status: string; message: string }[] };
    expect(report.results[0]).toMatchObject({ status: 'warn', message: expect.stringContaining('production itself') });
  });
});
