import { describe, expect, it } from 'vitest';
import { aptFailureExplanation, aptRecoveryFor } from '../../../src/manifest/apt-recovery.js';

/** apt-get's own words, as recorded from real failures on Debian 12. */
const LOCKED = `E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 102 (apt-get)
E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?`;
const INTERRUPTED = `E: dpkg was interrupted, you must manually run 'dpkg --configure -a' to correct the problem.`;
const HELD_STDOUT = `Reading package lists...
Building dependency tree...
Reading state information...
Some packages could not be installed. This may mean that you have
requested an impossible situation or if you are using the unstable
distribution that some required packages have not yet been created
or been moved out of Incoming.
The following information may help to resolve the situation:

The following packages have unmet dependencies:
 nginx : Depends: nginx-common (= 1.22.1-9+deb12u9) but 1.22.1-9+deb12u11 is to be installed
`;
const HELD_STDERR = 'E: Unable to correct problems, you have held broken packages.\n';

describe('aptRecoveryFor', () => {
  it('a lock held by another apt-get: wait for that process', () => {
    expect(aptRecoveryFor(LOCKED)).toEqual({ kind: 'wait', pid: 102, holder: 'apt-get' });
  });
  it('an interrupted dpkg: configure what it left', () => {
    expect(aptRecoveryFor(INTERRUPTED)).toEqual({ kind: 'configure' });
  });
  it('a file the mirror replaced: refresh the lists', () => {
    expect(aptRecoveryFor('E: Failed to fetch http://mirror/pool/main/n/nginx/nginx_1.22.1-9+deb12u9_amd64.deb  404  Not Found')).toEqual({
      kind: 'refresh-lists',
    });
  });
  it('an unsatisfiable request: look at the closure of the exact pins', () => {
    expect(aptRecoveryFor(HELD_STDERR)).toEqual({ kind: 'closure' });
  });
  it('anything else: nothing to retry', () => {
    expect(aptRecoveryFor('E: Sub-process /usr/bin/dpkg returned an error code (1)')).toBeUndefined();
  });
});

describe('aptFailureExplanation', () => {
  it('keeps the unmet dependency and the E: line, not only the last line', () => {
    expect(aptFailureExplanation(HELD_STDOUT, HELD_STDERR)).toBe(
      'nginx : Depends: nginx-common (= 1.22.1-9+deb12u9) but 1.22.1-9+deb12u11 is to be installed; E: Unable to correct problems, you have held broken packages.',
    );
  });
  it('falls back to the last lines when apt gave no E: line', () => {
    expect(aptFailureExplanation('a\nb\nc\nd\n', '')).toBe('b | c | d');
  });
  it('says each E: line once', () => {
    expect(aptFailureExplanation('', 'E: x\nE: x\n')).toBe('E: x');
  });
});
