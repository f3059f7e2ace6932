import { isIP } from 'node:net';
import { z } from 'zod';
import { CHECK_IDS } from '../checks/ids.js';
import { describeValue } from './yaml-source.js';

/**
 * The profile schema: the single source of truth for types, defaults, runtime
 * validation and the published JSON Schema (schema/devenv.schema.json).
 */

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const BOX_NAME = /^[a-z0-9][a-z0-9_.-]*$/;

/** Host port mapping: "[ip:]host:guest[/tcp|/udp]". */
export interface PortMapping {
  hostIp: string;
  hostPort: number;
  guestPort: number;
  protocol: 'tcp' | 'udp';
}

export function parsePortMapping(text: string): PortMapping | string {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/.exec(text);
  if (!match) return `${JSON.stringify(text)} is not a port mapping (write "HOST:GUEST", "IP:HOST:GUEST" or add "/udp")`;
  const hostIp = (match[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '');
  if (!isIP(hostIp)) return `${JSON.stringify(hostIp)} is not an IP address`;
  const hostPort = Number(match[2]);
  const guestPort = Number(match[3]);
  for (const port of [hostPort, guestPort]) {
    if (port < 1 || port > 65535) return `port ${port} is out of range (1-65535)`;
  }
  return { hostIp, hostPort, guestPort, protocol: (match[4] as 'tcp' | 'udp' | undefined) ?? 'tcp' };
}

/** Synced folder: "HOST_PATH:GUEST_PATH[:ro]"; the host path is relative to the profile. */
export interface SyncFolder {
  host: string;
  guest: string;
  readOnly: boolean;
}

export function parseSyncFolder(text: string): SyncFolder | string {
  const parts = text.split(':');
  let readOnly = false;
  if (parts.length === 3 && (parts[2] === 'ro' || parts[2] === 'rw')) {
    readOnly = parts[2] === 'ro';
    parts.pop();
  }
  if (parts.length !== 2 || !parts[0] || !parts[1]) return `${JSON.stringify(text)} is not a synced folder (write "HOST_PATH:GUEST_PATH" or add ":ro")`;
  const [host, guest] = parts as [string, string];
  if (host.includes('\0') || guest.includes('\0')) return 'a synced folder path cannot contain a NUL byte';
  if (!guest.startsWith('/')) return `the guest path ${JSON.stringify(guest)} must be absolute`;
  if (guest === '/' || /(^|\/)\.\.(\/|$)/.test(guest)) return `the guest path ${JSON.stringify(guest)} is not allowed (it is "/" or contains "..")`;
  return { host, guest, readOnly };
}

const MIN_MEMORY = 64 * 1024 ** 2;

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

export function parseSize(text: string): number | string {
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) return `${JSON.stringify(text)} is not a size (write e.g. "512MiB" or "2GiB")`;
  const bytes = Math.round(Number(match[1]) * unit);
  if (bytes < MIN_MEMORY) return `${JSON.stringify(text)} is too little memory (at least 64MiB)`;
  return bytes;
}

const portMapping = z.string().transform((text, ctx) => {
  const parsed = parsePortMapping(text);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});

const syncFolder = z.string().transform((text, ctx) => {
  const parsed = parseSyncFolder(text);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});

const memory = z.union([z.number(), z.string()], { error: (issue) => `must be a size such as "2GiB" or a number of bytes, got ${describeValue(issue.input)}` }).transform((value, ctx) => {
  const parsed =
    typeof value === 'number'
      ? Number.isInteger(value) && value >= MIN_MEMORY
        ? value
        : `${value} bytes is too little memory (at least 64MiB)`
      : parseSize(value);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});

const relativeOrAbsolutePath = z
  .string()
  .min(1, 'a path cannot be empty')
  .refine((p) => !p.includes('\0'), 'a path cannot contain a NUL byte');

const absoluteGuestPath = z
  .string()
  .refine((p) => p.startsWith('/'), 'must be an absolute path')
  .refine((p) => !/(^|\/)\.\.(\/|$)/.test(p) && !p.includes('\0'), 'must not contain ".." or NUL');

/** user@host[:port] or ssh://user@host[:port]. Validated so no value can become an ssh option. */
export const SSH_DESTINATION = /^(?:ssh:\/\/)?(?:([a-z_][a-z0-9_.-]*)@)?([A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/;

function sshPortInRange(destination: string): boolean {
  const port = SSH_DESTINATION.exec(destination)?.[3];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

const SKIP_REASON = 'a skip needs a reason (a sentence saying why the check does not apply)';

const port = z.number().int().min(1).max(65535);

export const ProfileSchema = z.strictObject({
  $schema: z.string().optional().describe('JSON Schema reference for editors; ignored by devenv'),
  name: z.string().regex(NAME, 'must be lowercase letters, digits, ".", "_" or "-", starting with a letter or digit').describe('Environment name, used in container and image names'),
  box: z.string().min(1).describe('Base system: a name in boxes/ (debian-12) or a path to a box definition'),
  backend: z.enum(['docker', 'vagrant']).default('docker'),
  vagrant: z
    .strictObject({
      provider: z.enum(['virtualbox', 'libvirt', 'docker']).default('virtualbox'),
      box: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be a Vagrant box name such as debian/bookworm64').optional(),
    })
    .optional(),
  resources: z
    .strictObject({
      cpus: z.number().positive().max(1024).optional(),
      memory: memory.optional(),
    })
    .default({}),
  ports: z.array(portMapping).default([]),
  sync: z.array(syncFolder).default([]),
  manifests: z.array(relativeOrAbsolutePath).default([]),
  vars: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'variable names are letters, digits and _'), z.unknown()).default({}),
  production: z
    .strictObject({
      ssh: z
        .string()
        .regex(SSH_DESTINATION, 'must be user@host[:port] or ssh://user@host[:port]')
        .refine((value) => sshPortInRange(value), 'the port must be between 1 and 65535')
        .optional(),
      facts: relativeOrAbsolutePath.optional(),
      identity: relativeOrAbsolutePath.optional(),
      sudo: z.boolean().default(false),
    })
    .refine((p) => (p.ssh === undefined) !== (p.facts === undefined), 'give exactly one of "ssh" or "facts"')
    .optional(),
  parity: z
    .strictObject({
      ignore: z.array(z.string().min(1)).default([]),
    })
    .default({ ignore: [] }),
  checklist: z
    .strictObject({
      app_user: z.string().regex(/^[a-z_][a-z0-9_-]*\$?$/, 'must be a valid user name').optional(),
      allowed_ports: z.array(port).default([22, 80, 443]),
      datastore_ports: z.array(port).default([3306, 5432, 6379, 11211, 27017, 9200]),
      secrets: z.array(absoluteGuestPath).default([]),
      app_services: z.array(z.string().regex(/^[A-Za-z0-9@_.:-]+$/, 'must be a systemd unit name')).default([]),
      app_paths: z.array(absoluteGuestPath).default([]),
      skip: z.partialRecord(z.enum(CHECK_IDS), z.string({ error: SKIP_REASON }).min(1, SKIP_REASON)).default({}),
    })
    .default({ allowed_ports: [22, 80, 443], datastore_ports: [3306, 5432, 6379, 11211, 27017, 9200], secrets: [], app_services: [], app_paths: [], skip: {} }),
});

export type ProfileInput = z.input<typeof ProfileSchema>;
export type ProfileData = z.output<typeof ProfileSchema>;

/** The JSON Schema editors use; generated, never written by hand. */
export function profileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ProfileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://devenv.dev/schema/devenv.schema.json', title: 'devenv profile' };
}
