import { describe, expect, it } from 'vitest';
import { CHECK_CATALOG } from '../../../src/checks/catalog.js';
import { CHECK_IDS } from '../../../src/core/checklist-ids.js';
import { runChecklist } from '../../../src/checks/runner.js';
import { FactsSchema } from '../../../src/facts/schema.js';
import { hardenedFacts, hardenedInput } from './fixtures.js';

describe('check catalog', () => {
  it('has exactly one check per stable ID, in ID order', () => {
    expect(CHECK_CATALOG.map((check) => check.id)).toEqual([...CHECK_IDS]);
    for (const check of CHECK_CATALOG) {
      expect(check.title.length).toBeGreaterThan(0);
      expect(check.remediation.length).toBeGreaterThan(0);
    }
  });

  it('the hardened fixture is valid devenv.facts/v1', () => {
    expect(FactsSchema.safeParse(hardenedFacts()).success).toBe(true);
  });

  it('passes every check on the hardened fixture', () => {
    const report = runChecklist(hardenedInput());
    const notPassing = report.results.filter((result) => result.status !== 'pass');
    expect(notPassing).toEqual([]);
    expect(report.summary.pass).toBe(CHECK_IDS.length);
  });

  it('never passes when the facts are empty (every section missing)', () => {
    const report = runChecklist(
      hardenedInput((input) => {
        const { schema, collected_at, source, target } = input.facts;
        input.facts = { schema, collected_at, source, target, errors: {}, missing: [] };
        delete input.production;
        delete input.parity;
      }),
    );
    // Datastore and listener checks cannot pass without listeners either: nothing may slip through as a pass.
    expect(report.results.filter((result) => result.status === 'pass').map((result) => result.id)).toEqual([]);
  });

  it('never passes when every section failed in the collector', () => {
    const report = runChecklist(
      hardenedInput((input) => {
        const { schema, collected_at, source, target } = input.facts;
        const sections = [
          'platform',
          'packages',
          'runtimes',
          'accounts',
          'services',
          'listeners',
          'processes',
          'files',
          'sysctl',
          'time',
          'ssh',
          'firewall',
          'env',
          'security_updates',
          'fail2ban',
          'logging',
        ];
        input.facts = { schema, collected_at, source, target, errors: Object.fromEntries(sections.map((s) => [s, 'collector timed out'])), missing: [] };
        delete input.production;
        delete input.parity;
      }),
    );
    expect(report.results.filter((result) => result.status === 'pass').map((result) => result.id)).toEqual([]);
    const accounts = report.results.find((result) => result.id === 'single-uid0');
    expect(accounts?.status).toBe('warn');
    expect(accounts?.message).toContain('collector timed out');
  });
});
