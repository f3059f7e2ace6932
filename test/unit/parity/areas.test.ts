import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FACT_SECTIONS } from '../../../src/facts/sections.js';
import { PARITY_AREAS } from '../../../src/parity/areas/index.js';
import { AREAS, ERROR_LEVEL_SECTIONS } from '../../../src/parity/compare.js';
import { SEVERITY_RULES } from '../../../src/parity/severity.js';

describe('parity areas, keyed by the one list of fact areas', () => {
  it('report the areas in the order a reader checks them, the wave-2 file areas under files', () => {
    expect(AREAS).toEqual([
      'platform',
      'resources',
      'apt_sources',
      'packages',
      'runtimes',
      'accounts',
      'services',
      'listeners',
      'files',
      'sysctl',
      'time',
      'locale',
      'ssh',
      'firewall',
      'env',
      'security_updates',
      'fail2ban',
      'logging',
    ]);
    expect(FACT_SECTIONS.filter((s) => PARITY_AREAS[s].report === 'files')).toEqual(['conffiles', 'unowned_files', 'trees', 'cron']);
  });

  it('say which sections hold error-level facts', () => {
    expect([...ERROR_LEVEL_SECTIONS].sort()).toEqual(
      [
        'platform',
        'apt_sources',
        'packages',
        'runtimes',
        'accounts',
        'services',
        'listeners',
        'files',
        'time',
        'locale',
        'env',
        'conffiles',
        'unowned_files',
        'trees',
        'cron',
      ].sort(),
    );
  });

  it('compare every section that has a report, and none that has none', () => {
    for (const section of FACT_SECTIONS) {
      expect(PARITY_AREAS[section].compare !== undefined, section).toBe(PARITY_AREAS[section].report !== 'none');
    }
  });

  it('own every drift topic: each declared by one area, none by two (a spread would hide the second silently)', async () => {
    const folder = new URL('../../../src/parity/areas/', import.meta.url);
    const modules = await Promise.all(readdirSync(folder).map((name) => import(new URL(name, folder).href) as Promise<Record<string, unknown>>));
    const declared: string[] = [];
    for (const module of modules) {
      for (const [name, value] of Object.entries(module)) if (name.endsWith('Topics')) declared.push(...Object.keys(value as object));
    }
    expect(declared.length).toBeGreaterThan(40);
    expect(new Set(declared).size).toBe(declared.length);
    // Only the availability topics are the comparer's own.
    expect(
      Object.keys(SEVERITY_RULES)
        .filter((topic) => !declared.includes(topic))
        .sort(),
    ).toEqual(['section.absent', 'section.uncollected']);
  });
});
