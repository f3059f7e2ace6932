import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../src/core/hash.js';
import { emptyObservedState, type ObservedState } from '../../../src/manifest/observed-state.js';
import { plan, type DesiredState } from '../../../src/manifest/plan.js';
import { renderDesiredContents } from '../../../src/manifest/desired-content.js';
import { catalogFromText } from './manifest-text.js';

function desiredFrom(text: string): DesiredState {
  const catalog = catalogFromText(text);
  return { catalog, contents: renderDesiredContents(catalog, { facts: {}, vars: {} }) };
}

function observed(partial: Partial<ObservedState>): ObservedState {
  return { ...emptyObservedState(), ...partial };
}

const file = (content: string, extra: object = {}) => ({
  kind: 'file' as const,
  content,
  sha256: sha256(content),
  mode: '0644',
  owner: 'root',
  group: 'root',
  uid: 0,
  gid: 0,
  ...extra,
});

describe('plan (pure)', () => {
  it('reports nothing to do when the target matches', () => {
    const desired = desiredFrom(
      'apt:\n  nginx: { ensure: "1.22.1-9+deb12u9" }\nfile:\n  /etc/motd.json: { content: "{}" }\nservice:\n  nginx: { ensure: running, enable: true }\n',
    );
    const result = plan(
      desired,
      observed({
        packages: { nginx: { version: '1.22.1-9+deb12u9', status: 'ii' } },
        files: { '/etc/motd.json': file('{}') },
        services: { 'nginx.service': { loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' } },
      }),
    );
    expect(result.problems).toEqual([]);
    expect(result.changes.map((c) => [c.ref, c.changes, c.operation])).toEqual([
      ['apt:nginx', [], undefined],
      ['file:/etc/motd.json', [], undefined],
      ['service:nginx', [], undefined],
    ]);
  });

  it('installs the pinned version when another one is installed', () => {
    const result = plan(
      desiredFrom('apt:\n  nginx: { ensure: "1.22.1-9+deb12u9" }\n'),
      observed({
        packages: { nginx: { version: '1.22.1-9+deb12u11', status: 'ii' } },
        availability: { nginx: { candidate: '1.22.1-9+deb12u11', versions: ['1.22.1-9+deb12u11', '1.22.1-9+deb12u9'] } },
      }),
    );
    expect(result.changes[0]).toMatchObject({
      changes: ['version: 1.22.1-9+deb12u11 → 1.22.1-9+deb12u9'],
      operation: { kind: 'apt', name: 'nginx', install: 'nginx=1.22.1-9+deb12u9' },
    });
  });

  it('turns a pin the mirror lacks into a problem naming the available versions', () => {
    const result = plan(
      desiredFrom('apt:\n  nginx: { ensure: "9.9.9-1" }\n'),
      observed({ availability: { nginx: { candidate: '1.22.1-9+deb12u9', versions: ['1.22.1-9+deb12u9'] } } }),
    );
    expect(result.problems).toEqual([
      { ref: 'apt:nginx', message: 'package nginx version 9.9.9-1 is not available from the configured repositories (available: 1.22.1-9+deb12u9)' },
    ]);
  });

  it('removes and purges packages only when there is something to remove', () => {
    const desired = desiredFrom('apt:\n  telnetd: { ensure: absent }\n  nis: { ensure: purged }\n  rsh-server: { ensure: purged }\n');
    const result = plan(
      desired,
      observed({ packages: { telnetd: { version: '1', status: 'ii' }, nis: { version: '2', status: 'rc' }, 'rsh-server': { version: '', status: 'un' } } }),
    );
    expect(result.changes.map((c) => c.operation)).toEqual([
      { kind: 'apt', name: 'telnetd', remove: 'remove' },
      { kind: 'apt', name: 'nis', remove: 'purge' },
      undefined,
    ]);
  });

  it('shows a unified diff with the managed header for a changed file', () => {
    const desired = desiredFrom('file:\n  /etc/app/app.conf: { content: "port = 81\\nworkers = 2\\n" }\n');
    const result = plan(desired, observed({ files: { '/etc/app/app.conf': file('# managed by devenv — do not edit by hand\nport = 80\nworkers = 2\n') } }));
    const change = result.changes[0]!;
    expect(change.changes).toEqual(['content changed']);
    expect(change.diff).toBe(
      [
        '--- /etc/app/app.conf',
        '+++ /etc/app/app.conf',
        '@@ -1,3 +1,3 @@',
        ' # managed by devenv — do not edit by hand',
        '-port = 80',
        '+port = 81',
        ' workers = 2',
        '',
      ].join('\n'),
    );
    expect(change.operation).toMatchObject({
      kind: 'file',
      write: { content: '# managed by devenv — do not edit by hand\nport = 81\nworkers = 2\n', mode: '0644', owner: 'root', group: 'root' },
    });
  });

  it('never shows the content of a secret file, and masks secret-looking lines elsewhere', () => {
    const desired = desiredFrom(
      'file:\n  /etc/app/secrets.env: { content: "KEY=new-value\\n", secret: true }\n  /etc/app/app.ini: { content: "db_password = hunter3\\n" }\n',
    );
    const result = plan(desired, observed({ files: { '/etc/app/secrets.env': file('KEY=old-value\n'), '/etc/app/app.ini': file('db_password = hunter2\n') } }));
    const [secret, ini] = result.changes;
    expect(secret!.diff).not.toContain('value');
    expect(secret!.diff).toMatch(/secret content hidden: sha256 [0-9a-f]{12}… → sha256 [0-9a-f]{12}…/);
    expect(ini!.diff).toContain('-db_password = ********');
    expect(ini!.diff).toContain('+db_password = ********');
    expect(ini!.diff).not.toContain('hunter');
  });

  it('removes an absent file, and only mode/owner when the content matches', () => {
    const desired = desiredFrom(
      'file:\n  /etc/nginx/sites-enabled/default: { ensure: absent }\n  /srv/app.json: { content: "{}", owner: app, mode: "0600" }\n',
    );
    const result = plan(
      desired,
      observed({
        files: { '/etc/nginx/sites-enabled/default': { kind: 'link', linkTarget: '/etc/nginx/sites-available/default' }, '/srv/app.json': file('{}') },
      }),
    );
    expect(result.changes.map((c) => [c.changes, c.operation])).toEqual([
      [['ensure: link → absent'], { kind: 'file', path: '/etc/nginx/sites-enabled/default', remove: 'file' }],
      [['mode: 0644 → 0600', 'owner: root → app'], { kind: 'file', path: '/srv/app.json', chmod: '0600', chown: 'app' }],
    ]);
  });

  it('refreshes a subscribed service when its file changes, and carries refreshes owed by a failed run', () => {
    const text =
      'file:\n  /etc/nginx/nginx.conf: { content: "x", notify: [service:nginx] }\nservice:\n  nginx: { ensure: running, on_refresh: reload }\n  cron: { ensure: running }\n';
    const running = { loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' };
    const base = { services: { 'nginx.service': running, 'cron.service': running } };
    const changed = plan(desiredFrom(text), observed({ ...base, files: { '/etc/nginx/nginx.conf': file('old') } }));
    expect(changed.changes[1]!.refresh).toEqual({ action: 'reload', because: ['file:/etc/nginx/nginx.conf'] });
    const header = '# managed by devenv — do not edit by hand\n';
    const same = plan(desiredFrom(text), observed({ ...base, files: { '/etc/nginx/nginx.conf': file(`${header}x`) } }));
    expect(same.changes[1]!.refresh).toBeUndefined();
    const owed = plan(desiredFrom(text), observed({ ...base, files: { '/etc/nginx/nginx.conf': file(`${header}x`) }, pendingRefreshes: ['service:cron'] }));
    expect(owed.changes[2]!.refresh).toEqual({ action: 'restart', because: ['pending'] });
  });

  it('changes a user shell with usermod, as argv', () => {
    const result = plan(
      desiredFrom('user:\n  mysite: { system: true, shell: /usr/sbin/nologin, home: /srv/mysite }\n'),
      observed({ users: { mysite: { uid: 999, gid: 999, comment: '', home: '/srv/mysite', shell: '/bin/bash' } } }),
    );
    expect(result.changes[0]).toMatchObject({
      changes: ['shell: /bin/bash → /usr/sbin/nologin'],
      operation: { kind: 'commands', commands: [{ argv: ['usermod', '--shell', '/usr/sbin/nologin', 'mysite'] }] },
    });
  });

  it('a uid the box or backend already gave another account is a plan problem naming both, before anything changes', () => {
    const vagrant = { uid: 1000, gid: 1000, comment: '', home: '/home/vagrant', shell: '/bin/bash' };
    const result = plan(desiredFrom('user:\n  ops: { uid: 1000, shell: /bin/bash }\n'), observed({ users: { vagrant } }));
    expect(result.problems).toEqual([
      {
        ref: 'user:ops',
        message:
          'uid 1000 is already taken in the environment by the user "vagrant" (the Vagrant box\'s own user), which the box or backend made: give this user another uid, or remove "vagrant" first',
      },
    ]);
    expect(result.changes[0]?.operation).toBeUndefined();
    // The same uid on the account itself is no conflict.
    expect(plan(desiredFrom('user:\n  ops: { uid: 1000 }\n'), observed({ users: { ops: { ...vagrant, home: '/home/ops' } } })).problems).toEqual([]);
  });

  it('a gid another group already has is a plan problem too', () => {
    const result = plan(desiredFrom('group:\n  ops: { gid: 100 }\n'), observed({ groups: { users: { gid: 100, members: [] } } }));
    expect(result.problems[0]?.message).toMatch(/^gid 100 is already taken in the environment by the group "users"/);
  });

  it('creates a missing system user in its declared group', () => {
    const result = plan(desiredFrom('user:\n  mysite: { system: true, group: mysite, shell: /usr/sbin/nologin }\n'), observed({}));
    expect(result.changes[0]!.operation).toEqual({
      kind: 'commands',
      commands: [{ argv: ['useradd', '--system', '--gid', 'mysite', '--no-create-home', '--shell', '/usr/sbin/nologin', 'mysite'] }],
    });
  });

  it('pins pip packages per venv and skips what is installed', () => {
    const desired = desiredFrom(
      'venv:\n  /srv/venv: { owner: app }\npip:\n  Django: { ensure: "4.2.16", venv: /srv/venv }\n  gunicorn: { ensure: "22.0.0", venv: /srv/venv }\n',
    );
    const result = plan(desired, observed({ venvs: { '/srv/venv': { exists: true, packages: { django: '4.2.15', gunicorn: '22.0.0' } } } }));
    expect(result.changes.map((c) => c.operation)).toEqual([undefined, { kind: 'pip', venv: '/srv/venv', runAs: 'app', install: 'Django==4.2.16' }, undefined]);
  });

  it('runs an exec unless its guard says it is done', () => {
    const desired = desiredFrom('exec:\n  seed: { command: [/usr/bin/seed], creates: /srv/seeded }\n  check: { command: [/bin/true], unless: [/bin/false] }\n');
    const fresh = plan(desired, observed({ files: { '/srv/seeded': { kind: 'absent' } }, guards: { 'exec:check': { unless: 1 } } }));
    expect(fresh.changes.map((c) => c.operation)).toEqual([{ kind: 'exec' }, { kind: 'exec' }]);
    const done = plan(desired, observed({ files: { '/srv/seeded': { kind: 'directory' } }, guards: { 'exec:check': { unless: 0 } } }));
    expect(done.changes.map((c) => c.operation)).toEqual([undefined, undefined]);
  });

  it('does not touch the observed state it is given', () => {
    const state = observed({ files: { '/etc/x.conf': file('a') } });
    const snapshot = JSON.stringify(state);
    plan(desiredFrom('file:\n  /etc/x.conf: { content: "b" }\n'), state);
    expect(JSON.stringify(state)).toBe(snapshot);
  });
});
