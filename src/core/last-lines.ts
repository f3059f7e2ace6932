/**
 * The last lines of a command's output on one line: the detail of an error
 * message (apt, systemctl, ssh and vagrant failures all end with what matters).
 */
export function lastLines(text: string, options: { count?: number; max?: number; separator?: string } = {}): string {
  const { count = 3, max = 500, separator = ' ' } = options;
  return text
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .join(separator)
    .slice(0, max);
}

/** Splits a non-TTY Docker log or attach stream (8-byte frame headers) into its text. */
export function demuxDockerFrames(buffer: Buffer): string {
  let text = '';
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    text += buffer.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
  }
  // Not framed (a TTY container): the bytes are the text.
  return offset === 0 && buffer.length > 0 ? buffer.toString('utf8') : text;
}
