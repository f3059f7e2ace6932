import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseStatOutput, statQuery, type StatEntry } from '../../src/manifest/observe.js';
import { execBatch } from '../../src/targets/exec-batch.js';
import { describeWithEngine, startTestContainer, type TestContainer } from './support.js';

/**
 * The batched observation on a real container: several queries in one exec
 * come back split exactly, values never reach a shell as code, and the
 * three-process stat pass agrees with stat(1) and sha256sum run one by one.
 */
describeWithEngine('observation in one round trip (real container)', () => {
  let container: TestContainer;

  beforeAll(async () => {
    container = await startTestContainer();
    const setup = [
      'mkdir -p /srv/obs/dir && chmod 750 /srv/obs/dir',
      'printf "hello\\n" > /srv/obs/plain',
      ': > /srv/obs/empty',
      "printf 'tab\\tback\\\\slash' > '/srv/obs/odd \\ name\twith tab'",
      'printf "0123456789abcdefXYZ" > /srv/obs/big',
      'printf "\\377\\376binary" > /srv/obs/binary',
      'ln -s /srv/obs/plain /srv/obs/link',
      'chown nobody:nogroup /srv/obs/plain && chmod 4640 /srv/obs/plain',
    ].join(' && ');
    const result = await container.target.exec(['sh', '-c', setup]);
    if (result.exitCode !== 0) throw new Error(result.stderr);
  });

  afterAll(async () => {
    await container?.[Symbol.asyncDispose]();
  });

  it('splits each query’s stdout and exit code back, passing values as arguments only', async () => {
    const hostile = ['$(touch /tmp/pwned)', '`touch /tmp/pwned`', 'a\'b"c', 'x; touch /tmp/pwned', ' two  spaces ', ''];
    const answers = await execBatch(container.target, {
      echo: { script: 'for a in "$@"; do printf "[%s]\\n" "$a"; done', args: hostile },
      failing: { script: 'printf "no newline"; echo "why it failed" >&2; exit 3' },
      count: { script: 'echo $#', args: ['only', 'these'] },
      none: { script: 'echo "args: $#"' },
    });
    expect(answers.echo).toEqual({ exitCode: 0, stdout: hostile.map((a) => `[${a}]\n`).join(''), stderr: '' });
    expect(answers.failing).toEqual({ exitCode: 3, stdout: 'no newline', stderr: 'why it failed\n' });
    expect(answers.count).toEqual({ exitCode: 0, stdout: '2\n', stderr: '' });
    expect(answers.none).toEqual({ exitCode: 0, stdout: 'args: 0\n', stderr: '' });
    expect((await container.target.exec(['test', '-e', '/tmp/pwned'])).exitCode).toBe(1);
  });

  it('reads kind, mode, owner, hash, link target and content as stat(1) and sha256sum see them', async () => {
    const paths = [
      '/srv/obs/plain',
      '/srv/obs/empty',
      '/srv/obs/odd \\ name\twith tab',
      '/srv/obs/big',
      '/srv/obs/binary',
      '/srv/obs/link',
      '/srv/obs/dir',
      '/srv/obs/absent',
    ];
    const entries: StatEntry[] = paths.map((path) => ({ path, readContent: path !== '/srv/obs/binary' }));
    const limit = 16;
    const answers = await execBatch(container.target, { files: statQuery(entries, limit) }, { user: 'root' });
    const files = parseStatOutput(answers.files!.stdout, entries, limit);

    for (const path of paths) {
      const byHand = await container.target.exec([
        'sh',
        '-c',
        'stat --printf "%a %U %G %u %g %s %F" -- "$1" && { [ -L "$1" ] || [ ! -f "$1" ] || { echo; sha256sum -- "$1" | cut -d" " -f1; }; }',
        'by-hand',
        path,
      ]);
      if (path.endsWith('absent')) {
        expect(byHand.exitCode).not.toBe(0);
        expect(files[path]).toEqual({ kind: 'absent' });
        continue;
      }
      const [meta = '', hashLine = ''] = byHand.stdout.trim().split('\n');
      // sha256sum marks a line whose name it escaped with a leading "\".
      const hash = hashLine.replace(/^\\/, '');
      const [mode, owner, group, uid, gid, size, ...type] = meta.split(' ');
      const file = files[path]!;
      expect({ mode: file.mode, owner: file.owner, group: file.group, uid: file.uid, gid: file.gid, size: file.size }).toEqual({
        mode: mode!.padStart(4, '0'),
        owner,
        group,
        uid: Number(uid),
        gid: Number(gid),
        size: Number(size),
      });
      const kind = type.join(' ');
      expect(file.kind).toBe(kind === 'symbolic link' ? 'link' : kind === 'directory' ? 'directory' : 'file');
      if (file.kind === 'file') expect(file.sha256).toBe(hash);
    }
    expect(files['/srv/obs/plain']).toMatchObject({ mode: '4640', owner: 'nobody', group: 'nogroup', content: 'hello\n' });
    expect(files['/srv/obs/empty']).toMatchObject({ size: 0, content: '' });
    expect(files['/srv/obs/odd \\ name\twith tab']?.content).toBe('tab\tback\\slash');
    expect(files['/srv/obs/link']).toMatchObject({ kind: 'link', linkTarget: '/srv/obs/plain' });
    expect(files['/srv/obs/link']?.content).toBeUndefined();
    // Over the limit: hash only. Not asked for: hash only.
    expect(files['/srv/obs/big']?.content).toBeUndefined();
    expect(files['/srv/obs/big']?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(files['/srv/obs/binary']?.content).toBeUndefined();
  });
});
