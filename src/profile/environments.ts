import type { ProfileData } from './schema.js';
import { configErrorAt, hasPath, type YamlSource } from './yaml-source.js';

/**
 * `environments:` overlays (batou's environments): `-e staging` takes the
 * profile and changes what the staging overlay names, nothing else. Vars are
 * merged key by key over the top-level ones; a production block replaces the
 * top-level one whole (ssh and facts exclude each other, so halves of two
 * blocks would make no sense).
 */
export function applyEnvironment(data: ProfileData, name: string): ProfileData {
  const overlay = data.environments?.[name];
  if (!overlay) throw new Error(`no environment ${name}`);
  const machines =
    data.machines && overlay.machines
      ? Object.fromEntries(
          Object.entries(data.machines).map(([machine, config]) => [
            machine,
            { ...config, production: overlay.machines?.[machine]?.production ?? config.production },
          ]),
        )
      : data.machines;
  return {
    ...data,
    vars: overlay.vars ? { ...data.vars, ...overlay.vars } : data.vars,
    production: overlay.production ?? data.production,
    ...(machines ? { machines } : {}),
  };
}

/** The profile as -e NAME sees it; an environment the profile does not define is exit 2 at its environments: block. */
export function selectEnvironment(source: YamlSource, data: ProfileData, name: string | undefined): ProfileData {
  checkOverlays(source, data);
  if (name === undefined) return data;
  if (data.environments?.[name] === undefined) {
    const known = Object.keys(data.environments ?? {});
    const at = hasPath(source, ['environments']) ? ['environments'] : [];
    throw configErrorAt(
      source,
      at,
      `-e ${name}: the profile has no environment ${JSON.stringify(name)} (${known.length ? `it has ${known.join(', ')}` : 'it has no environments: block'})`,
      {
        which: 'key',
      },
    );
  }
  return applyEnvironment(data, name);
}

/** Where a field of the profile as -e NAME sees it is written: in the overlay when the overlay names it. */
export function fieldOrigin(source: YamlSource, environment: string | undefined, path: readonly (string | number)[]): readonly (string | number)[] {
  if (environment === undefined) return path;
  const inOverlay = ['environments', environment, ...path];
  return hasPath(source, inOverlay.slice(0, 3)) ? inOverlay : path;
}

/**
 * Every overlay follows the profile's shape, with or without -e: one production
 * for a one-machine profile, one per machine (of those there are) with machines:.
 */
function checkOverlays(source: YamlSource, data: ProfileData): void {
  for (const [name, overlay] of Object.entries(data.environments ?? {})) {
    if (data.machines && overlay.production !== undefined) {
      throw configErrorAt(
        source,
        ['environments', name, 'production'],
        'with machines:, production belongs to each machine: write it as machines: { NAME: { production: … } } in this environment',
        { which: 'key' },
      );
    }
    if (overlay.machines === undefined) continue;
    if (!data.machines)
      throw configErrorAt(
        source,
        ['environments', name, 'machines'],
        "the profile has no machines: block: write this environment's production: at its top level",
        { which: 'key' },
      );
    for (const machine of Object.keys(overlay.machines)) {
      if (!(machine in data.machines)) {
        throw configErrorAt(
          source,
          ['environments', name, 'machines', machine],
          `there is no machine ${JSON.stringify(machine)} (machines: ${Object.keys(data.machines).join(', ')})`,
          { which: 'key' },
        );
      }
    }
  }
}
