/**
 * Masking for what devenv prints: a `secret: true` file never shows its
 * content, and in other files a line that looks like it assigns a password,
 * token or key shows the key but not the value.
 */
export const MASK = '********';

const SECRET_ASSIGNMENT =
  /^(\s*[-+ ]?\s*(?:export\s+)?["']?[\w.-]*(?:pass(?:word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential|auth)[\w.-]*["']?\s*[:=]\s*)(\S.*)$/i;

export function maskSecretLine(line: string): string {
  const match = SECRET_ASSIGNMENT.exec(line);
  return match ? `${match[1]}${MASK}` : line;
}

export function maskSecretLines(text: string): string {
  return text.split('\n').map(maskSecretLine).join('\n');
}

/** What a diff of a secret file shows instead of its lines. */
export function secretDiffPlaceholder(path: string, beforeSha256: string | undefined, afterSha256: string): string {
  const before = beforeSha256 ? `sha256 ${beforeSha256.slice(0, 12)}…` : 'absent';
  return `--- ${path}\n+++ ${path}\n@@ secret content hidden: ${before} → sha256 ${afterSha256.slice(0, 12)}… @@\n`;
}
