/** Permission bits from a stat mode as facts carry it ("640", "0640", "100640"); undefined when unreadable. */
export function permissionBits(mode: string | undefined): number | undefined {
  if (mode === undefined || !/^[0-7]{1,7}$/.test(mode.trim())) return undefined;
  return Number.parseInt(mode.trim(), 8) & 0o7777;
}

export function formatMode(bits: number): string {
  return `0${(bits & 0o7777).toString(8).padStart(3, '0')}`;
}
