import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { systemdSpecFor } from '../../../src/backends/docker/engine.js';
import { UsageError } from '../../../src/core/errors.js';
import {
  apiAtLeast,
  engineFacts,
  systemdContainerSpec,
  withSystemdHostConfig,
  type EngineFacts,
  type EngineInfoDocument,
  type EngineVersionDocument,
  type SystemdMode,
} from '../../../src/backends/docker/systemd-container-spec.js';

const DIR = join(import.meta.dirname, 'engines');

/** A recorded (or documented) engine: its `info` and `version` documents. */
function engine(file: string): EngineFacts {
  const doc = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { info: EngineInfoDocument; version: EngineVersionDocument };
  return engineFacts(doc.info, doc.version);
}

/** One row per engine kind: the mode chosen and what must (not) be in its settings. */
const rows: { file: string; mode: SystemdMode | 'unsupported'; args?: string[]; absentArgs?: string[] }[] = [
  { file: 'docker-20.10-cgroup1.json', mode: 'cgroup-v1', args: ['-v', '/sys/fs/cgroup:/sys/fs/cgroup:ro'] },
  { file: 'docker-20.10-cgroup2.json', mode: 'cgroup-v2-host', args: ['--cgroupns=host', '/sys/fs/cgroup:/sys/fs/cgroup:rw'] },
  {
    file: 'docker-26-cgroup1.json',
    mode: 'cgroup-v1',
    args: ['type=bind,source=/sys/fs/cgroup,target=/sys/fs/cgroup,readonly,bind-recursive=writable'],
    absentArgs: ['/sys/fs/cgroup:/sys/fs/cgroup:ro'],
  },
  { file: 'docker-28-cgroup2.json', mode: 'cgroup-v2-writable', args: ['--cgroupns=private', 'writable-cgroups=true'], absentArgs: ['--privileged'] },
  { file: 'docker-desktop-4.30.json', mode: 'cgroup-v2-host', args: ['--cgroupns=host'] },
  { file: 'docker-rootless-27-cgroup2.json', mode: 'rootless', args: ['--privileged', '--cgroupns=private'], absentArgs: ['writable-cgroups=true'] },
  { file: 'docker-rootless-20.10-cgroup1.json', mode: 'unsupported' },
  { file: 'podman-4.3-rootful.json', mode: 'podman', args: ['--systemd=always'], absentArgs: ['/sys/fs/cgroup:/sys/fs/cgroup:ro', '--tmpfs'] },
  { file: 'podman-4.3-rootless-cgroup2.json', mode: 'podman', args: ['--systemd=always'], absentArgs: ['--privileged', '/sys/fs/cgroup:/sys/fs/cgroup'] },
];

