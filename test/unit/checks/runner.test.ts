import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/core/errors.js';
import { parseOnlyIds, runChecklist } from '../../../src/checks/runner.js';
import { CHECK_CATALOG } from '../../../src/checks/catalog.js';
import { notApplicable, pass, type Check, type CheckInput } from '../../../src/checks/types.js';
import { hardenedInput, runCheck, sectionFailed } from './fixtures.js';

describe('runChecklist', () => {
  it('reports the devenv.check/v1 shape', () => {
    const report = runChecklist(hardenedInput());
    expect(report.schema).toBe('devenv.check/v1');
    expect(report.target).toEqual({ kind: 'ssh', name: 'ops@staging.example.com', container: false });
    expect(Object.keys(report.results[0]!).sort()).toEqual(['id', 'message', 'remediation', 'status', 'title']);
  });

  it('--only runs just those checks, in catalog order, accepting commas', () => {
    const report = runChecklist(hardenedInput(), { only: ['ssh-limits,app-user', 'ssh-limits'] });
    expect(report.results.map((result) => result.id)).toEqual(['app-user', 'ssh-limits']);
    expect(report.summary).toEqual({ pass: 2, fail: 0, warn: 0, skip: 0, na: 0 });
  });

  it('an unknown --only ID is a usage error (exit 2) with a suggestion', () => {
    let error: unknown;
    try {
      runChecklist(hardenedInput(), { only: ['ssh-no-root-logn'] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toBe('unknown check "ssh-no-root-logn" (did you mean "ssh-no-root-login"?)');
    expect(() => parseOnlyIds(['zzzzzz'])).toThrow('unknown check "zzzzzz"');
  });

  it("skips with the profile's reason, even a check that would fail", () => {
    const report = runChecklist(
      hardenedInput((input) => {
        input.facts.firewall!.default_input = 'accept';
        input.checklist.skip = { 'firewall-default-deny': 'the cloud security group does this' };
      }),
    );
    const result = report.results.find((r) => r.id === 'firewall-default-deny')!;
    expect(result).toMatchObject({ status: 'skip', message: 'skipped by the profile: the cloud security group does this' });
    expect(report.summary.skip).toBe(1);
    expect(report.summary.fail).toBe(0);
  });

  it('counts n/a apart from pass', () => {
    const report = runChecklist(
      hardenedInput((input) => {
        input.target.container = true;
      }),
    );
    expect(report.summary.na).toBe(3);
    expect(report.summary.pass).toBe(25);
    expect(report.results.filter((r) => r.status === 'na').map((r) => r.id)).toEqual(['firewall-default-deny', 'sysctl-kernel', 'time-sync']);
  });

  it("fills the check's remediation unless the outcome gives its own", () => {
    const report = runChecklist(
      hardenedInput((input) => {
        input.facts.ssh!['permitrootlogin'] = 'yes';
      }),
      { only: ['ssh-no-root-login'] },
    );
    expect(report.results[0]!.remediation).toContain('PermitRootLogin no');
  });

  it('turns a crashing check into a warning rather than losing the report', () => {
    const broken: Check = {
      id: 'app-user',
      title: 'broken',
      remediation: 'x',
      run: () => {
        throw new Error('boom');
      },
    };
    const report = runChecklist(hardenedInput(), { catalog: [broken] });
    expect(report.results[0]).toMatchObject({ status: 'warn', message: expect.stringContaining('boom') });
  });
});

describe('checks declare the fact areas they need', () => {
  const base = (): CheckInput =>
    hardenedInput((input) => {
      input.target.container = false;
    });

  it('the runner answers warn with why for a needed area that is unavailable, once, and does not run the check', () => {
    let ran = 0;
    const check: Check = {
      id: 'logging',
      title: 't',
      remediation: 'r',
      needs: ['time', 'logging'],
      run: () => {
        ran++;
        return pass('ok');
      },
    };
    const input = base();
    sectionFailed(input, 'logging', 'journalctl: permission denied');
    const report = runChecklist(input, { catalog: [check] });
    expect(report.results[0]).toMatchObject({
      status: 'warn',
      message: 'the logging facts could not be collected (journalctl: permission denied)',
      remediation: 'r',
    });
    expect(ran).toBe(0);
  });

  it("decides the precheck first, then what is unavailable, with the check's own remediation for it", () => {
    const check: Check = {
      id: 'ssh-limits',
      title: 't',
      remediation: 'r',
      needs: ['ssh'],
      unavailableRemediation: 'use --sudo',
      precheck: (i) => (i.target.container ? notApplicable('no') : undefined),
      run: () => pass('ok'),
    };
    const input = base();
    sectionFailed(input, 'ssh');
    expect(runChecklist(input, { catalog: [check] }).results[0]).toMatchObject({ status: 'warn', remediation: 'use --sudo' });
    input.target.container = true;
    expect(runChecklist(input, { catalog: [check] }).results[0]).toMatchObject({ status: 'na', message: 'no' });
  });

  // These read their facts conditionally (deps-pinned: runtimes or packages, by what the manifests pin) or read production's.
  const NO_DECLARED_NEEDS = ['deps-pinned', 'distinct-credentials', 'staging-parity'];

  it('every other check of the catalog declares its areas', () => {
    expect(
      CHECK_CATALOG.filter((check) => !check.needs?.length)
        .map((check) => check.id)
        .sort(),
    ).toEqual([...NO_DECLARED_NEEDS].sort());
  });

  it.each(CHECK_CATALOG.flatMap((check) => (check.needs ?? []).map((section) => [check.id, section] as const)))(
    '%s warns when %s could not be collected',
    (id, section) => {
      const result = runCheck(id, (input) => {
        input.target.container = false;
        sectionFailed(input, section);
      });
      expect(result).toMatchObject({ status: 'warn', message: `the ${section} facts could not be collected (permission denied)` });
    },
  );
});
