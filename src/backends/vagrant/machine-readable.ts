/**
 * Vagrant's `--machine-readable` output: one event per line,
 * `timestamp,target,type,data…`, with commas inside data written as
 * `%!(VAGRANT_COMMA)` and newlines as the two characters `\n`.
 */
export interface VagrantEventBase {
  /** Unix seconds, as Vagrant printed it. */
  timestamp: number;
  /** The machine the event is about ("default"), or "" for the whole run. */
  target: string;
}

export type VagrantEvent = VagrantEventBase &
  (
    | { type: 'ui'; level: string; message: string }
    | { type: 'state'; state: string }
    | { type: 'provider-name'; provider: string }
    | { type: 'error-exit'; errorClass: string; message: string }
    | { type: 'other'; name: string; data: string[] }
  );

export function unescapeField(field: string): string {
  return field
    .replace(/%!\(VAGRANT_COMMA\)/g, ',')
    .replace(/\\n/g, '\n')
    .replace(/\\r/g, '\r');
}

/** One line → one event; undefined for lines that are not machine-readable (plugins sometimes print plain text). */
export function parseMachineReadableLine(line: string): VagrantEvent | undefined {
  const fields = line.replace(/\r$/, '').split(',');
  if (fields.length < 3 || !/^\d+$/.test(fields[0]!)) return undefined;
  const timestamp = Number(fields[0]);
  const target = fields[1]!;
  const type = fields[2]!;
  const data = fields.slice(3).map(unescapeField);
  const base = { timestamp, target };
  switch (type) {
    case 'ui':
      return { ...base, type: 'ui', level: data[0] ?? 'info', message: data.slice(1).join(',') };
    case 'state':
      return { ...base, type: 'state', state: data[0] ?? 'unknown' };
    case 'provider-name':
      return { ...base, type: 'provider-name', provider: data[0] ?? '' };
    case 'error-exit':
      return { ...base, type: 'error-exit', errorClass: data[0] ?? '', message: data.slice(1).join(',') };
    default:
      return { ...base, type: 'other', name: type, data };
  }
}

/** Splits a stream of chunks into lines (a line may arrive in several chunks) and parses each. */
export class MachineReadableParser {
  private pending = '';

  constructor(private readonly onEvent: (event: VagrantEvent) => void) {}

  push(chunk: string): void {
    this.pending += chunk;
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.emit(line);
  }

  end(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = '';
  }

  private emit(line: string): void {
    const event = parseMachineReadableLine(line);
    if (event) this.onEvent(event);
  }
}

export function parseMachineReadable(text: string): VagrantEvent[] {
  const events: VagrantEvent[] = [];
  const parser = new MachineReadableParser((e) => events.push(e));
  parser.push(text);
  parser.end();
  return events;
}

/** A progress line from a ui event: the last non-empty line, without Vagrant's "==> default: " prefix. */
export function progressText(event: VagrantEvent, machine = 'default'): string | undefined {
  if (event.type !== 'ui') return undefined;
  const line = event.message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  const prefix = `${machine}: `;
  const text = line?.replace(/^==> /, '');
  return (text?.startsWith(prefix) ? text.slice(prefix.length).trim() : text) || undefined;
}
