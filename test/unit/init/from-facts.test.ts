import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Facts } from '../../../src/facts/schema.js';
import { boxForFacts, environmentFilesOf, filesFromFacts, installsRecommends, scrubSecrets } from '../../../src/init/from-facts.js';
import { detectProject, parseProcfile, profileNameFor } from '../../../src/init/detect.js';

function productionFacts(): Facts {
  return {
    schema: 'devenv.facts/v1',
    collected_at: '2026-11-23T10:00:00Z',
    source: 'devenv',
    target: { kind: 'ssh', name: 'ops@prod', container: false },
    errors: {},
    missing: [],
    platform: {
      os: { id: 'debian', version_id: '12', codename: 'bookworm' },
      kernel: '6.1.0',
      arch: 'x86_64',
      hostname: 'prod',
      virtualization: { kind: 'vm', tech: 'kvm' },
      pid1: 'systemd',
    },
    packages: {
      deb: {
        nginx: { version: '1.22.1-9+deb12u2', arch: 'amd64', status: 'ii', manual: true },
        libc6: { version: '2.36-9+deb12u9', arch: 'amd64', status: 'ii', manual: false },
        'linux-image-amd64': { version: '6.1.0', arch: 'amd64', status: 'ii', manual: true },
        removed: { version: '1.0', arch: 'amd64', status: 'rc', manual: true },
      },
    },
    accounts: {
      users: {
        root: { uid: 0, gid: 0, home: '/root', shell: '/bin/bash', groups: [] },
        'www-data': { uid: 33, gid: 33, home: '/var/www', shell: '/usr/sbin/nologin', groups: [] },
        mysite: { uid: 998, gid: 998, home: '/srv/mysite', shell: '/usr/sbin/nologin', groups: [] },
        alice: { uid: 1000, gid: 1000, home: '/home/alice', shell: '/bin/bash', groups: ['sudo'] },
      },
      groups: { root: { gid: 0, members: [] }, mysite: { gid: 998, members: [] }, alice: { gid: 1000, members: [] } },
    },
    services: {
      'nginx.service': { enabled: 'enabled', active: 'active', user: 'root', restart: 'on-failure' },
      'mysite.service': { enabled: 'enabled', active: 'active', user: 'mysite', restart: 'always' },
      'cron.service': { enabled: 'enabled', active: 'active', user: 'root', restart: 'no' },
    },
    files: {
      '/etc/nginx/nginx.conf': { type: 'file', owner: 'root', group: 'root', mode: '644' },
      '/etc/systemd/system/mysite.service': { type: 'file', owner: 'root', group: 'root', mode: '644' },
      '/etc/mysite/secrets.env': { type: 'file', owner: 'root', group: 'mysite', mode: '640' },
      '/etc/shadow': { type: 'file', owner: 'root', group: 'shadow', mode: '640' },
    },
  };
}

