/**
 * The app's own Python dependencies, as the project pins them (pure): `name==version`
 * lines of requirements.txt and the `dependencies` of pyproject.toml's [project].
 * Only exact pins become pip resources (and so enter the lock and the archive);
 * ranges and URLs are reported as left out, for the user to pin.
 */
export interface PythonPins {
  pins: { name: string; version: string }[];
  /** Requirements that are not exact pins, as written. */
  unpinned: string[];
}

const EXACT_PIN = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*===?\s*([A-Za-z0-9.!+_-]+)\s*$/;

function classify(requirement: string, into: PythonPins): void {
  // Environment markers (`; python_version < "3.12"`) and hashes (`--hash=…`) do not change the pin.
  const spec = requirement
    .split(';')[0]!
    .replace(/\s--hash=\S+/g, '')
    .trim();
  if (!spec) return;
  const match = EXACT_PIN.exec(spec);
  if (match) into.pins.push({ name: match[1]!, version: match[3]! });
  else into.unpinned.push(spec);
}

export function pinsFromRequirements(text: string): PythonPins {
  const out: PythonPins = { pins: [], unpinned: [] };
  // Continuation lines (a trailing backslash) join the next.
  for (const raw of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    // Options (-r other.txt, -e ., --index-url …) are pip's, not pins.
    if (!line || line.startsWith('-')) continue;
    classify(line, out);
  }
  return out;
}

/** The `dependencies = [ … ]` array of [project] (a TOML subset: double- or single-quoted strings). */
export function pinsFromPyproject(text: string): PythonPins {
  const out: PythonPins = { pins: [], unpinned: [] };
  const project = /^\[project\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)?.[1] ?? '';
  const array = /^dependencies\s*=\s*\[([\s\S]*?)\]/m.exec(project)?.[1];
  if (!array) return out;
  for (const match of array.matchAll(/"([^"]*)"|'([^']*)'/g)) classify(match[1] ?? match[2] ?? '', out);
  return out;
}
