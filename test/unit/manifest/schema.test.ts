import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { loadProfile } from '../../../src/environment/load.js';
import { errorOf, manifestFromText } from './manifest-text.js';

const FILE = 'test/unit/manifest/inline.yaml';

describe('manifest schema', () => {
  it('accepts the documented shapes and applies defaults', () => {
    const manifest = manifestFromText(
      [
        'apt:',
        '  nginx: { ensure: "1.22.1-9+deb12u9" }',
        '  python3-venv: {}',
        'file:',
        '  /etc/x.conf: { content: "a\\n", mode: 644 }',
        '  /etc/link: { target: /etc/x.conf }',
        'exec:',
        '  migrate: { command: [/usr/bin/true], creates: /srv/done }',
      ].join('\n'),
    );
    const byRef = Object.fromEntries(manifest.declarations.map((r) => [r.ref, r]));
    expect(Object.keys(byRef)).toEqual(['apt:nginx', 'apt:python3-venv', 'file:/etc/x.conf', 'file:/etc/link', 'exec:migrate']);
    expect(byRef['apt:python3-venv']!.attrs).toMatchObject({ ensure: 'present' });
    // An unquoted 0644 reaches us as the decimal 644: read back as the octal people meant.
    expect(byRef['file:/etc/x.conf']!.attrs).toMatchObject({ mode: '0644', secret: false, header: true });
    expect(byRef['exec:migrate']!.attrs).toMatchObject({ timeout: 300, refreshonly: false });
  });

  it('rejects a hostile package name at its key, with file:line:column', () => {
    const message = errorOf(() => manifestFromText('apt:\n  "nginx; rm -rf /": { ensure: present }\n'));
    expect(message).toBe(
      `${FILE}:2:3: apt["nginx; rm -rf /"]: "nginx; rm -rf /" is not a Debian package name (lowercase letters, digits, "+", "-", "."; at least two characters; a foreign architecture after a colon, as in libc6:i386)`,
    );
  });

  it('takes a foreign architecture after a colon, and rejects a malformed one at its key', () => {
    expect(manifestFromText('apt:\n  libc6:i386: { ensure: "2.36-9" }\n').declarations.map((r) => r.ref)).toEqual(['apt:libc6:i386']);
    for (const bad of ['libc6:', 'libc6:I386', 'libc6:i386:amd64', ':i386']) {
      expect(errorOf(() => manifestFromText(`apt:\n  "${bad}": {}\n`))).toMatch(
        new RegExp(`^${FILE}:2:3: apt\\["${bad}"\\]: "${bad}" is not a Debian package name`),
      );
    }
  });

  it('rejects a version that is not a Debian version, at the value', () => {
    const message = errorOf(() => manifestFromText('apt:\n  nginx:\n    ensure: "1.22 && reboot"\n'));
    expect(message).toMatch(new RegExp(`^${FILE}:3:13: apt.nginx.ensure: must be present, latest, absent, purged or an exact Debian version`));
  });

  it('names an unknown attribute and suggests the near one', () => {
    const message = errorOf(() => manifestFromText('service:\n  nginx:\n    ensure: running\n    enabel: true\n'));
    expect(message).toBe(`${FILE}:4:5: service.nginx.enabel: unknown key "enabel" (did you mean "enable"?)`);
  });

  it('rejects an unknown resource type', () => {
    expect(errorOf(() => manifestFromText('package:\n  nginx: {}\n'))).toMatch(
      /^test\/unit\/manifest\/inline.yaml:1:1: package: unknown key "package" \(expected one of: apt, group, user, venv, pip, file, service, exec\)$/,
    );
  });

  it('rejects relative and unnormalized paths', () => {
    expect(errorOf(() => manifestFromText('file:\n  etc/nginx/x: { content: "" }\n'))).toBe(
      `${FILE}:2:3: file["etc/nginx/x"]: "etc/nginx/x" is a relative path; write an absolute path`,
    );
    expect(errorOf(() => manifestFromText('file:\n  /etc/../shadow: { content: "" }\n'))).toMatch(/:2:3: .*is not normalized/);
    expect(errorOf(() => manifestFromText('user:\n  app: { shell: bin/sh }\n'))).toMatch(/:2:17: user.app.shell: "bin\/sh" is a relative path/);
    expect(errorOf(() => manifestFromText('pip:\n  django: { ensure: "4.2.16", venv: srv/venv }\n'))).toMatch(/:2:37: pip.django.venv: /);
  });

  it('rejects malformed user, unit, pip names and pins', () => {
    expect(errorOf(() => manifestFromText('user:\n  "-oops": {}\n'))).toMatch(/:2:3: .*is not a valid user name/);
    expect(errorOf(() => manifestFromText('service:\n  "nginx --now": {}\n'))).toMatch(/:2:3: .*is not a systemd unit name/);
    expect(errorOf(() => manifestFromText('pip:\n  "django>=4": { ensure: "4.2.16", venv: /v }\n'))).toMatch(/:2:3: .*is not a Python distribution name/);
    expect(errorOf(() => manifestFromText('pip:\n  django: { ensure: ">=4.2", venv: /v }\n'))).toMatch(/:2:21: pip.django.ensure: must be an exact version/);
    expect(errorOf(() => manifestFromText('user:\n  app: { groups: ["sudo; id"] }\n'))).toMatch(/:2:19: user.app.groups\[0\]: must be a user or group name/);
  });

  it('wants a command as an argv list, never a shell string', () => {
    expect(errorOf(() => manifestFromText('exec:\n  migrate: { command: "manage.py migrate; rm -rf /" }\n'))).toMatch(
      /:2:23: exec.migrate.command: expected a list, got the string/,
    );
  });

  it('checks file bodies: one of content/source/template, sources relative and present', () => {
    expect(errorOf(() => manifestFromText('file:\n  /a: { content: x, template: t.j2 }\n'))).toMatch(/give only one of content, source or template/);
    expect(errorOf(() => manifestFromText('file:\n  /a: { source: /etc/passwd }\n'))).toMatch(
      /:2:17: file\["\/a"\].source: "\/etc\/passwd" must be relative to the manifest/,
    );
    expect(errorOf(() => manifestFromText('file:\n  /a: { template: missing.j2 }\n'))).toMatch(/:2:19: .*missing.j2 does not exist/);
    expect(errorOf(() => manifestFromText('file:\n  /a: { ensure: directory, content: x }\n'))).toMatch(/content only applies to ensure: file/);
    expect(errorOf(() => manifestFromText('file:\n  /a: { ensure: link }\n'))).toMatch(/a link needs a "target"/);
  });

  it('throws ConfigError (exit 2)', () => {
    try {
      manifestFromText('apt:\n  Nginx: {}\n');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).exitCode).toBe(2);
    }
  });

  it('loads the mysite example profile with every manifest', async () => {
    const profile = await loadProfile('profiles/mysite/devenv.yaml');
    expect(profile.manifests.map((m) => m.declarations.length)).toEqual([6, 15, 11]);
  });
});
