// One file over 300 lines on purpose: the profile schema is one zod object (the single source of types,
// defaults and the published JSON Schema); its value parsers sit beside the fields they check.
import { isIP } from 'node:net';
import { z } from 'zod';
import { DEBIAN_VERSION } from '../core/debian-version.js';
import { CHECK_IDS } from '../core/checklist-ids.js';
import { describeValue } from './yaml-source.js';

/**
 * The profile schema: the single source of truth for types, defaults, runtime
 * validation and the published JSON Schema (schema/devenv.schema.json).
 */

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

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
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

export function parseSize(text: string): number | string {
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) return `${JSON.stringify(text)} is not a size (write e.g. "512MiB" or "2GiB")`;
  const bytes = Math.round(Number(match[1]) * unit);
  if (bytes < MIN_MEMORY) return `${JSON.stringify(text)} is too little memory (at least 64MiB)`;
  return bytes;
}

// The patterns are for editors (JSON Schema); the parse functions give the precise sentence.
const portMapping = z
  .string()
  .meta({ pattern: '^(?:(?:\\[[0-9a-fA-F:.]+\\]|[0-9.]+):)?\\d{1,5}:\\d{1,5}(?:/(?:tcp|udp))?$' })
  .transform((text, ctx) => {
    const parsed = parsePortMapping(text);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  });

const syncFolder = z
  .string()
  .meta({ pattern: '^[^:]+:/[^:]*(?::(?:ro|rw))?$' })
  .transform((text, ctx) => {
    const parsed = parseSyncFolder(text);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  });

