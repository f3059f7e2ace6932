import { afterAll, beforeAll, expect, it } from 'vitest';
import { fileBatchArgv, runFileBatch, type FileChange } from '../../src/targets/file-batch.js';
import { describeWithEngine, startTestContainer, type TestContainer } from './support.js';

/**
 * Several file operations in one exec, on a real container: each lands exactly as
 * it would alone (content byte for byte, mode, owner, links, removals), values are
 * never code, and the first failure stops the batch with its index and reason,
 * leaving no temp file behind.
 */
describeWithEngine('file operations in one round trip (real container)', () => {
  let container: TestContainer;
  const sh = async (script: string, ...args: string[]): Promise<string> => {
    const result = await container.target.exec(['sh', '-c', script, 'test', ...args]);
    if (result.exitCode !== 0) throw new Error(`${script}: ${result.stderr}`);
    return result.stdout;
  };

  beforeAll(async () => {
    container = await startTestContainer();
    await sh('mkdir -p /srv/fb && echo old > /srv/fb/stale && echo keep > /srv/fb/replaced');
  });

  afterAll(async () => {
    await container?.[Symbol.asyncDispose]();
  });

  it('applies every operation in order, each as it would alone', async () => {
    const odd = '/srv/fb/dir/odd name $(touch pwned) `touch pwned`; touch pwned \'q\' "q"';
    const utf8 = 'héllo wörld\n\ttabs and "quotes" and $HOME\n';
    const ops: FileChange[] = [
      { path: '/srv/fb/dir', mkdir: true, chown: 'root', chgrp: 'nogroup', chmod: '0750' },
      { path: odd, write: { content: utf8, mode: '0640', owner: 'nobody', group: 'nogroup' } },
      { path: '/srv/fb/empty', write: { content: '', mode: '0600' } },
      { path: '/srv/fb/replaced', write: { content: 'new\n', mode: '0644' } },
      { path: '/srv/fb/link', link: '/srv/fb/replaced' },
      { path: '/srv/fb/stale', remove: 'file' },
    ];
    const result = await runFileBatch(container.target, ops);
    expect(result, result.failed?.error).toEqual({ done: ops.length });

    expect(await sh('stat -c "%a %U %G %F" /srv/fb/dir')).toBe('750 root nogroup directory\n');
    expect(await sh('stat -c "%a %U %G" -- "$1"', odd)).toBe('640 nobody nogroup\n');
    expect(await sh('cat -- "$1"', odd)).toBe(utf8);
    expect(await sh('stat -c "%a %s" /srv/fb/empty')).toBe('600 0\n');
    expect(await sh('cat /srv/fb/replaced')).toBe('new\n');
    expect(await sh('readlink /srv/fb/link')).toBe('/srv/fb/replaced\n');
    expect(await sh('test -e /srv/fb/stale && echo present || echo absent')).toBe('absent\n');
    expect(await sh('find / -xdev -name pwned | wc -l')).toBe('0\n');
    expect(await sh('ls -a /srv/fb /srv/fb/dir | grep -c devenv-tmp || true')).toBe('0\n');
  });

  it('stops at the first failure with its index and reason, leaving no temp file', async () => {
    const ops: FileChange[] = [
      { path: '/srv/fb/first', write: { content: 'one\n', mode: '0644' } },
      { path: '/srv/fb/second', write: { content: 'two\n', mode: '0644', owner: 'no-such-user' } },
      { path: '/srv/fb/third', write: { content: 'three\n', mode: '0644' } },
    ];
    const result = await runFileBatch(container.target, ops);
    expect(result.done).toBe(1);
    expect(result.failed?.index).toBe(1);
    expect(result.failed?.error).toMatch(/no-such-user/);
    expect(await sh('cat /srv/fb/first')).toBe('one\n');
    expect(await sh('ls /srv/fb | grep -cE "^(second|third)|devenv-tmp" || true')).toBe('0\n');
  });

  it('never puts file content on the command line (a secret would show in ps and in the engine)', () => {
    const argv = fileBatchArgv([{ path: '/etc/app/secret.env', write: { content: 'KEY=TOPSECRET\n', mode: '0600' } }]);
    expect(argv.join('\n')).not.toContain('TOPSECRET');
  });
});
