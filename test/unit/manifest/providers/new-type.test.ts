import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ResourceProvider } from '../../../../src/manifest/provider.js';
import type { ResourceOf } from '../../../../src/manifest/resource.js';
import { relations } from '../../../../src/manifest/schema.js';
import type { ExecOptions, ExecResult, Target } from '../../../../src/targets/target.js';

/**
 * Issue 16's promise: a new resource type is one file plus its line in the
 * registry. This test writes that file here, a sysctl-like "setting" type (a key
 * whose value lives in a file), registers it beside the real ones, and takes it
 * through every stage (load, catalog, observe, plan, apply) with no stage knowing it.
 */

const SettingAttributes = z.strictObject({ value: z.string(), dir: z.string().startsWith('/'), ...relations });
type SettingResource = ResourceOf<'setting', z.output<typeof SettingAttributes>>;

const settingProvider: ResourceProvider<'setting', z.output<typeof SettingAttributes>> = {
  type: 'setting',
  attributes: SettingAttributes,
  nameProblem: (name) => (/^[a-z][a-z.]*$/.test(name) ? undefined : `"${name}" is not a setting name`),
  // After the folder that holds it, when that folder is declared.
  impliedAfter: (resource, declared) => (declared.has(`file:${resource.attrs.dir}`) ? [`file:${resource.attrs.dir}`] : []),
  observe: {
    queries: [
      {
        key: 'settings',
        // Values travel as positional arguments: "dir key" pairs.
        build: (resources) => ({
          script: 'while [ $# -ge 2 ]; do printf "%s=%s\\n" "$2" "$(cat -- "$1/$2" 2>/dev/null)"; shift 2; done',
          args: resources.flatMap((r) => [(r as unknown as SettingResource).attrs.dir, r.name]),
        }),
        read: (stdout, _resources, state) => {
          state.byType['setting'] = Object.fromEntries(
            stdout('reading settings')
              .split('\n')
              .filter(Boolean)
              .map((line) => line.split('=', 2)),
          );
        },
      },
    ],
  },
  plan: (resource, observed) => {
    const current = (observed.byType['setting'] as Record<string, string> | undefined)?.[resource.name] ?? '';
    if (current === resource.attrs.value) return { changes: [] };
    return {
      changes: [`value: ${current || '(unset)'} → ${resource.attrs.value}`],
      operation: {
        kind: 'commands',
        commands: [{ argv: ['sh', '-c', 'printf %s "$1" > "$2"', 'devenv-setting', resource.attrs.value, `${resource.attrs.dir}/${resource.name}`] }],
      },
    };
  },
  async apply(session, { changes }) {
    const operation = changes[0]!.operation;
    if (operation?.kind !== 'commands') return;
    for (const command of operation.commands) {
      const result = await session.target.exec(command.argv);
      if (result.exitCode !== 0) throw new Error(result.stderr);
    }
  },
};

vi.mock('../../../../src/manifest/resources/registry.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../../src/manifest/resources/registry.js')>();
  return { RESOURCE_PROVIDERS: [...original.RESOURCE_PROVIDERS, settingProvider] };
});

const { catalogFromText, errorOf } = await import('../manifest-text.js');
const { observe } = await import('../../../../src/manifest/observe.js');
const { plan } = await import('../../../../src/manifest/plan.js');
const { applyPlan } = await import('../../../../src/manifest/apply.js');

/** This machine's sh as a target: every command runs for real, and is counted. */
class LocalShell implements Target {
  readonly commands: string[][] = [];
  async exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    this.commands.push([...argv]);
    const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', input: options?.stdin ?? '', env: { ...process.env, ...options?.env } });
    return { exitCode: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
  }
  async copy(): Promise<void> {
    throw new Error('not used');
  }
  describe() {
    return { kind: 'local' as const, name: 'this machine', container: false };
  }
  async close(): Promise<void> {}
}

describe('a new resource type is one provider and its registration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'devenv-setting-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = `setting:\n  net.forwarding: { value: "1", dir: ${JSON.stringify(dir)} }\n  kernel.name: { value: devenv, dir: ${JSON.stringify(dir)} }\n`;

  it('loads with its own schema and name check, at file:line:column', () => {
    expect(errorOf(() => catalogFromText('setting:\n  Bad: { value: "1", dir: /tmp }\n'))).toMatch(/m1\.yaml:2:3.*"Bad" is not a setting name/s);
    expect(errorOf(() => catalogFromText('setting:\n  ok: { value: 1, dir: /tmp }\n'))).toMatch(/m1\.yaml:2:.*value/s);
    expect(errorOf(() => catalogFromText('file:\n  /x: { content: a, require: setting:nope }\n'))).toContain('setting:nope is not declared');
  });

  it('orders itself with its implied edges', () => {
    const catalog = catalogFromText(`setting:\n  a: { value: "1", dir: /srv/settings }\nfile:\n  /srv/settings: { ensure: directory }\n`);
    expect(catalog.ordered.map((r) => r.ref)).toEqual(['file:/srv/settings', 'setting:a']);
  });

  it('is observed in the one batched round trip, planned, applied, and then in sync', async () => {
    const catalog = catalogFromText(manifest);
    const target = new LocalShell();
    const before = await observe(target, catalog);
    expect(target.commands).toHaveLength(1);
    expect(before.byType['setting']).toEqual({ 'net.forwarding': '', 'kernel.name': '' });
    const first = plan({ catalog, contents: {} }, before);
    expect(first.changes.map((c) => [c.ref, c.changes])).toEqual([
      ['setting:net.forwarding', ['value: (unset) → 1']],
      ['setting:kernel.name', ['value: (unset) → devenv']],
    ]);
    const outcomes = await applyPlan(target, catalog, first);
    expect(outcomes.map((o) => [o.ref, o.status])).toEqual([
      ['setting:net.forwarding', 'changed'],
      ['setting:kernel.name', 'changed'],
    ]);
    expect(readFileSync(join(dir, 'kernel.name'), 'utf8')).toBe('devenv');
    const again = plan({ catalog, contents: {} }, await observe(target, catalog));
    expect(again.changes.every((c) => c.operation === undefined)).toBe(true);
  });
});
