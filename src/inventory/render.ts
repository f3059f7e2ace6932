import { isDiffering, type InventoryDocument, type InventoryPackage } from './inventory.js';

/**
 * devenv.inventory/v1 as a table (text or Markdown): a row per package, a
 * column per host, "↓" beside a version older than the newest, "—" where a
 * host lacks the package. Packages at one version everywhere are counted, and
 * listed with --verbose. With --package, a row per host instead.
 */

export interface InventoryTextOptions {
  /** List the packages that are the same on every host too. */
  verbose?: boolean;
  /** --package NAME was asked for: one package, a row per host. */
  package?: string;
}

function cellOf(pkg: InventoryPackage, host: string): string {
  const version = pkg.versions[host];
  if (version === undefined) return '—';
  return pkg.lagging.includes(host) ? `${version} ↓` : version;
}

function table(header: string[], rows: string[][], markdown: boolean): string[] {
  if (markdown) {
    const esc = (text: string): string => text.replace(/\|/g, '\\|');
    return [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)];
  }
  const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function laggingLine(doc: InventoryDocument): string | undefined {
  const behind = Object.entries(doc.summary.lagging).filter(([, n]) => n > 0);
  if (behind.length === 0) return undefined;
  return `lagging: ${behind.map(([host, n]) => `${host} (${n} package${n === 1 ? '' : 's'} older than on another host)`).join(', ')}`;
}

function packageView(doc: InventoryDocument, name: string, markdown: boolean): string {
  const lines: string[] = [];
  if (doc.packages.length === 0) return `${markdown ? '### ' : ''}no host has a package named ${name}\n`;
  for (const pkg of doc.packages) {
    lines.push(markdown ? `### ${pkg.kind} package \`${pkg.name}\`` : `${pkg.kind} package ${pkg.name}: newest ${pkg.newest}`, '');
    if (markdown) lines.push(`newest: \`${pkg.newest}\``, '');
    const rows = doc.hosts.map((h) => {
      const version = pkg.versions[h.host];
      const status = version === undefined ? 'not installed' : pkg.lagging.includes(h.host) ? 'lags' : 'newest';
      return [h.host, version ?? '—', status];
    });
    lines.push(...table(['host', 'version', 'status'], rows, markdown), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function render(doc: InventoryDocument, options: InventoryTextOptions, markdown: boolean): string {
  const failed = doc.failed.map((f) => `could not collect ${f.host}: ${f.error}`).join('\n');
  return `${renderTable(doc, options, markdown)}${failed ? `${failed}\n` : ''}`;
}

function renderTable(doc: InventoryDocument, options: InventoryTextOptions, markdown: boolean): string {
  if (options.package !== undefined) return packageView(doc, options.package, markdown);
  const { summary } = doc;
  const apt = doc.packages.filter((p) => p.kind === 'apt').length;
  const shown = options.verbose ? doc.packages : doc.packages.filter(isDiffering);
  const lines: string[] = [];
  const heading = `inventory: ${summary.hosts} hosts, ${summary.packages} packages (${apt} apt, ${summary.packages - apt} pip), ${summary.differing} not at one version everywhere`;
  lines.push(markdown ? `### ${heading}` : heading, '');
  if (shown.length > 0) {
    const rows = shown.map((pkg) => [pkg.name, pkg.kind, ...doc.hosts.map((h) => cellOf(pkg, h.host))]);
    lines.push(...table(['package', 'kind', ...doc.hosts.map((h) => h.host)], rows, markdown), '');
  }
  const lag = laggingLine(doc);
  lines.push(lag ?? 'no host lags behind another');
  const same = summary.packages - summary.differing;
  if (!options.verbose && same > 0) lines.push(`(${same} packages at one version on every host: --verbose lists them)`);
  return `${lines.join('\n')}\n`;
}

export function renderInventoryText(doc: InventoryDocument, options: InventoryTextOptions = {}): string {
  return render(doc, options, false);
}

export function renderInventoryMarkdown(doc: InventoryDocument, options: InventoryTextOptions = {}): string {
  return render(doc, options, true);
}

export function renderInventoryJson(doc: InventoryDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
