import { describe, expect, it } from 'vitest';
import { inferChecklist } from '../../../src/checks/infer.js';
import type { Facts } from '../../../src/facts/schema.js';
import { ProfileSchema } from '../../../src/profile/schema.js';

const defaults = ProfileSchema.shape.checklist.parse(undefined);

function facts(): Facts {
  return {
    schema: 'devenv.facts/v1',
    collected_at: '2026-12-01T00:00:00Z',
    source: 'devenv',
    target: { kind: 'ssh', name: 'ops@prod', container: false },
    errors: {},
    missing: [],
    services: {
      // chrony's unit is the package's (in /lib): its user is no app user.
      'chrony.service': { enabled: 'enabled', active: 'active', user: '_chrony', restart: 'on-failure' },
      'shop.service': { enabled: 'enabled', active: 'active', user: 'shop', restart: 'always' },
      'backup.service': { enabled: 'enabled', active: 'active', user: 'root', restart: 'no' },
    },
    unowned_files: {
      '/etc/systemd/system/shop.service': { type: 'file', mode: '644', owner: 'root', group: 'root' },
      '/etc/systemd/system/backup.service': { type: 'file', mode: '644', owner: 'root', group: 'root' },
      '/etc/shop/secrets.env': { type: 'file', mode: '640', owner: 'root', group: 'shop', secret: true },
      '/etc/shop/app.conf': { type: 'file', mode: '644', owner: 'root', group: 'root' },
      '/etc/ssh/ssh_host_ed25519_key': { type: 'file', mode: '600', owner: 'root', group: 'root', secret: true },
    },
  };
}

describe('inferChecklist (check with no profile)', () => {
  it('the app is the hand-installed service that runs as its own user; its secrets are the unowned secret files', () => {
    const { checklist, said } = inferChecklist(facts(), defaults);
    expect(checklist.app_user).toBe('shop');
    expect(checklist.app_services).toEqual(['backup.service', 'shop.service']);
    expect(checklist.secrets).toEqual(['/etc/shop/secrets.env']);
    expect(said).toBe(
      "inferred from ops@prod: app user shop; app services backup.service, shop.service; secrets /etc/shop/secrets.env (a profile's checklist overrides this)",
    );
  });

  it('a host with only package services infers no app user, and says so', () => {
    const f = facts();
    f.unowned_files = {};
    const { checklist, said } = inferChecklist(f, defaults);
    expect(checklist.app_user).toBeUndefined();
    expect(checklist.secrets).toEqual([]);
    expect(said).toMatch(/no app user/);
  });
});
