import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../../src/core/errors.js';
import { loadProfile } from '../../../src/environment/load.js';

/**
 * The corpus of malformed profiles. Each row: the case folder, the file the
 * error must point into (relative to the case folder), the 1-based line and
 * column (checked by hand against the fixture), the field path the message
 * names ('' for YAML syntax errors) and a phrase the sentence must contain.
 */
const BAD = fileURLToPath(new URL('../../fixtures/profiles/bad/', import.meta.url));

interface Case {
  name: string;
  file: string;
  line: number;
  column: number;
  field: string;
  phrase: string;
}

const P = 'devenv.yaml';
const M = 'manifests/base.yaml';

// prettier-ignore
const CASES: Case[] = [
  // YAML itself
  { name: 'yaml-unclosed-quote',        file: P, line: 2, column: 6,  field: '', phrase: 'quoted string starting here is never closed' },
  { name: 'yaml-bad-indent',            file: P, line: 5, column: 4,  field: '', phrase: 'check the indentation' },
  { name: 'yaml-indented-key',          file: P, line: 3, column: 3,  field: '', phrase: 'this line is indented more than the key above it' },
  { name: 'yaml-tab-indent',            file: P, line: 4, column: 1,  field: '', phrase: 'tabs are not allowed as indentation' },
  { name: 'yaml-duplicate-key',         file: P, line: 3, column: 1,  field: 'name', phrase: 'duplicate key "name"' },
  { name: 'yaml-duplicate-nested-key',  file: P, line: 6, column: 3,  field: 'resources.cpus', phrase: 'duplicate key "cpus"' },
  { name: 'yaml-multiple-documents',    file: P, line: 3, column: 1,  field: '', phrase: 'more than one YAML document' },
  { name: 'yaml-unknown-alias',         file: P, line: 4, column: 13, field: '', phrase: 'alias *user refers to no anchor' },
  { name: 'yaml-unknown-tag',           file: P, line: 2, column: 6,  field: '', phrase: '!include' },
  { name: 'yaml-alias-bomb',            file: P, line: 1, column: 1,  field: '', phrase: 'excessive alias count' },
  { name: 'empty-file',                 file: P, line: 1, column: 1,  field: '', phrase: 'the profile is empty' },
  { name: 'comments-only',              file: P, line: 1, column: 1,  field: '', phrase: 'the profile is empty' },
  { name: 'top-level-list',             file: P, line: 1, column: 1,  field: '', phrase: 'expected a mapping, got a list' },
  { name: 'top-level-scalar',           file: P, line: 1, column: 1,  field: '', phrase: 'expected a mapping, got the string "mysite"' },
  // keys
  { name: 'unknown-top-level-key',      file: P, line: 3, column: 1,  field: 'prots', phrase: 'unknown key "prots" (did you mean "ports"?)' },
  { name: 'unknown-nested-key',         file: P, line: 4, column: 3,  field: 'resources.cpu', phrase: 'unknown key "cpu" (did you mean "cpus"?)' },
  { name: 'missing-box',                file: P, line: 2, column: 1,  field: 'box', phrase: 'the required key "box" is missing' },
  { name: 'missing-nested-required',    file: P, line: 4, column: 3,  field: 'production', phrase: 'give exactly one of "ssh" or "facts"' },
  // name
  { name: 'name-not-string',            file: P, line: 1, column: 7,  field: 'name', phrase: 'expected a string, got number 42' },
  { name: 'name-uppercase',             file: P, line: 1, column: 7,  field: 'name', phrase: 'must be lowercase letters' },
  { name: 'name-spaces',                file: P, line: 1, column: 7,  field: 'name', phrase: 'must be lowercase letters' },
  { name: 'name-hostile',               file: P, line: 2, column: 7,  field: 'name', phrase: 'must be lowercase letters' },
  { name: 'name-newline',               file: P, line: 1, column: 7,  field: 'name', phrase: 'must be lowercase letters' },
  // ports
  { name: 'ports-not-list',             file: P, line: 3, column: 8,  field: 'ports', phrase: 'expected a list, got the string "8080:80"' },
  { name: 'port-out-of-range',          file: P, line: 5, column: 5,  field: 'ports[1]', phrase: 'port 99999 is out of range' },
  { name: 'port-single-number',         file: P, line: 3, column: 20, field: 'ports[1]', phrase: '"80" is not a port mapping' },
  { name: 'port-not-numeric',           file: P, line: 4, column: 5,  field: 'ports[0]', phrase: '"abc:80" is not a port mapping' },
  { name: 'port-bad-ip',                file: P, line: 4, column: 5,  field: 'ports[0]', phrase: '"300.1.1.1" is not an IP address' },
  { name: 'port-item-number',           file: P, line: 3, column: 9,  field: 'ports[0]', phrase: 'expected a string, got number 8080' },
  { name: 'port-newline',               file: P, line: 3, column: 9,  field: 'ports[0]', phrase: '"8080:80\\n; rm -rf /" is not a port mapping' },
  { name: 'port-duplicate-host',        file: P, line: 5, column: 5,  field: 'ports[1]', phrase: 'host port 127.0.0.1:8080/tcp is already used by ports[0]' },
  { name: 'port-duplicate-wildcard',    file: P, line: 5, column: 5,  field: 'ports[1]', phrase: 'is already used by ports[0]' },
  // resources
  { name: 'cpus-string',                file: P, line: 3, column: 20, field: 'resources.cpus', phrase: 'expected a number, got the string "two"' },
  { name: 'cpus-zero',                  file: P, line: 4, column: 9,  field: 'resources.cpus', phrase: 'must be more than 0' },
  { name: 'memory-word',                file: P, line: 4, column: 11, field: 'resources.memory', phrase: '"lots" is not a size' },
  { name: 'memory-too-small',           file: P, line: 4, column: 11, field: 'resources.memory', phrase: 'too little memory' },
  { name: 'memory-boolean',             file: P, line: 4, column: 11, field: 'resources.memory', phrase: 'must be a size such as "2GiB"' },
  // sync
  { name: 'sync-relative-guest',        file: P, line: 3, column: 8,  field: 'sync[0]', phrase: 'the guest path "srv/app" must be absolute' },
  { name: 'sync-missing-host',          file: P, line: 5, column: 5,  field: 'sync[1]', phrase: 'no-such-folder does not exist' },
  { name: 'sync-no-guest',              file: P, line: 3, column: 8,  field: 'sync[0]', phrase: 'is not a synced folder' },
  // backend and box
  { name: 'backend-unknown',            file: P, line: 3, column: 10, field: 'backend', phrase: 'unknown value "podman" (expected one of: docker, vagrant)' },
  { name: 'backend-vagrant-without-block', file: P, line: 3, column: 10, field: 'backend', phrase: 'needs a "vagrant" block' },
  { name: 'vagrant-provider-unknown',   file: P, line: 5, column: 13, field: 'vagrant.provider', phrase: '(did you mean "virtualbox"?)' },
  { name: 'box-unknown-name',           file: P, line: 2, column: 6,  field: 'box', phrase: 'no box "debian-99"' },
  { name: 'box-path-missing',           file: P, line: 2, column: 6,  field: 'box', phrase: 'nowhere.yaml does not exist' },
  { name: 'box-is-folder',              file: P, line: 2, column: 6,  field: 'box', phrase: 'is a folder, not a file' },
  { name: 'box-definition-invalid',     file: 'custom-box.yaml', line: 5, column: 12, field: 'debootstrap.variant', phrase: '(did you mean "minbase"?)' },
  // manifests (only what the profile loader itself rejects)
  { name: 'manifest-missing',           file: P, line: 4, column: 5,  field: 'manifests[0]', phrase: 'base.yaml does not exist' },
  { name: 'manifest-listed-twice',      file: P, line: 5, column: 5,  field: 'manifests[1]', phrase: 'is already listed as manifests[0]' },
  { name: 'manifest-not-mapping',       file: M, line: 2, column: 1,  field: '', phrase: 'a manifest is a mapping' },
  { name: 'manifest-yaml-syntax',       file: M, line: 3, column: 1,  field: '', phrase: 'invalid YAML' },
  { name: 'manifest-source-folder',     file: M, line: 3, column: 13, field: 'file["/etc/app.conf"].source', phrase: 'files/app.d is not a file' },
  { name: 'template-unclosed-tag',      file: 'manifests/templates/app.conf.j2', line: 2, column: 11, field: '', phrase: 'template syntax error: expected variable end (the {{ here is never closed); used by file:/etc/app.conf' },
  { name: 'template-unknown-block',     file: 'manifests/templates/app.conf.j2', line: 4, column: 4, field: '', phrase: 'unknown block tag: endfi' },
  { name: 'manifest-duplicate-key',     file: M, line: 3, column: 3,  field: 'apt.nginx', phrase: 'duplicate key "nginx"' },
  // apt
  { name: 'apt-recommends-string',      file: P, line: 4, column: 23, field: 'apt.install_recommends', phrase: 'expected a boolean, got the string "yes"' },
  { name: 'apt-unknown-key',            file: P, line: 4, column: 3,  field: 'apt.recommends', phrase: 'unknown key "recommends"' },
  // production
  { name: 'production-ssh-and-facts',   file: P, line: 4, column: 3,  field: 'production', phrase: 'give exactly one of "ssh" or "facts"' },
  { name: 'production-ssh-proxycommand', file: P, line: 4, column: 8, field: 'production.ssh', phrase: 'must be user@host[:port]' },
  { name: 'production-ssh-shell',       file: P, line: 4, column: 8,  field: 'production.ssh', phrase: 'must be user@host[:port]' },
  { name: 'production-ssh-port-range',  file: P, line: 4, column: 8,  field: 'production.ssh', phrase: 'the port must be between 1 and 65535' },
  { name: 'production-facts-missing',   file: P, line: 4, column: 10, field: 'production.facts', phrase: 'prod.facts.json does not exist' },
  { name: 'production-empty-value',     file: P, line: 3, column: 1,  field: 'production', phrase: 'expected a mapping, got null' },
  // checklist and vars
  { name: 'skip-unknown-check',         file: P, line: 6, column: 5,  field: 'checklist.skip.firewal-default-deny', phrase: '(did you mean "firewall-default-deny"?)' },
  { name: 'skip-empty-reason',          file: P, line: 5, column: 28, field: 'checklist.skip.firewall-default-deny', phrase: 'a skip needs a reason' },
  { name: 'skip-without-reason',        file: P, line: 5, column: 5,  field: 'checklist.skip.fail2ban-sshd', phrase: 'a skip needs a reason' },
  { name: 'checklist-secret-relative',  file: P, line: 4, column: 13, field: 'checklist.secrets[0]', phrase: 'must be an absolute path' },
  { name: 'allowed-port-string',        file: P, line: 4, column: 23, field: 'checklist.allowed_ports[1]', phrase: 'expected a number, got the string "http"' },
  { name: 'vars-bad-name',              file: P, line: 5, column: 3,  field: 'vars.app-port', phrase: 'the key "app-port" is not allowed' },
  // sysctls: only what a container may set, values that are short words
  { name: 'sysctl-not-namespaced',      file: P, line: 5, column: 3,  field: 'sysctls["kernel.kptr_restrict"]', phrase: 'only namespaced kernel settings' },
  { name: 'sysctl-hostile-value',       file: P, line: 4, column: 28, field: 'sysctls["net.ipv4.tcp_syncookies"]', phrase: 'a sysctl value is a short number or word' },
  // The lock and the own archive (issue 15)
  { name: 'archives-not-archive',       file: P, line: 4, column: 5,  field: 'archives[0]', phrase: 'is not an archive written by `devenv archive export`' },
  { name: 'archives-bad-url',           file: P, line: 4, column: 5,  field: 'archives[0]', phrase: 'an archive URL must be a valid http:// or https:// URL' },
  { name: 'apt-sources-bad-url',        file: P, line: 5, column: 51, field: 'apt.sources[0].url', phrase: 'an apt source URL must be a valid http:// or https:// URL' },
  { name: 'apt-sources-unknown-archive', file: P, line: 5, column: 18, field: 'apt.sources[0].archive', phrase: 'the box debian-12 has no archive "ubuntu"' },
  { name: 'lock-bad-version',           file: 'devenv.lock', line: 4, column: 21, field: 'apt.nginx.version', phrase: 'must be an exact Debian version' },
];

