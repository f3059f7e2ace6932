import { describe, expect, it } from 'vitest';
import { formatCycle, orderResources } from '../../../src/manifest/graph.js';
import { catalogFromText, errorOf } from './manifest-text.js';

const order = (...texts: string[]): string[] => catalogFromText(...texts).ordered.map((r) => r.ref);

describe('ordering', () => {
  it('keeps manifest order when nothing relates (ties by declaration, manifests in profile order)', () => {
    expect(order('apt:\n  zsh: {}\n  curl: {}\n', 'group:\n  b: {}\n  a: {}\n')).toEqual(['apt:zsh', 'apt:curl', 'group:b', 'group:a']);
  });

  it('puts dependencies first: require, before, subscribe, notify', () => {
    const refs = order(
      [
        'service:',
        '  web: { subscribe: [file:/etc/web.conf] }',
        'file:',
        '  /etc/web.conf: { content: "x", require: apt:web-pkg }',
        'apt:',
        '  web-pkg: {}',
        'exec:',
        '  first: { command: [/bin/true], before: [apt:web-pkg] }',
        '  notifier: { command: [/bin/true], notify: [service:web] }',
      ].join('\n'),
    );
    expect(refs).toEqual(['exec:first', 'apt:web-pkg', 'file:/etc/web.conf', 'exec:notifier', 'service:web']);
  });

  it('adds the implied edges: parent folder, owner, group, venv, python3-venv, package and unit of a service', () => {
    const refs = order(
      [
        'service:',
        '  app: {}',
        'file:',
        '  /etc/systemd/system/app.service: { content: "x" }',
        '  /srv/app/code/main.py: { content: "x", owner: app, group: app }',
        '  /srv/app: { ensure: directory }',
        'pip:',
        '  django: { ensure: "4.2.16", venv: /srv/app/venv }',
        'venv:',
        '  /srv/app/venv: {}',
        'user:',
        '  app: { group: app }',
        'group:',
        '  app: {}',
        'apt:',
        '  app: {}',
        '  python3-venv: {}',
      ].join('\n'),
    );
    const before = (a: string, b: string): boolean => refs.indexOf(a) < refs.indexOf(b);
    expect(before('apt:app', 'service:app')).toBe(true);
    expect(before('file:/etc/systemd/system/app.service', 'service:app')).toBe(true);
    expect(before('file:/srv/app', 'file:/srv/app/code/main.py')).toBe(true);
    expect(before('user:app', 'file:/srv/app/code/main.py')).toBe(true);
    expect(before('group:app', 'user:app')).toBe(true);
    expect(before('venv:/srv/app/venv', 'pip:django')).toBe(true);
    expect(before('apt:python3-venv', 'venv:/srv/app/venv')).toBe(true);
    expect(before('file:/srv/app', 'venv:/srv/app/venv')).toBe(true);
  });

  it('prints a cycle with its arrows at the position of its first resource', () => {
    const message = errorOf(() => catalogFromText('apt:\n  aa: { require: [service:b] }\nservice:\n  b: { require: [apt:aa] }\n'));
    expect(message).toBe('test/unit/manifest/m1.yaml:2:3: apt.aa: dependency cycle: apt:aa → service:b → apt:aa');
  });

  it('finds a cycle across manifests and through implied edges', () => {
    const message = errorOf(() =>
      catalogFromText('file:\n  /srv: { ensure: directory, require: [file:/srv/app/x] }\n', 'file:\n  /srv/app/x: { content: "" }\n'),
    );
    expect(message).toMatch(/dependency cycle: file:\/srv → file:\/srv\/app\/x → file:\/srv$/);
  });

  it('rejects an unknown reference where it is written', () => {
    expect(errorOf(() => catalogFromText('service:\n  nginx:\n    require:\n      - apt:ngnix\napt:\n  nginx: {}\n'))).toBe(
      'test/unit/manifest/m1.yaml:4:9: service.nginx.require[0]: apt:ngnix is not declared in any manifest of this profile',
    );
    expect(errorOf(() => catalogFromText('service:\n  nginx: { require: nginx }\n'))).toMatch(
      /:2:21: service.nginx.require: "nginx" is not a reference; write type:name/,
    );
    expect(errorOf(() => catalogFromText('service:\n  nginx: { notify: [service:web] }\napt:\n  web: {}\n'))).toMatch(/did you mean apt:web\?/);
  });

  it('rejects the same resource in two manifests', () => {
    expect(errorOf(() => catalogFromText('apt:\n  curl: {}\n', 'apt:\n  curl: {}\n'))).toBe(
      'test/unit/manifest/m2.yaml:2:3: apt.curl: apt:curl is already declared in test/unit/manifest/m1.yaml',
    );
  });

  it('orders pure data deterministically, whatever order the edges come in', () => {
    const nodes = ['a', 'b', 'c', 'd'];
    const edges = [
      { from: 'd', to: 'a', refresh: false },
      { from: 'c', to: 'b', refresh: false },
    ];
    expect(orderResources(nodes, edges)).toEqual({ ok: true, order: ['c', 'b', 'd', 'a'] });
    expect(orderResources(nodes, [...edges].reverse())).toEqual({ ok: true, order: ['c', 'b', 'd', 'a'] });
    const cyclic = orderResources(
      ['x', 'y', 'z'],
      [
        { from: 'x', to: 'y', refresh: false },
        { from: 'y', to: 'z', refresh: false },
        { from: 'z', to: 'y', refresh: false },
      ],
    );
    expect(cyclic.ok ? '' : formatCycle(cyclic.cycle)).toBe('y → z → y');
  });
});
