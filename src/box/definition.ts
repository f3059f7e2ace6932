import { isAbsolute, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { packageFile } from '../core/package-files.js';
import { z } from 'zod';
import { hashOf } from '../core/hash.js';
import { publishedJsonSchema } from '../profile/schema.js';
import { configErrorAt, readYamlSource, validateSource, type FieldPath, type YamlSource } from '../profile/yaml-source.js';

const DEBIAN_NAME = /^[a-z0-9][a-z0-9.+-]*$/;

const DEBIAN_WORD = 'must be lowercase letters, digits, ".", "+" or "-"';

export const BoxSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be lowercase letters, digits, ".", "_" or "-"')
    .describe('Box name, as profiles write it'),
  os: z
    .strictObject({
      id: z.string().regex(DEBIAN_NAME, DEBIAN_WORD),
      version_id: z.string().regex(/^[0-9.]+$/, 'must be a version such as "12" (quoted, so YAML keeps it a string)'),
      codename: z.string().regex(DEBIAN_NAME, DEBIAN_WORD),
    })
    .describe('What /etc/os-release says in the built system'),
  debootstrap: z
    .strictObject({
      suite: z.string().regex(DEBIAN_NAME, 'must be a Debian suite name'),
      variant: z.enum(['minbase', 'buildd', 'fakechroot']).default('minbase'),
      components: z.array(z.string().regex(DEBIAN_NAME, DEBIAN_WORD)).default(['main']),
    })
    .describe('How debootstrap builds the base system'),
  apt_sources: z
    .array(
      z.strictObject({
        archive: z.string().regex(DEBIAN_NAME, 'must be an archive name such as debian or debian-security'),
        suites: z.array(z.string().regex(DEBIAN_NAME, DEBIAN_WORD)).min(1),
        components: z.array(z.string().regex(DEBIAN_NAME, DEBIAN_WORD)).default(['main']),
      }),
    )
    .min(1)
    .describe('The apt sources production uses, by archive name (the mirror comes from the host)'),
  packages: z.array(z.string().regex(DEBIAN_NAME, 'must be a Debian package name')).default([]).describe('Packages added to the vanilla system'),
  timezone: z
    .string()
    // eslint-disable-next-line no-useless-escape -- schema/box.schema.json publishes the pattern as written here
    .regex(/^[A-Za-z0-9_+\/-]+$/, 'must be a time zone such as Etc/UTC')
    .default('Etc/UTC'),
  locale: z
    .string()
    .regex(/^[A-Za-z0-9_.@-]+$/, 'must be a locale such as C.UTF-8')
    .default('C.UTF-8'),
  mask_units: z
    .array(z.string().regex(/^[A-Za-z0-9@_.:-]+\.(service|mount|socket|timer|target|path)$/, 'must be a systemd unit name such as tmp.mount'))
    .default([])
    .describe('systemd units masked in the box: what cannot work in an unprivileged container (e.g. tmp.mount on trixie)'),
});

export type BoxData = z.output<typeof BoxSchema>;

/** The JSON Schema of box definitions (schema/box.schema.json); generated, never written by hand. */
export function boxJsonSchema(): Record<string, unknown> {
  return publishedJsonSchema(BoxSchema, 'https://devenv.dev/schema/box.schema.json', 'devenv box definition');
}

export interface BoxDefinition extends BoxData {
  /** Absolute path of the definition file. */
  path: string;
  /** Hash of the definition and of the builder's recipe version: the image's cache key. */
  hash: string;
}

/**
 * Bump when the build recipe changes in a way that changes the image.
 * 2: the box keeps apt's package cache (pkgcache.bin), as a host has after `apt-get update`.
 */
export const BOX_RECIPE_VERSION = 2;

/** Where the boxes shipped with devenv live (the package's boxes/ folder). */
export function bundledBoxesDir(): string {
  return packageFile('boxes/');
}

/**
 * A box reference is a name (looked up in the project's boxes/, then devenv's own)
 * or a path to a definition file (relative to the profile's folder).
 */
export function resolveBoxPath(reference: string, profileDir: string): string | undefined {
  if (reference.includes('/') || reference.endsWith('.yaml') || reference.endsWith('.yml')) {
    return isAbsolute(reference) ? reference : resolve(profileDir, reference);
  }
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(reference)) return undefined;
  for (const dir of [join(profileDir, 'boxes'), bundledBoxesDir()]) {
    const candidate = join(dir, `${reference}.yaml`);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export async function loadBoxDefinition(path: string, referencedFrom?: { source: YamlSource; at: FieldPath }): Promise<BoxDefinition> {
  const source = await readYamlSource(path, referencedFrom);
  const data = validateSource(source, BoxSchema);
  return { ...data, path, hash: hashOf({ data, recipe: BOX_RECIPE_VERSION }) };
}

export function listBundledBoxNames(): string[] {
  return ['debian-11', 'debian-12', 'debian-13'].filter((name) => existsSync(join(bundledBoxesDir(), `${name}.yaml`)));
}

export function boxNotFound(source: YamlSource, at: FieldPath, reference: string): Error {
  return configErrorAt(
    source,
    at,
    `no box ${JSON.stringify(reference)} (bundled boxes: ${listBundledBoxNames().join(', ')}; or give a path to a box definition)`,
  );
}
