import type { PortMapping, ProfileData } from './schema.js';
import { UsageError } from '../core/errors.js';
import { configErrorAt, type YamlSource } from './yaml-source.js';

/**
 * `machines:` — several machines of one application in one profile. A machine
 * inherits every top-level value it does not write (box, resources, sync,
 * manifests; vars key by key), except what belongs to one machine only: its
 * published ports (a host port is bound once) and its production host (web
 * and db are not compared with the same server). Pure: profile data in,
 * machines out.
 */

type MachineInput = NonNullable<ProfileData['machines']>[string];

export interface MachineConfig {
  name: string;
  box: string;
  resources: ProfileData['resources'];
  ports: PortMapping[];
  sync: ProfileData['sync'];
  manifests: string[];
  vars: Record<string, unknown>;
  production: ProfileData['production'];
  depends_on: string[];
}

export function resolveMachine(data: ProfileData, name: string, machine: MachineInput): MachineConfig {
  return {
    name,
    box: machine.box ?? data.box,
    resources: machine.resources ?? data.resources,
    ports: machine.ports ?? [],
    sync: machine.sync ?? data.sync,
    manifests: machine.manifests ?? data.manifests,
    vars: { ...data.vars, ...(machine.vars ?? {}) },
    production: machine.production,
    depends_on: machine.depends_on,
  };
}

/** Every machine with what it inherits, in boot order (dependencies first, then by name). */
export function resolveMachines(data: ProfileData): MachineConfig[] {
  const machines = Object.entries(data.machines ?? {}).map(([name, machine]) => resolveMachine(data, name, machine));
  const order = bootOrder(Object.fromEntries(machines.map((m) => [m.name, m.depends_on])));
  if (!Array.isArray(order)) throw new Error(`machines depend on each other in a circle: ${order.cycle.join(' → ')}`);
  const byName = new Map(machines.map((m) => [m.name, m]));
  return order.map((name) => byName.get(name)!);
}

/**
 * Boot order: a machine after everything it depends on; among machines free
 * to boot, by name, so the order is the same on every run. A circle is
 * returned as the names along it (a → b → a).
 */
export function bootOrder(dependsOn: Record<string, readonly string[]>): string[] | { cycle: string[] } {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    for (const dependency of [...(dependsOn[name] ?? [])].sort()) {
      const cycle = visit(dependency, [...path, name]);
      if (cycle) return cycle;
    }
    state.set(name, 'done');
    order.push(name);
    return undefined;
  };
  for (const name of Object.keys(dependsOn).sort()) {
    const cycle = visit(name, []);
    if (cycle) return { cycle };
  }
  return order;
}

const WILDCARD = new Set(['0.0.0.0', '::']);

/** Rules across machines, each an exit-2 error at the field it is about. */
export function checkMachines(source: YamlSource, data: ProfileData): void {
  const machines = data.machines;
  if (!machines) return;
  const names = Object.keys(machines);
  if (names.length === 0) throw configErrorAt(source, ['machines'], 'names no machine (leave machines: out for a one-machine profile)');
  if (data.ports.length > 0) {
    throw configErrorAt(
      source,
      ['ports'],
      'with machines:, a published port belongs to one machine: move it into that machine (top-level ports would be published by every machine)',
    );
  }
  if (data.production !== undefined) {
    throw configErrorAt(source, ['production'], 'with machines:, production belongs to each machine: write it in the machine it is the production of');
  }
  for (const [name, machine] of Object.entries(machines)) {
    machine.depends_on.forEach((dependency, index) => {
      if (dependency === name) throw configErrorAt(source, ['machines', name, 'depends_on', index], `${name} cannot depend on itself`);
      if (!(dependency in machines))
        throw configErrorAt(
          source,
          ['machines', name, 'depends_on', index],
          `there is no machine ${JSON.stringify(dependency)} (machines: ${names.join(', ')})`,
        );
    });
  }
  const order = bootOrder(Object.fromEntries(Object.entries(machines).map(([name, m]) => [name, m.depends_on])));
  if (!Array.isArray(order)) {
    const [from, to] = order.cycle as [string, string];
    throw configErrorAt(
      source,
      ['machines', from, 'depends_on', machines[from]!.depends_on.indexOf(to)],
      `machines depend on each other in a circle: ${order.cycle.join(' → ')}`,
    );
  }
  const bound: { machine: string; index: number; port: PortMapping }[] = [];
  for (const [name, machine] of Object.entries(machines)) {
    (machine.ports ?? []).forEach((port, index) => {
      const clash = bound.find(
        (other) =>
          other.port.hostPort === port.hostPort &&
          other.port.protocol === port.protocol &&
          (other.port.hostIp === port.hostIp || WILDCARD.has(other.port.hostIp) || WILDCARD.has(port.hostIp)),
      );
      if (clash) {
        throw configErrorAt(
          source,
          ['machines', name, 'ports', index],
          `host port ${port.hostIp}:${port.hostPort}/${port.protocol} is already published by machine ${clash.machine} (ports[${clash.index}])`,
        );
      }
      bound.push({ machine: name, index, port });
    });
  }
}

