import { describe, expect, it } from 'vitest';
import type { Backend, EnvironmentStatus, UpOptions as BackendUpOptions, UpResult } from '../../../src/backends/backend.js';
import type { ProvisionedImageCache } from '../../../src/backends/image-cache.js';
import type { CheckReport } from '../../../src/checks/types.js';
import { InterruptedError } from '../../../src/core/errors.js';
import { silentProgress } from '../../../src/core/progress.js';
import { afterProvisioning, bringUp, inDependencyOrder, nextUpStep, type ProvisioningSteps, type UpState } from '../../../src/environment/lifecycle.js';
import type { ProvisionStage } from '../../../src/provisioners/stages.js';
import type { LoadedProfile } from '../../../src/environment/load.js';
import type { Target } from '../../../src/targets/target.js';

/**
 * The lifecycle over a fake backend (Test Kitchen's dummy driver): which steps
 * run, in which order, for a new, a cached, a running and a stale environment.
 */

const STATUS: EnvironmentStatus = { name: 'shop', backend: 'docker', state: 'running', ports: [], sync: [] };
const REPORT = { summary: { pass: 1, fail: 0, skip: 0 } } as unknown as CheckReport;

interface World {
  calls: string[];
  marker?: string;
  lock?: boolean;
  action: UpResult['action'];
  cached?: number;
  abortAfter?: string;
}

function fixture(world: World, stageCount = 2) {
  const abort = new AbortController();
  const call = (what: string): void => {
    world.calls.push(what);
    if (world.abortAfter === what) abort.abort();
  };
  const profile = { data: { name: 'shop' }, ...(world.lock ? { lock: {} } : {}) } as unknown as LoadedProfile;
  const stages: ProvisionStage[] = Array.from({ length: stageCount }, (_, index) => ({
    profile: { ...profile, stage: index + 1 } as unknown as LoadedProfile,
    key: `key-${index + 1}`,
  }));
  const target: Target = { close: async () => call('close') } as unknown as Target;
  const cache: ProvisionedImageCache = {
    find: async (keys) => (world.cached ? { image: `saved:${keys[world.cached - 1]}`, stage: world.cached } : undefined),
    save: async (stage, key) => (call(`save ${stage} ${key}`), `saved:${key}`),
  };
  const backend: Backend = {
    status: async () => STATUS,
    up: async (options: BackendUpOptions = {}) => (call(`up${options.image ? ` from ${options.image}` : ''}`), { action: world.action, status: STATUS }),
    halt: async () => STATUS,
    destroy: async () => undefined,
    target: async () => (call('target'), target),
    imageCache: async () => cache,
    attach: async () => 0,
  };
  const hashOf = (p: LoadedProfile): string => `inputs-${(p as unknown as { stage?: number }).stage ?? 'all'}`;
  const steps: ProvisioningSteps = {
    stages: () => stages,
    inputsHash: hashOf,
    readMarker: async () => world.marker,
    writeMarker: async (_target, hash) => call(`mark ${hash}`),
    applyStage: async (stage) => call(`apply ${stage.key}`),
    applyAll: async () => call('apply all'),
    verify: async () => (call('verify'), { clean: true, marker: 'inputs-2' }),
    recordLock: async () => call('lock'),
    checklist: async () => (call('checklist'), REPORT),
  };
  return { profile, backend, steps, ctx: { progress: silentProgress(), signal: abort.signal } };
}

describe('the provisioning state machine (pure)', () => {
  // state → the transition `up` takes from it, for a profile of two stages.
  const table: [UpState, ReturnType<typeof nextUpStep>][] = [
    [{ at: 'existing' }, { do: 'read-marker' }],
    [{ at: 'stale' }, { do: 'apply-all' }],
    [
      { at: 'building', done: 0 },
      { do: 'apply-stage', index: 0 },
    ],
    [
      { at: 'building', done: 1 },
      { do: 'apply-stage', index: 1 },
    ],
    [{ at: 'building', done: 2 }, undefined],
    [{ at: 'saved' }, { do: 'verify' }],
    [{ at: 'mismatched' }, { do: 'apply-all' }],
    [{ at: 'provisioned', how: 'unchanged' }, undefined],
    [{ at: 'provisioned', how: 'applied' }, undefined],
  ];
  it.each(table)('%j → %j', (state, step) => {
    expect(nextUpStep(state, 2)).toEqual(step);
  });

  it('locks what was applied, or a verified image without a lock; checks only a new or just-provisioned environment', () => {
    expect(afterProvisioning('applied', { fresh: false, locked: true })).toEqual({ lock: true, checklist: true });
    expect(afterProvisioning('verified', { fresh: true, locked: true })).toEqual({ lock: false, checklist: true });
    expect(afterProvisioning('verified', { fresh: true, locked: false })).toEqual({ lock: true, checklist: true });
    expect(afterProvisioning('unchanged', { fresh: false, locked: false })).toEqual({ lock: false, checklist: false });
    expect(afterProvisioning('skipped', { fresh: true, locked: false })).toEqual({ lock: false, checklist: false });
  });
});

