import { isIP } from 'node:net';

/**
 * Address classes for listener checks. `ss` prints wildcards as 0.0.0.0, [::], ::
 * or *, may bracket IPv6 and may append %interface (127.0.0.53%lo).
 */
export type AddressScope = 'loopback' | 'private' | 'public' | 'wildcard';

export function normalizeAddress(address: string): string {
  let text = address.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const percent = text.indexOf('%');
  if (percent >= 0) text = text.slice(0, percent);
  if (text.toLowerCase().startsWith('::ffff:') && isIP(text.slice(7)) === 4) text = text.slice(7);
  return text;
}

export function addressScope(address: string): AddressScope {
  const text = normalizeAddress(address).toLowerCase();
  if (text === '*' || text === '' || text === '0.0.0.0' || text === '::') return 'wildcard';
  if (isIP(text) === 4) {
    const [a = 0, b = 0] = text.split('.').map(Number);
    if (a === 127) return 'loopback';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
    // Link-local and CGNAT are not reachable from the internet either.
    if ((a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127)) return 'private';
    return 'public';
  }
  if (isIP(text) === 6) {
    if (text === '::1' || /^0*:(0*:)*0*1$/.test(text)) return 'loopback';
    if (/^f[cd][0-9a-f]{0,2}:/.test(text) || /^fe[89ab][0-9a-f]?:/.test(text)) return 'private';
    return 'public';
  }
  // Not an address we understand: treat as reachable, so it is looked at rather than waved through.
  return 'public';
}

export function isLoopback(address: string): boolean {
  return addressScope(address) === 'loopback';
}

/** host:port the way people write it, with brackets for IPv6. */
export function formatEndpoint(address: string, port: number): string {
  const text = normalizeAddress(address);
  return text.includes(':') ? `[${text}]:${port}` : `${text}:${port}`;
}
