import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEnvironment } from '../../../src/profile/environments.js';
import { loadProfile } from '../../../src/environment/load.js';

const PROFILE = `name: shop
box: debian-12
ports: ["8080:80"]
vars: { env: dev, workers: 2 }
production: { ssh: ops@web1.example.com, sudo: true }
parity: { ignore: ["kernel.*"] }
environments:
  staging:
    vars: { env: staging }
    production: { ssh: ops@web-staging.example.com }
  audit:
    production: { facts: saved.facts.json }
checklist: { app_user: shop }
`;

describe('environments: overlays chosen with -e NAME', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devenv-environments-'));
    await writeFile(join(dir, 'devenv.yaml'), PROFILE);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('an overlay changes the var and the production host it names, and nothing else', async () => {
    const base = await loadProfile(join(dir, 'devenv.yaml'));
    const staging = await loadProfile(join(dir, 'devenv.yaml'), { environment: 'staging' });
    expect(staging.environment).toBe('staging');
    expect(staging.data.vars).toEqual({ env: 'staging', workers: 2 });
    expect(staging.data.production).toEqual({ ssh: 'ops@web-staging.example.com', sudo: false });
    const { vars: _v1, production: _p1, ...restBase } = base.data;
    const { vars: _v2, production: _p2, ...restStaging } = staging.data;
    expect(restStaging).toEqual(restBase);
    // What shapes the environment itself is untouched: -e never recreates it.
    expect(staging.environmentHash).toBe(base.environmentHash);
    expect(base.data.vars).toEqual({ env: 'dev', workers: 2 });
    expect(base.environment).toBeUndefined();
  });

  it('applyEnvironment is pure: the base data is not changed', async () => {
    const base = await loadProfile(join(dir, 'devenv.yaml'));
    const before = structuredClone(base.data);
    applyEnvironment(base.data, 'staging');
    expect(base.data).toEqual(before);
  });

  it('an unknown environment, and an overlay facts file that is missing, are exit 2 with file:line:column', async () => {
    await expect(loadProfile(join(dir, 'devenv.yaml'), { environment: 'prod' })).rejects.toThrow(
      /devenv\.yaml:7:1: environments: -e prod: the profile has no environment "prod" \(it has staging, audit\)/,
    );
    await expect(loadProfile(join(dir, 'devenv.yaml'), { environment: 'audit' })).rejects.toThrow(
      /devenv\.yaml:12:26: environments\.audit\.production\.facts: .*saved\.facts\.json does not exist/,
    );
    await writeFile(join(dir, 'bad.yaml'), PROFILE.replace('vars: { env: staging }', 'vars: { env: staging }\n    ports: ["9090:80"]'));
    await expect(loadProfile(join(dir, 'bad.yaml'), { environment: 'staging' })).rejects.toThrow(/bad\.yaml:10:5: .*unknown key "ports"/);
  });
});
