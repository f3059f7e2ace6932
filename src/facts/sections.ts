import type { FactsSection } from './schema.js';

/** Every data section of devenv.facts/v1, in report order; importers list those they cannot fill in `missing`. */
export const FACT_SECTIONS: readonly FactsSection[] = [
  'platform', 'resources', 'apt_sources', 'packages', 'runtimes', 'accounts', 'services', 'listeners', 'processes', 'files',
  'conffiles', 'unowned_files', 'trees', 'cron',
  'sysctl', 'time', 'locale', 'ssh', 'firewall', 'env', 'security_updates', 'fail2ban', 'logging',
];

/** The sections an importer did not fill. */
export function missingSections(filled: Record<string, unknown>): FactsSection[] {
  return FACT_SECTIONS.filter((section) => filled[section] === undefined);
}