describe('init --from: profile and manifests from production facts', () => {
  const contents = new Map([
    ['/etc/nginx/nginx.conf', 'worker_processes 4;\n'],
    ['/etc/systemd/system/mysite.service', '[Service]\nUser=mysite\nEnvironment=DB_PASSWORD=hunter2\n'],
    ['/etc/mysite/secrets.env', 'SECRET_KEY=real-production-secret\n'],
    ['/etc/shadow', 'root:$6$hash:::\n'],
  ]);
  const files = filesFromFacts(productionFacts(), { name: 'mysite', boxes: ['debian-11', 'debian-12'], production: { ssh: 'ops@prod' }, contents });
  const byPath = new Map(files.map((f) => [f.path, f.content]));

  it('picks the box of production’s release', () => {
    expect(parse(byPath.get('devenv.yaml')!)).toMatchObject({
      name: 'mysite',
      box: 'debian-12',
      production: { ssh: 'ops@prod' },
      checklist: { app_user: 'mysite' },
    });
    expect(
      boxForFacts({ ...productionFacts(), platform: { ...productionFacts().platform!, os: { id: 'debian', version_id: '10' } } }, ['debian-12']),
    ).toBeUndefined();
  });

  it('takes the app user from the services production’s admins wrote, never a package’s system user (chrony’s _chrony)', () => {
    const facts = productionFacts();
    facts.accounts!.users['_chrony'] = { uid: 101, gid: 104, home: '/var/lib/chrony', shell: '/usr/sbin/nologin', groups: [] };
    // Listed first, so a rule that takes any service's user would pick it.
    facts.services = { 'chrony.service': { enabled: 'enabled', active: 'active', user: '_chrony', restart: 'on-failure' }, ...facts.services };
    const written = filesFromFacts(facts, { name: 'mysite', boxes: ['debian-12'], production: { ssh: 'ops@prod' }, contents });
    const profile = parse(written.find((f) => f.path === 'devenv.yaml')!.content);
    expect(profile.checklist.app_user).toBe('mysite');
    const accounts = parse(written.find((f) => f.path === 'manifests/accounts.yaml')!.content);
    expect(Object.keys(accounts.user)).not.toContain('_chrony');
  });

  it('installs Recommends like production: said only when production does not (the default is yes)', () => {
    expect(parse(byPath.get('devenv.yaml')!).apt).toBeUndefined();
    const facts = productionFacts();
    facts.packages!.install_recommends = false;
    const without = filesFromFacts(facts, { name: 'mysite', boxes: ['debian-12'], production: { ssh: 'ops@prod' }, contents });
    expect(parse(without.find((f) => f.path === 'devenv.yaml')!.content).apt).toEqual({ install_recommends: false });
  });

  it('a host built with --no-install-recommends (apt says yes, most Recommends missing) is reproduced without them', () => {
    const facts = productionFacts();
    expect(installsRecommends(facts)).toBe(true);
    facts.packages!.recommends_met = { met: 1, of: 12 };
    expect(installsRecommends(facts)).toBe(false);
    facts.packages!.recommends_met = { met: 10, of: 12 };
    expect(installsRecommends(facts)).toBe(true);
    // Too few to judge: the setting stands.
    facts.packages!.recommends_met = { met: 0, of: 3 };
    expect(installsRecommends(facts)).toBe(true);
  });

  it('pins every manually installed package to production’s exact version, without kernels or removed ones', () => {
    const apt = parse(byPath.get('manifests/packages.yaml')!).apt;
    expect(apt).toEqual({ nginx: { ensure: '1.22.1-9+deb12u2' } });
  });

  it('declares production’s own users and groups with uid, gid and shell, not package or base accounts', () => {
    const accounts = parse(byPath.get('manifests/accounts.yaml')!);
    expect(Object.keys(accounts.user).sort()).toEqual(['alice', 'mysite']);
    expect(accounts.user.mysite).toMatchObject({ uid: 998, group: 'mysite', shell: '/usr/sbin/nologin', system: true });
    expect(accounts.group.mysite).toEqual({ gid: 998, system: true });
  });

  it('copies config files, never secret values, and never the account databases', () => {
    expect(byPath.get('files/etc/nginx/nginx.conf')).toBe('worker_processes 4;\n');
    expect(byPath.has('files/etc/shadow')).toBe(false);
    const all = files.map((f) => f.content).join('\n');
    expect(all).not.toContain('real-production-secret');
    expect(all).not.toContain('hunter2');
    const config = parse(byPath.get('manifests/config.yaml')!);
    expect(config.file['/etc/mysite/secrets.env']).toMatchObject({ secret: true, mode: '0640', group: 'mysite' });
    expect(config.file['/etc/systemd/system/mysite.service']).toMatchObject({ secret: true });
  });

  it('keeps enabled services it can reproduce, subscribed to their config', () => {
    const config = parse(byPath.get('manifests/config.yaml')!);
    expect(Object.keys(config.service).sort()).toEqual(['mysite', 'nginx']);
    expect(config.service.mysite).toMatchObject({
      ensure: 'running',
      enable: true,
      subscribe: ['file:/etc/mysite/secrets.env', 'file:/etc/systemd/system/mysite.service'],
    });
  });

  it('leaves sudoers policy alone: NOPASSWD: is a tag, not a secret', () => {
    expect(scrubSecrets('/etc/sudoers.d/ops', 'ops ALL=(ALL) NOPASSWD:ALL\n')).toEqual({ content: 'ops ALL=(ALL) NOPASSWD:ALL\n', secret: false });
    expect(scrubSecrets('/etc/app.conf', 'sudo_rule = NOPASSWD: ALL\npassword: hunter2\n').content).toBe(
      'sudo_rule = NOPASSWD: ALL\npassword: CHANGE-ME-for-this-environment\n',
    );
  });

  it('carries over what production changed by hand: changed conffiles and config files no package owns, secrets as placeholders', () => {
    const facts = productionFacts();
    facts.conffiles = { '/etc/logrotate.conf': { type: 'file', mode: '644', owner: 'root', group: 'root', package: 'logrotate', via: 'dpkg' } };
    facts.unowned_files = {
      '/etc/cron.d/backup': { type: 'file', mode: '644', owner: 'root', group: 'root' },
      '/etc/hostname': { type: 'file', mode: '644', owner: 'root', group: 'root' },
      '/etc/apt/sources.list.d/extra.list': { type: 'file', mode: '644', owner: 'root', group: 'root' },
      '/etc/app/token': { type: 'file', mode: '600', owner: 'root', group: 'root', secret: true },
    };
    const more = new Map([...contents, ['/etc/logrotate.conf', 'weekly\nrotate 9\n'], ['/etc/cron.d/backup', '0 3 * * * root /usr/local/bin/backup\n']]);
    const written = filesFromFacts(facts, { name: 'mysite', boxes: ['debian-12'], production: { ssh: 'ops@prod' }, contents: more });
    const config = parse(written.find((f) => f.path === 'manifests/config.yaml')!.content).file as Record<string, Record<string, unknown>>;
    expect(config['/etc/logrotate.conf']).toMatchObject({ source: '../files/etc/logrotate.conf' });
    expect(config['/etc/cron.d/backup']).toMatchObject({ source: '../files/etc/cron.d/backup' });
    expect(config['/etc/app/token']).toMatchObject({ secret: true, mode: '0600' });
    // Per-machine files and apt sources stay the box's.
    expect(config['/etc/hostname']).toBeUndefined();
    expect(config['/etc/apt/sources.list.d/extra.list']).toBeUndefined();
    expect(written.find((f) => f.path === 'files/etc/app/token')!.content).not.toMatch(/[A-Za-z0-9]{20}/);
  });

  it('lists the trees under /usr/local and /opt at the top of the profile, with how to bring them in', () => {
    const facts = productionFacts();
    facts.trees = {
      '/opt/agent': { type: 'directory', count: 12, digest: 'x', content: true, entries: {} },
      '/usr/local/bin': { type: 'directory', count: 1, digest: 'y', content: true, entries: {} },
    };
    const profile = filesFromFacts(facts, { name: 'mysite', boxes: ['debian-12'], production: { ssh: 'ops@prod' }, contents }).find(
      (f) => f.path === 'devenv.yaml',
    )!.content;
    expect(profile).toContain('#   /opt/agent (12 entries)\n#   /usr/local/bin (1 entry)\n');
    expect(parse(profile).name).toBe('mysite');
  });

  it('scrubs secret assignments but leaves other lines', () => {
    expect(scrubSecrets('/etc/app.conf', 'port = 80\napi_token = abc\n')).toEqual({
      content: 'port = 80\napi_token = CHANGE-ME-for-this-environment\n',
      secret: true,
    });
    expect(scrubSecrets('/etc/app.conf', 'port = 80\n')).toEqual({ content: 'port = 80\n', secret: false });
  });
});