/**
 * One machine as a one-machine profile's data: what it writes, what it inherits,
 * and its name `<project>-<machine>` (container, saved images and messages say
 * which machine). Its own manifests replace the top-level provisioners with them.
 */
export function machineProfileData(data: ProfileData, machine: MachineConfig): ProfileData {
  const ownManifests = data.machines?.[machine.name]?.manifests !== undefined;
  const { machines: _machines, provisioners, ...rest } = data;
  return {
    ...rest,
    name: `${data.name}-${machine.name}`,
    box: machine.box,
    resources: machine.resources,
    ports: machine.ports,
    sync: machine.sync,
    manifests: machine.manifests,
    vars: machine.vars,
    production: machine.production,
    ...(provisioners !== undefined && !ownManifests ? { provisioners } : {}),
  };
}

/**
 * The machines a command works on, in boot order: those named (all when none
 * is), with what they depend on when `withDependencies` (booting web boots db).
 * An unknown name is a usage error naming the machines there are.
 */
export function selectMachines<M extends { name: string; dependsOn: readonly string[] }>(
  machines: readonly M[],
  wanted: readonly string[],
  options: { withDependencies: boolean },
): M[] {
  if (wanted.length === 0) return [...machines];
  const byName = new Map(machines.map((m) => [m.name, m]));
  const unknown = wanted.filter((name) => !byName.has(name));
  if (unknown.length > 0)
    throw unknownMachine(
      unknown[0]!,
      machines.map((m) => m.name),
    );
  const chosen = new Set<string>();
  const add = (name: string): void => {
    if (chosen.has(name)) return;
    chosen.add(name);
    if (options.withDependencies) for (const dependency of byName.get(name)!.dependsOn) add(dependency);
  };
  wanted.forEach(add);
  return machines.filter((m) => chosen.has(m.name));
}

/** `-m MACHINE` of a command that works on one machine: that machine; with several machines, -m is required. */
export function oneMachine<M extends { name: string }>(machines: readonly M[], wanted: string | undefined, command: string): M {
  if (wanted === undefined) {
    throw new UsageError(`the profile has several machines: say which one with -m MACHINE (${machines.map((m) => m.name).join(', ')})`, {
      hint: `e.g. devenv ${command} -m ${machines[0]?.name ?? 'web'}`,
    });
  }
  const found = machines.find((m) => m.name === wanted);
  if (!found)
    throw unknownMachine(
      wanted,
      machines.map((m) => m.name),
    );
  return found;
}

/** -m or machine arguments on a profile without `machines:`. */
export function noMachines(wanted: readonly string[]): void {
  if (wanted.length > 0)
    throw new UsageError(
      `the profile has no machines: block, so there is no machine ${JSON.stringify(wanted[0])} (leave the machine name out: the profile is one machine)`,
    );
}

function unknownMachine(name: string, known: readonly string[]): UsageError {
  return new UsageError(`there is no machine ${JSON.stringify(name)} in the profile (machines: ${known.join(', ')})`);
}