const memory = z
  .union([z.number(), z.string()], { error: (issue) => `must be a size such as "2GiB" or a number of bytes, got ${describeValue(issue.input)}` })
  .transform((value, ctx) => {
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

/** An `archives:` entry served over HTTP(S) rather than a folder (see src/lock/archive-dir.ts). */
export function isArchiveUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

const archiveLocation = relativeOrAbsolutePath.refine(
  (location) => !isArchiveUrl(location) || URL.canParse(location),
  'an archive URL must be a valid http:// or https:// URL',
);

const absoluteGuestPath = z
  .string()
  .refine((p) => p.startsWith('/'), 'must be an absolute path')
  .refine((p) => !/(^|\/)\.\.(\/|$)/.test(p) && !p.includes('\0'), 'must not contain ".." or NUL');

/** The kernel settings a container may have of its own (Docker's namespaced sysctls). */
export const NAMESPACED_SYSCTL = /^(net\.[a-z0-9_.-]+|kernel\.(shm[a-z_]+|msg[a-z_]+|sem)|fs\.mqueue\.[a-z_]+)$/;

/** user@host[:port] or ssh://user@host[:port]. Validated so no value can become an ssh option. */
export const SSH_DESTINATION = /^(?:ssh:\/\/)?(?:([a-z_][a-z0-9_.-]*)@)?([A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/;

function sshPortInRange(destination: string): boolean {
  const port = SSH_DESTINATION.exec(destination)?.[3];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

/** A fact or extra-var name: what Facter (FACTER_NAME) and Ansible accept as a variable. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An exact Debian version ("7.23.0-1+deb12u1"): only what dpkg accepts, so it can never become an apt option. */

const puppetProvisioner = z
  .strictObject({
    manifest: relativeOrAbsolutePath.describe('The manifest `puppet apply` runs (site.pp), relative to the profile'),
    modulepath: z.array(relativeOrAbsolutePath).default([]).describe('Module folders, relative to the profile (--modulepath)'),
    hiera: relativeOrAbsolutePath.optional().describe('The hiera.yaml (version 5) production uses, relative to the profile (--hiera_config)'),
    facts: z
      .record(
        z.string().regex(VARIABLE_NAME, 'fact names are letters, digits and _'),
        z.union([z.string(), z.number(), z.boolean()]).transform((value) => String(value)),
      )
      .default({})
      .describe('Fact overrides (FACTER_NAME), for what must match production: role, datacenter; every other fact comes from the environment itself'),
    version: z
      .string()
      .regex(DEBIAN_VERSION, 'must be an exact Debian version such as "7.23.0-1+deb12u1"')
      .optional()
      .describe("The puppet-agent package's exact Debian version, as production has it"),
  })
  .describe("Puppet: `puppet apply` of production's manifest inside the environment");

const ansibleProvisioner = z
  .strictObject({
    playbook: relativeOrAbsolutePath.describe('The playbook ansible-playbook runs against the environment, relative to the profile'),
    groups: z
      .array(z.string().regex(VARIABLE_NAME, 'group names are letters, digits and _'))
      .default([])
      .describe("Inventory groups the environment is in (production's hosts' groups)"),
    extra_vars: z.record(z.string().regex(VARIABLE_NAME, 'variable names are letters, digits and _'), z.unknown()).default({}).describe('Extra variables (-e)'),
  })
  .describe("Ansible: ansible-playbook on this machine, reaching the environment through devenv's own connection");

const PROVISIONER_KINDS = ['puppet', 'ansible', 'devenv'] as const;

/** One entry of `provisioners:`: a mapping with exactly one key, the kind. */
const provisionerEntry = z
  .strictObject({
    puppet: puppetProvisioner.optional(),
    ansible: ansibleProvisioner.optional(),
    devenv: z.array(relativeOrAbsolutePath).min(1, 'list at least one manifest').optional().describe("devenv's own manifests, applied in order"),
  })
  .refine(
    (entry) => PROVISIONER_KINDS.filter((kind) => entry[kind] !== undefined).length === 1,
    'an entry names exactly one provisioner: puppet, ansible or devenv',
  );

export type PuppetProvisionerData = z.output<typeof puppetProvisioner>;
export type AnsibleProvisionerData = z.output<typeof ansibleProvisioner>;

const SKIP_REASON = 'a skip needs a reason (a sentence saying why the check does not apply)';

const port = z.number().int().min(1).max(65535);

const VarsSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'variable names are letters, digits and _'), z.unknown());

/** Where parity compares against; the same shape at the top level and in an environment overlay. */
const ProductionSchema = z
  .strictObject({
    ssh: z
      .string()
      .regex(SSH_DESTINATION, 'must be user@host[:port] or ssh://user@host[:port]')
      .refine((value) => sshPortInRange(value), 'the port must be between 1 and 65535')
      .optional()
      .meta({ description: 'Production reached over OpenSSH: user@host[:port] or ssh://user@host[:port]', examples: ['ops@prod.example.com'] }),
    facts: relativeOrAbsolutePath.optional().describe('Production facts saved as JSON (devenv.facts/v1), relative to the profile'),
    identity: relativeOrAbsolutePath.optional().describe('SSH private key for production'),
    sudo: z.boolean().default(false).describe('Collect production facts with sudo'),
  })
  .refine((p) => (p.ssh === undefined) !== (p.facts === undefined), 'give exactly one of "ssh" or "facts"')
  .optional()
  .describe('What parity compares against: exactly one of "ssh" or "facts"');

/** A machine's name is a DNS label: the other machines reach it by that name on their private network. */
export const MACHINE_NAME = /^[a-z][a-z0-9-]{0,30}$/;

/**
 * One machine of several (DESIGN.md "Machines and environments"): what it
 * writes replaces the top-level value for it; what it leaves out it inherits.
 */
const MachineSchema = z
  .strictObject({
    box: z.string().min(1).optional().describe("This machine's base system (default: the top-level box)"),
    resources: z
      .strictObject({
        cpus: z.number().positive().max(1024).optional(),
        memory: memory.optional(),
      })
      .optional()
      .describe('CPU and memory limits of this machine (default: the top-level resources)'),
    ports: z.array(portMapping).optional().describe('Ports published on the host for this machine; nothing is published unless a port says so'),
    sync: z.array(syncFolder).optional().describe('Host folders mounted in this machine'),
    manifests: z.array(relativeOrAbsolutePath).optional().describe("This machine's manifests (default: the top-level manifests)"),
    vars: VarsSchema.optional().describe('Variables of this machine, over the top-level vars (key by key)'),
    production: ProductionSchema.describe("This machine's production host, for parity"),
    depends_on: z
      .array(z.string().regex(MACHINE_NAME, 'must be the name of another machine'))
      .default([])
      .describe('Machines that boot (and provision) before this one'),
  })
  .describe('A machine: each key left out is inherited from the top level');

export const ProfileSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema reference for editors; ignored by devenv'),
    name: z
      .string()
      .regex(NAME, 'must be lowercase letters, digits, ".", "_" or "-", starting with a letter or digit')
      .meta({ description: 'Environment name, used in container and image names', examples: ['mysite'] }),
    box: z
      .string()
      .min(1)
      .meta({
        description: 'Base system: a box name (boxes/NAME.yaml beside the profile, then the bundled boxes) or a path to a box definition',
        examples: ['debian-12'],
      }),
    backend: z.enum(['docker', 'vagrant']).default('docker').describe('Where the environment runs: a Docker container or a Vagrant machine'),
    vagrant: z
      .strictObject({
        provider: z.enum(['virtualbox', 'libvirt', 'docker']).default('virtualbox').describe('The Vagrant provider'),
        box: z
          .string()
          .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be a Vagrant box name such as debian/bookworm64')
          .optional()
          .describe('A Vagrant box to start from instead of the devenv box'),
      })
      .optional()
      .describe('Settings for backend "vagrant" (required with it)'),
    resources: z
      .strictObject({
        cpus: z.number().positive().max(1024).optional().describe('CPUs given to the environment'),
        memory: memory.optional().meta({ description: 'Memory: a size such as "2GiB" or "512MiB", or a number of bytes (at least 64MiB)', examples: ['2GiB'] }),
      })
      .default({})
      .describe('CPU and memory limits'),
    ports: z
      .array(portMapping)
      .default([])
      .meta({
        description: 'Forwarded ports, "HOST:GUEST" (bound to 127.0.0.1), "IP:HOST:GUEST", optionally with "/udp"',
        examples: [['8080:80', '0.0.0.0:8443:443']],
      }),
    sync: z
      .array(syncFolder)
      .default([])
      .meta({
        description: 'Host folders mounted in the guest, "HOST_PATH:GUEST_PATH[:ro]"; the host path is relative to the profile, "~/" is your home',
        examples: [['./:/srv/mysite/app']],
      }),
    manifests: z.array(relativeOrAbsolutePath).default([]).describe('Manifest files applied in order, relative to the profile'),
    archives: z
      .array(archiveLocation)
      .optional()
      .meta({
        description:
          "Own archives (written by `devenv archive export`: a team's shared folder, or the same folder served over HTTP(S)) whose .debs and wheels environments install from; folders relative to the profile",
        examples: [['../team-archive', 'https://archive.example.com/mysite/']],
      }),
    provisioners: z
      .array(provisionerEntry)
      .optional()
      .meta({
        description:
          "What builds the environment, in order after boot: production's own Puppet or Ansible code, and devenv's own manifests; each entry is a stage of the provisioned-image cache. `manifests:` alone is the shorthand for one devenv entry",
        examples: [[{ puppet: { manifest: 'ops/puppet/site.pp', modulepath: ['ops/puppet/modules'] } }, { devenv: ['manifests/app.yaml'] }]],
      }),
    apt: z
      .strictObject({
        install_recommends: z
          .boolean()
          .default(true)
          .describe("Install each package's Recommends, as Debian (and Puppet, Ansible and production) do by default; `init --from` sets it from production"),
        sources: z
          .array(
            z.strictObject({
              archive: z.string().regex(/^[a-z0-9][a-z0-9.+-]*$/, 'an archive name such as debian or debian-security'),
              suites: z.array(z.string().regex(/^[a-z0-9][a-z0-9.+-]*$/, 'a suite such as bookworm-updates')).min(1),
              components: z.array(z.string().regex(/^[a-z0-9][a-z0-9.+-]*$/, 'a component such as main')).default(['main']),
              url: z
                .string()
                .refine((url) => /^https?:\/\//i.test(url) && URL.canParse(url), 'an apt source URL must be a valid http:// or https:// URL')
                .optional()
                .describe(
                  "Where this archive is read instead of the box's mirror: an upstream snapshot of it (the archive as it was on production's day, e.g. …/archive/debian/20261101T000000Z/) or a team's copy; still checked with the box's keyring",
                ),
            }),
          )
          .min(1)
          .optional()
          .describe(
            "Production's apt suites, over the box's mirror or a snapshot archive (default: the box's); `init --from` writes them when production's differ, e.g. a host without -security",
          ),
      })
      .default({ install_recommends: true })
      .describe('How packages are installed'),
    vars: VarsSchema.default({}).describe('Variables visible to templates as vars.NAME'),
    sysctls: z
      .record(
        z
          .string()
          .regex(NAMESPACED_SYSCTL, 'only namespaced kernel settings can be set per environment (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)'),
        z
          .union([z.string(), z.number()])
          .transform((value) => String(value))
          .refine((value) => /^[A-Za-z0-9 ._:-]{1,64}$/.test(value), 'a sysctl value is a short number or word'),
      )
      .default({})
      .meta({
        description:
          'Kernel settings of the environment that production sets in /etc/sysctl.d; a container cannot write /proc/sys, so the backend sets them when it creates the environment',
        examples: [{ 'net.ipv4.conf.all.accept_redirects': 0, 'net.ipv4.tcp_syncookies': 1 }],
      }),
    production: ProductionSchema,
    parity: z
      .strictObject({
        ignore: z
          .array(z.string().min(1))
          .default([])
          .meta({ description: 'Fact paths to ignore; "*" matches within a segment', examples: [['kernel.*']] }),
      })
      .default({ ignore: [] })
      .describe('Parity settings'),
    machines: z
      .record(z.string().regex(MACHINE_NAME, 'a machine name is a DNS label: lowercase letters, digits and "-", starting with a letter'), MachineSchema)
      .optional()
      .meta({
        description: 'Several machines of one application (web, db, …) on a private network of their own, resolving each other by name',
        examples: [{ web: { ports: ['8080:80'], depends_on: ['db'], production: { ssh: 'ops@web1' } }, db: { production: { ssh: 'ops@db1' } } }],
      }),
    environments: z
      .record(
        z.string().regex(NAME, 'an environment name is lowercase letters, digits, ".", "_" or "-"'),
        z
          .strictObject({
            vars: VarsSchema.optional().describe('Variables of this environment, over the top-level vars (key by key)'),
            production: ProductionSchema.describe("This environment's production: replaces the top-level one whole"),
            machines: z
              .record(
                z.string().regex(MACHINE_NAME, 'must be the name of a machine of the profile'),
                z.strictObject({ production: ProductionSchema.describe("This machine's production in this environment: replaces the machine's own whole") }),
              )
              .optional()
              .describe("With machines: in the profile, each machine's production in this environment"),
          })
          .describe('An overlay: only what it names changes'),
      )
      .optional()
      .meta({
        description: "Overlays over the profile (dev, staging, …), chosen with -e/--environment NAME, like batou's environments",
        examples: [{ staging: { vars: { env: 'staging' }, production: { ssh: 'ops@web-staging.example.com' } } }],
      }),
    checklist: z
      .strictObject({
        app_user: z
          .string()
          .regex(/^[a-z_][a-z0-9_-]*\$?$/, 'must be a valid user name')
          .optional()
          .describe('The system user the application runs as'),
        allowed_ports: z.array(port).default([22, 80, 443]).describe('Ports allowed to listen on non-loopback addresses'),
        datastore_ports: z
          .array(port)
          .default([3306, 5432, 6379, 11211, 27017, 9200])
          .describe('Database and cache ports that must listen on loopback or a private address'),
        secrets: z.array(absoluteGuestPath).default([]).describe('Secret files (absolute guest paths) that must not be world-readable'),
        app_services: z
          .array(z.string().regex(/^[A-Za-z0-9@_.:-]+$/, 'must be a systemd unit name'))
          .default([])
          .describe('The systemd units of the application'),
        app_paths: z.array(absoluteGuestPath).default([]).describe('Application code folders (absolute guest paths)'),
        skip: z
          .partialRecord(z.enum(CHECK_IDS), z.string({ error: SKIP_REASON }).min(1, SKIP_REASON))
          .default({})
          .describe('Checks to skip, each with the reason: check id → sentence'),
      })
      .default({
        allowed_ports: [22, 80, 443],
        datastore_ports: [3306, 5432, 6379, 11211, 27017, 9200],
        secrets: [],
        app_services: [],
        app_paths: [],
        skip: {},
      })
      .describe('The hardened staging checklist (devenv check)'),
  })
  .describe('A devenv profile (devenv.yaml)');

export type ProfileInput = z.input<typeof ProfileSchema>;
export type ProfileData = z.output<typeof ProfileSchema>;

/** The JSON Schema editors use; generated, never written by hand. */
export function profileJsonSchema(): Record<string, unknown> {
  return publishedJsonSchema(ProfileSchema, 'https://devenv.dev/schema/devenv.schema.json', 'devenv profile');
}

/** A zod schema as JSON Schema (what a file may contain), with its id and title first. */
export function publishedJsonSchema(schema: z.ZodType, id: string, title: string): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $schema, $id: id, title, ...rest };
}
