/** The last `count` non-empty lines of a command's output, joined on one line (an error message's detail). */
export function lastLines(text: string, count = 3, maxChars = 500): string {
  const lines = text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
  return lines.slice(-count).join(' | ').slice(-maxChars);
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
