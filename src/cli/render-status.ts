import type { EnvironmentStatus } from '../backends/backend.js';

export const STATUS_SCHEMA_ID = 'devenv.status/v1';

export function statusDocument(status: EnvironmentStatus, extra: Record<string, unknown> = {}): { schema: string } & Record<string, unknown> {
  return { schema: STATUS_SCHEMA_ID, ...status, ...extra };
}

export function renderStatusText(status: EnvironmentStatus): string {
  const lines = [`${status.name}: ${status.state}${status.id ? ` (${status.backend} ${status.id})` : ` (${status.backend})`}`];
  if (status.upToDate === false) lines.push('  the profile changed since this environment was made: `devenv up` recreates it');
  for (const port of status.ports) {
    const host = port.hostIp.includes(':') ? `[${port.hostIp}]` : port.hostIp;
    lines.push(`  port  ${host}:${port.hostPort} → ${port.guestPort}/${port.protocol}`);
  }
  for (const folder of status.sync) {
    const how = folder.copied ? ' (copied: the engine is remote; `devenv sync` copies again)' : folder.readOnly ? ' (read-only)' : '';
    lines.push(`  sync  ${folder.host} → ${folder.guest}${how}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `status`/`up`/`halt`/`destroy --json` of a `machines:` profile: one row per machine, in boot order. */
export const MACHINES_SCHEMA_ID = 'devenv.machines/v1';

export interface MachineRow {
  machine: string;
  status: EnvironmentStatus;
  /** What the command did to it (action, provisioned, cache, …). */
  extra?: Record<string, unknown>;
}

export function machinesDocument(
  project: string,
  rows: readonly MachineRow[],
  extra: Record<string, unknown> = {},
): { schema: string } & Record<string, unknown> {
  return { schema: MACHINES_SCHEMA_ID, name: project, machines: rows.map((row) => ({ machine: row.machine, ...row.status, ...row.extra })), ...extra };
}

/** One block per machine, headed by the machine's name. */
export function renderMachinesText(rows: readonly MachineRow[]): string {
  return rows.map((row) => renderStatusText({ ...row.status, name: row.machine })).join('');
}