describe('the environment lifecycle over a fake backend', () => {
  it('a new environment: boot from the box, each stage applied, marked and saved, then locked and checked', async () => {
    const world: World = { calls: [], action: 'created' };
    const { profile, backend, steps, ctx } = fixture(world);
    const outcome = await bringUp(profile, backend, { rebuild: false, provision: true }, steps, ctx);
    expect(world.calls).toEqual([
      'up',
      'target',
      'apply key-1',
      'mark inputs-1',
      'save 1 key-1',
      'apply key-2',
      'mark inputs-2',
      'save 2 key-2',
      'lock',
      'checklist',
      'close',
    ]);
    expect(outcome).toMatchObject({ provisioned: 'applied', checklist: REPORT });
    expect(outcome.cache).toBeUndefined();
  });

  it('every stage saved: boot from the image and only verify (the checklist beside it); a locked profile is not locked again', async () => {
    const world: World = { calls: [], action: 'created', cached: 2, lock: true };
    const { profile, backend, steps, ctx } = fixture(world);
    const outcome = await bringUp(profile, backend, { rebuild: false, provision: true }, steps, ctx);
    expect(world.calls).toEqual(['up from saved:key-2', 'target', 'checklist', 'verify', 'mark inputs-all', 'close']);
    expect(outcome).toMatchObject({ provisioned: 'verified', cache: { from_stage: 2, of: 2, image: 'saved:key-2' } });
  });

  it('a saved first stage: only the second is applied and saved', async () => {
    const world: World = { calls: [], action: 'created', cached: 1 };
    const { profile, backend, steps, ctx } = fixture(world);
    await bringUp(profile, backend, { rebuild: false, provision: true }, steps, ctx);
    expect(world.calls).toEqual(['up from saved:key-1', 'target', 'apply key-2', 'mark inputs-2', 'save 2 key-2', 'lock', 'checklist', 'close']);
  });

  it('--rebuild does not consult the cache', async () => {
    const world: World = { calls: [], action: 'recreated', cached: 2 };
    const { profile, backend, steps, ctx } = fixture(world);
    await bringUp(profile, backend, { rebuild: true, provision: true }, steps, ctx);
    expect(world.calls[0]).toBe('up');
  });

  it('a running environment whose marker matches its inputs: nothing applied, no checklist', async () => {
    const world: World = { calls: [], action: 'running', marker: 'inputs-all', lock: true };
    const { profile, backend, steps, ctx } = fixture(world);
    const outcome = await bringUp(profile, backend, { rebuild: false, provision: true }, steps, ctx);
    expect(world.calls).toEqual(['up', 'target', 'close']);
    expect(outcome.provisioned).toBe('unchanged');
    expect(outcome.checklist).toBeUndefined();
  });

  it('a started environment with changed inputs: everything applied and marked, never saved (it may hold hand changes)', async () => {
    const world: World = { calls: [], action: 'started', marker: 'older', lock: true };
    const { profile, backend, steps, ctx } = fixture(world);
    const outcome = await bringUp(profile, backend, { rebuild: false, provision: true }, steps, ctx);
    expect(world.calls).toEqual(['up', 'target', 'apply all', 'mark inputs-all', 'lock', 'checklist', 'close']);
    expect(outcome.provisioned).toBe('applied');
  });

  it('--no-provision boots only: no target opened', async () => {
    const world: World = { calls: [], action: 'created' };
    const { profile, backend, steps, ctx } = fixture(world);
    expect((await bringUp(profile, backend, { rebuild: false, provision: false }, steps, ctx)).provisioned).toBe('skipped');
    expect(world.calls).toEqual(['up']);
  });

  it('Ctrl-C during a stage: nothing marked or saved after it, the target closed, InterruptedError', async () => {
    const world: World = { calls: [], action: 'created', abortAfter: 'apply key-1' };
    const { profile, backend, steps, ctx } = fixture(world);
    await expect(bringUp(profile, backend, { rebuild: false, provision: true }, steps, ctx)).rejects.toBeInstanceOf(InterruptedError);
    expect(world.calls).toEqual(['up', 'target', 'apply key-1', 'close']);
  });
});

describe('machines in dependency order', () => {
  const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

  it('a machine starts once what it depends on is done; independent machines run side by side', async () => {
    const log: string[] = [];
    const machines = [
      { name: 'cache', dependsOn: [] },
      { name: 'db', dependsOn: [] },
      { name: 'web', dependsOn: ['db', 'cache'] },
    ];
    const results = await inDependencyOrder(machines, async (m) => {
      log.push(`start ${m.name}`);
      await tick();
      log.push(`end ${m.name}`);
      return m.name.toUpperCase();
    });
    expect(results).toEqual(['CACHE', 'DB', 'WEB']);
    expect(log.slice(0, 2).sort()).toEqual(['start cache', 'start db']);
    expect(log.indexOf('start web')).toBeGreaterThan(Math.max(log.indexOf('end db'), log.indexOf('end cache')));
  });

  it('a failure stops what depends on it, not the others, and is thrown once all settled', async () => {
    const done: string[] = [];
    const machines = [
      { name: 'db', dependsOn: [] },
      { name: 'queue', dependsOn: [] },
      { name: 'web', dependsOn: ['db'] },
    ];
    await expect(
      inDependencyOrder(machines, async (m) => {
        await tick();
        if (m.name === 'db') throw new Error('db failed');
        done.push(m.name);
      }),
    ).rejects.toThrow('db failed');
    expect(done).toEqual(['queue']);
  });
});