describe('init --from: what a fresh box needs to become production', () => {
  function shopFacts(): Facts {
    const facts = productionFacts();
    facts.accounts!.users['shop'] = { uid: 990, gid: 990, home: '/srv/shop', shell: '/usr/sbin/nologin', groups: [] };
    facts.accounts!.groups['shop'] = { gid: 990, members: [] };
    facts.services!['shop.service'] = { enabled: 'enabled', active: 'active', user: 'shop', restart: 'always' };
    facts.env = { shop: { names: ['SECRET_KEY', 'SHOP_CONFIG'], fingerprints: {} } };
    facts.files = {
      '/etc/nginx/nginx.conf': { type: 'file', owner: 'root', group: 'root', mode: '644' },
      '/etc/nginx/sites-enabled/shop': { type: 'link', link_target: '../sites-available/shop' },
      '/etc/systemd/system/sshd.service': { type: 'link', link_target: '/lib/systemd/system/ssh.service' },
      '/etc/systemd/system/shop.service': { type: 'file', owner: 'root', group: 'root', mode: '644' },
    };
    return facts;
  }
  const unit = '[Service]\nUser=shop\nEnvironment=SHOP_CONFIG=/etc/shop/app.conf\nEnvironmentFile=-/etc/shop/secrets.env\nWorkingDirectory=/srv/shop\n';
  const files = filesFromFacts(shopFacts(), {
    name: 'shop',
    boxes: ['debian-12'],
    production: { ssh: 'ssh://ops@prod:2222', identity: '/keys/prod', sudo: true },
    hostPort: 18080,
    contents: new Map([
      ['/etc/nginx/nginx.conf', 'worker_processes 4;\n'],
      ['/etc/nginx/sites-available/shop', 'server { listen 80 default_server; }\n'],
      ['/etc/systemd/system/shop.service', unit],
    ]),
    stats: new Map([
      ['/etc/nginx/sites-available/shop', { mode: '644', owner: 'root', group: 'root' }],
      ['/etc/shop/secrets.env', { mode: '640', owner: 'root', group: 'shop' }],
    ]),
    directories: new Map([
      ['/etc/shop', { mode: '750', owner: 'root', group: 'shop' }],
      ['/srv/shop', { mode: '755', owner: 'root', group: 'root' }],
    ]),
  });
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  const config = parse(byPath.get('manifests/config.yaml')!);
  const profile = parse(byPath.get('devenv.yaml')!);

  it('keeps the key, sudo and the asked-for port, so `devenv parity` reaches production again', () => {
    expect(profile.production).toEqual({ ssh: 'ssh://ops@prod:2222', identity: '/keys/prod', sudo: true });
    expect(profile.ports).toEqual(['18080:80']);
  });

  it('declares config links and copies what they point at; leaves out unit aliases; removes the package default site production removed', () => {
    expect(environmentFilesOf(unit)).toEqual(['/etc/shop/secrets.env']);
    expect(config.file['/etc/nginx/sites-enabled/shop']).toEqual({ ensure: 'link', target: '/etc/nginx/sites-available/shop' });
    expect(config.file['/etc/nginx/sites-available/shop']).toMatchObject({ source: '../files/etc/nginx/sites-available/shop', mode: '0644', owner: 'root' });
    expect(byPath.get('files/etc/nginx/sites-available/shop')).toContain('default_server');
    expect(config.file).not.toHaveProperty('/etc/systemd/system/sshd.service');
    expect(config.file['/etc/nginx/sites-enabled/default']).toEqual({ ensure: 'absent' });
  });

  it('writes a placeholder for a unit’s environment file with the names the service sees, marked secret and listed as a checklist secret', () => {
    expect(config.file['/etc/shop/secrets.env']).toEqual({ source: '../files/etc/shop/secrets.env', owner: 'root', group: 'shop', mode: '0640', secret: true });
    const placeholder = byPath.get('files/etc/shop/secrets.env')!;
    expect(placeholder).toContain('SECRET_KEY=CHANGE-ME-for-this-environment');
    // Set by the unit itself, not by the file.
    expect(placeholder).not.toContain('SHOP_CONFIG');
    expect(profile.checklist).toEqual({ app_user: 'shop', secrets: ['/etc/shop/secrets.env'] });
    expect(config.service.shop.subscribe).toEqual(['file:/etc/shop/secrets.env', 'file:/etc/systemd/system/shop.service']);
  });

  it('declares production’s own folders (config folder, a system user’s home) that no package or useradd makes', () => {
    expect(config.file['/etc/shop']).toEqual({ ensure: 'directory', owner: 'root', group: 'shop', mode: '0750' });
    expect(config.file['/srv/shop']).toEqual({ ensure: 'directory', owner: 'root', group: 'root', mode: '0755', require: ['user:shop'] });
  });
});

describe('init: project detection', () => {
  it('names a profile after its folder and reads a Procfile', () => {
    expect(profileNameFor('/home/me/My Cool_App!')).toBe('my-cool_app-');
    expect(parseProcfile('web: gunicorn app:app\nworker: celery -A app worker\n')).toEqual({ web: 'gunicorn app:app', worker: 'celery -A app worker' });
    expect(detectProject('/nonexistent-folder')).toMatchObject({ kind: 'static', evidence: [] });
  });
});
