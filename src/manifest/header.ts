import { basename } from 'node:path';

/**
 * The "managed by devenv" header: tells whoever opens the file on the machine
 * that hand edits will be overwritten (and lets the checklist find managed
 * files). Only added where the format has comments; a file whose format has
 * none (JSON) or that we cannot recognise is written as given.
 */
export const MANAGED_HEADER_TEXT = 'managed by devenv — do not edit by hand';

type CommentStyle = { line: string } | { open: string; close: string };

const HASH: CommentStyle = { line: '#' };
const DOUBLE_DASH: CommentStyle = { line: '--' };
const XML: CommentStyle = { open: '<!--', close: '-->' };
const SLASHES: CommentStyle = { line: '//' };

const BY_EXTENSION: Record<string, CommentStyle> = {
  conf: HASH,
  cfg: HASH,
  ini: HASH,
  py: HASH,
  sh: HASH,
  bash: HASH,
  service: HASH,
  socket: HASH,
  timer: HASH,
  target: HASH,
  path: HASH,
  mount: HASH,
  network: HASH,
  yaml: HASH,
  yml: HASH,
  toml: HASH,
  env: HASH,
  rules: HASH,
  list: HASH,
  sources: HASH,
  pp: HASH,
  rb: HASH,
  pl: HASH,
  sql: DOUBLE_DASH,
  lua: DOUBLE_DASH,
  xml: XML,
  html: XML,
  js: SLASHES,
  ts: SLASHES,
  css: { open: '/*', close: '*/' },
};

/** Configuration folders whose files have no extension but do have `#` comments. */
const HASH_FOLDERS = [
  '/etc/nginx/',
  '/etc/apache2/',
  '/etc/systemd/',
  '/etc/cron.d/',
  '/etc/default/',
  '/etc/sudoers.d/',
  '/etc/logrotate.d/',
  '/etc/fail2ban/',
  '/etc/ssh/',
  '/etc/sysctl.d/',
  '/etc/security/',
  '/etc/apt/apt.conf.d/',
  '/etc/apt/preferences.d/',
  '/etc/profile.d/',
  '/etc/ufw/',
  '/etc/nftables',
];

const NO_COMMENTS = new Set([
  'json',
  'txt',
  'lock',
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'ico',
  'gz',
  'zip',
  'tar',
  'pem',
  'crt',
  'key',
  'der',
  'p12',
  'bin',
  'so',
  'woff',
  'woff2',
  'pdf',
]);

/**
 * The comment style for a file, from its target path (and, for templates, the
 * template's own name without ".j2" as a fallback). Undefined means: no header.
 */
export function commentStyleFor(path: string, templateName?: string): CommentStyle | undefined {
  for (const candidate of [path, templateName?.replace(/\.(j2|jinja2?|njk)$/, '')]) {
    if (candidate === undefined) continue;
    const name = basename(candidate);
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
    if (NO_COMMENTS.has(extension)) return undefined;
    const byExtension = BY_EXTENSION[extension];
    if (byExtension) return byExtension;
    if (candidate === path && HASH_FOLDERS.some((folder) => path.startsWith(folder))) return HASH;
  }
  return undefined;
}

export function headerLine(style: CommentStyle): string {
  return 'line' in style ? `${style.line} ${MANAGED_HEADER_TEXT}` : `${style.open} ${MANAGED_HEADER_TEXT} ${style.close}`;
}

/**
 * Content with the header in front; after a `#!` line when there is one, since
 * the kernel only reads the interpreter from the very first line. Adding it
 * twice is avoided so a source that already carries it stays unchanged.
 */
export function withManagedHeader(content: string, path: string, templateName?: string): string {
  const style = commentStyleFor(path, templateName);
  if (!style || content.includes(MANAGED_HEADER_TEXT)) return content;
  const header = `${headerLine(style)}\n`;
  if (content.startsWith('#!')) {
    const end = content.indexOf('\n');
    if (end === -1) return `${content}\n${header}`;
    return `${content.slice(0, end + 1)}${header}${content.slice(end + 1)}`;
  }
  if (content.startsWith('<?xml')) {
    const end = content.indexOf('\n');
    if (end !== -1) return `${content.slice(0, end + 1)}${header}${content.slice(end + 1)}`;
  }
  return `${header}${content}`;
}