describe('systemdContainerSpec over recorded engines', () => {
  it('has a fixture for every row, and a row for every fixture', () => {
    expect(
      readdirSync(DIR)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(rows.map((r) => r.file).sort());
  });

  for (const row of rows) {
    it(`${row.file} → ${row.mode}`, () => {
      const decision = systemdContainerSpec(engine(row.file));
      if (row.mode === 'unsupported') {
        expect(decision.supported).toBe(false);
        if (!decision.supported) {
          expect(decision.fix).toMatch(/cgroup v2|rootful/);
          expect(decision.fix.split('\n')).toHaveLength(1);
        }
        return;
      }
      expect(decision.supported).toBe(true);
      if (!decision.supported) return;
      expect(decision.mode).toBe(row.mode);
      expect(decision.runArgs.slice(-2)).toEqual(['--stop-signal', 'SIGRTMIN+3']);
      for (const arg of row.args ?? []) expect(decision.runArgs).toContain(arg);
      for (const arg of row.absentArgs ?? []) expect(decision.runArgs.join(' ')).not.toContain(arg);
      expect(decision.why).toMatch(/^(Docker|Docker Desktop|Podman) \S+/);
    });
  }
});

describe('engineFacts', () => {
  it('reads product, rootless and cgroups from the documents', () => {
    expect(engine('docker-20.10-cgroup1.json')).toMatchObject({ product: 'docker', cgroupVersion: 1, rootless: false, apiVersion: '1.41' });
    expect(engine('docker-rootless-27-cgroup2.json')).toMatchObject({ product: 'docker', cgroupVersion: 2, rootless: true });
    expect(engine('podman-4.3-rootful.json')).toMatchObject({ product: 'podman', rootless: false });
    expect(engine('podman-4.3-rootless-cgroup2.json')).toMatchObject({ product: 'podman', rootless: true, cgroupVersion: 2 });
    expect(engine('docker-desktop-4.30.json')).toMatchObject({ operatingSystem: 'Docker Desktop', arch: 'arm64' });
  });

  it('takes an engine that does not name its cgroup version (before Docker 20.10) for v1', () => {
    expect(engineFacts({ ServerVersion: '19.03.15' }, { Version: '19.03.15', ApiVersion: '1.40' }).cgroupVersion).toBe(1);
  });
});

describe('the decisions no recorded engine reaches', () => {
  const base: EngineFacts = {
    product: 'docker',
    version: '19.03.15',
    apiVersion: '1.40',
    cgroupVersion: 2,
    cgroupDriver: 'cgroupfs',
    rootless: false,
    operatingSystem: 'Fedora 31',
    arch: 'amd64',
  };
  it('an engine on cgroup v2 that cannot set a cgroup namespace mode is unsupported, with the upgrade as the fix', () => {
    const decision = systemdContainerSpec(base);
    expect(decision.supported).toBe(false);
    if (!decision.supported) expect(decision.fix).toMatch(/Docker 20\.10 or newer/);
  });
  it('rootless Podman (v1 or v2) boots in its own systemd mode, and says it needs a delegated cgroup subtree', () => {
    const decision = systemdContainerSpec({ ...base, product: 'podman', version: '4.3.1', apiVersion: '1.41', cgroupVersion: 1, rootless: true });
    expect(decision.supported && decision.mode).toBe('podman');
    expect(decision.supported && decision.why).toMatch(/delegated to the user/);
  });
  it('compares API versions as numbers', () => {
    expect(apiAtLeast('1.9', '1.41')).toBe(false);
    expect(apiAtLeast('1.41', '1.41')).toBe(true);
    expect(apiAtLeast('1.50', '1.48')).toBe(true);
    expect(apiAtLeast('2.0', '1.48')).toBe(true);
  });
});

describe('withSystemdHostConfig', () => {
  it('puts the mode’s binds first and keeps the caller’s settings', () => {
    const decision = systemdContainerSpec(engine('docker-20.10-cgroup2.json'));
    if (!decision.supported) throw new Error('expected a supported engine');
    const merged = withSystemdHostConfig(decision, { Binds: ['vol:/x'], PortBindings: { '80/tcp': [] } });
    expect(merged.Binds).toEqual(['/sys/fs/cgroup:/sys/fs/cgroup:rw', 'vol:/x']);
    expect(merged.CgroupnsMode).toBe('host');
    expect(merged.PortBindings).toEqual({ '80/tcp': [] });
    expect(merged.Tmpfs).toEqual({ '/run': 'rw,exec', '/run/lock': 'rw' });
  });
});

describe('DEVENV_SYSTEMD_MODE (systemdSpecFor)', () => {
  // Only info() and version() are asked for: recorded documents stand in for the engine.
  const doc = JSON.parse(readFileSync(join(DIR, 'docker-20.10-cgroup2.json'), 'utf8')) as { info: object; version: object };
  const engine = { info: async () => doc.info, version: async () => doc.version } as unknown as Dockerode;

  it('a mode that does not exist is a usage error (exit 2) naming the known modes', async () => {
    const error = await systemdSpecFor(engine, 'cgroup-v3').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      'DEVENV_SYSTEMD_MODE=cgroup-v3 is not a mode; known: cgroup-v1, cgroup-v2-host, cgroup-v2-writable, rootless, podman',
    );
  });

  it('a known mode is used whatever the engine says, and says it was forced', async () => {
    const spec = await systemdSpecFor(engine, 'cgroup-v1');
    expect(spec.mode).toBe('cgroup-v1');
    expect(spec.why).toMatch(/^forced by DEVENV_SYSTEMD_MODE=cgroup-v1 \(the engine is docker 20\.10\.24\+dfsg1 on cgroup v2\)$/);
  });
});