/** As the loader shows paths: relative to the working directory. */
function shown(path: string): string {
  return relative(process.cwd(), path);
}

async function loadError(name: string): Promise<unknown> {
  try {
    await loadProfile(join(BAD, name, 'devenv.yaml'));
  } catch (error) {
    return error;
  }
  throw new Error(`${name}: the profile loaded without an error`);
}

describe('malformed profiles', () => {
  it('has a table row for every fixture folder, and a folder for every row', () => {
    const folders = readdirSync(BAD, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(CASES.map((c) => c.name).sort()).toEqual(folders);
    expect(folders.length).toBeGreaterThanOrEqual(25);
  });

  it.each(CASES)('$name → $file:$line:$column', async ({ name, file, line, column, field, phrase }) => {
    const error = await loadError(name);
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.exitCode).toBe(2);
    const message = configError.message;
    expect(message).not.toMatch(/[\n\r]/);
    expect(message).not.toMatch(/\bat .*\.(ts|js):\d+/);
    const where = `${shown(join(BAD, name, file))}:${line}:${column}:`;
    expect(message.startsWith(where), `"${message}" should start with "${where}"`).toBe(true);
    // Then the field path (when the error is about a field), then the sentence.
    expect(message.startsWith(field ? `${where} ${field}: ` : `${where} `)).toBe(true);
    expect(configError.fieldPath).toBe(field);
    expect(configError.position).toEqual({ file: shown(join(BAD, name, file)), line, column });
    expect(message).toContain(phrase);
  });

  it('a missing profile file is a usage error (exit 2), in one line', async () => {
    const error = await loadProfile(join(BAD, 'no-such-case', 'devenv.yaml')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toBe(`no profile at ${shown(join(BAD, 'no-such-case', 'devenv.yaml'))}`);
  });
});
