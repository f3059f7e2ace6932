import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellJoin, shellQuote } from '../../../src/core/shell-quote.js';

/** What a POSIX shell makes of the quoted word: printed back byte for byte. */
function throughShell(word: string): string {
  return execFileSync('sh', ['-c', `printf "%s" ${shellQuote(word)}`], { encoding: 'utf8' });
}

const HOSTILE = [
  '',
  ' ',
  'plain',
  "it's",
  "''",
  "'",
  '"',
  '"double" and \'single\'',
  '$(touch /tmp/devenv-pwned)',
  '`touch /tmp/devenv-pwned`',
  '${HOME}',
  '$HOME',
  '$',
  '\\',
  "\\'",
  'a; rm -rf /',
  'a && reboot',
  'a | cat /etc/passwd',
  'a > /tmp/x',
  'line one\nline two',
  '\n',
  'trailing newline\n',
  'tab\there',
  '*',
  '~',
  '~root',
  '!',
  '!!',
  '#not a comment',
  '-n',
  '-e',
  '--',
  'a=b',
  'x\u00e9\u6f22\ud83d\ude00',
  '\u0001\u001b[31mred',
  "'; echo pwned; '",
  '"; echo pwned; "',
];

describe('shellQuote', () => {
  it.each(HOSTILE.map((word) => [JSON.stringify(word), word]))('%s survives sh -c unchanged', (_, word) => {
    expect(throughShell(word)).toBe(word);
  });

  it('never runs what it quotes', () => {
    const marker = `/tmp/devenv-quote-${process.pid}`;
    const words = [`$(touch ${marker})`, `\`touch ${marker}\``, `; touch ${marker}`, `' ; touch ${marker} ; '`];
    for (const word of words) throughShell(word);
    expect(() => execFileSync('test', ['-e', marker])).toThrow();
  });

  it('keeps an empty argument as an argument', () => {
    expect(shellQuote('')).toBe("''");
    const count = execFileSync('sh', ['-c', `set -- ${shellJoin(['', 'a b', ''])}; printf %s "$#"`], { encoding: 'utf8' });
    expect(count).toBe('3');
  });

  it('leaves safe words bare', () => {
    expect(shellQuote('/usr/bin/apt-get')).toBe('/usr/bin/apt-get');
    expect(shellQuote('nginx=1.22.1-9+deb12u9')).toBe('nginx=1.22.1-9+deb12u9');
  });

  it('rejects NUL, which no shell argument can carry', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });

  it('joins an argv that sh splits back into the same argv', () => {
    const argv = ['printf', '%s|', "it's", '$(id)', 'a b', '', 'line\nbreak'];
    const out = execFileSync('sh', ['-c', shellJoin(argv)], { encoding: 'utf8' });
    expect(out).toBe("it's|$(id)|a b||line\nbreak|");
  });
});
