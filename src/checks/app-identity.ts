import type { Facts, ServiceFactsT } from '../facts/schema.js';
import type { CheckInput } from './types.js';

type ProcessFact = NonNullable<Facts['processes']>[number];

export interface AppService {
  name: string;
  facts: ServiceFactsT;
}

/**
 * Which services and processes are "the app". `checklist.app_services` wins when
 * given; otherwise a service is the app's when its unit runs as the app user or
 * is named after the project or the app user (mysite, mysite-worker, mysite@1).
 */
export interface AppIdentity {
  user: string | undefined;
  services: AppService[];
  /** Declared in checklist.app_services but absent from the facts. */
  missingServices: string[];
  /** True when the profile said which services are the app's. */
  explicit: boolean;
}

export function unitBaseName(name: string): string {
  return name.endsWith('.service') ? name.slice(0, -'.service'.length) : name;
}

function namedAfter(unit: string, stems: readonly string[]): boolean {
  const base = unitBaseName(unit);
  return stems.some((stem) => base === stem || base.startsWith(`${stem}-`) || base.startsWith(`${stem}@`) || base.startsWith(`${stem}_`));
}

export function resolveAppIdentity(input: CheckInput): AppIdentity {
  const user = input.checklist.app_user;
  const services = input.facts.services ?? {};
  const declared = input.checklist.app_services;
  if (declared.length > 0) {
    const found: AppService[] = [];
    const missing: string[] = [];
    for (const wanted of declared) {
      const key = [wanted, `${wanted}.service`, unitBaseName(wanted)].find((candidate) => services[candidate] !== undefined);
      const facts = key === undefined ? undefined : services[key];
      if (key !== undefined && facts !== undefined) found.push({ name: key, facts });
      else missing.push(wanted);
    }
    return { user, services: found, missingServices: missing, explicit: true };
  }
  const stems = [input.appName, user].filter((stem): stem is string => stem !== undefined && stem !== '');
  const found = Object.entries(services)
    .filter(([name, facts]) => (user !== undefined && facts.user === user) || namedAfter(name, stems))
    .map(([name, facts]) => ({ name, facts }));
  return { user, services: found, missingServices: [], explicit: false };
}

/** Whether there is anything to identify the app by. */
export function hasAppIdentity(input: CheckInput): boolean {
  return input.checklist.app_user !== undefined || input.checklist.app_services.length > 0 || input.appName !== undefined;
}

/** The app's processes: those running as the app user, plus each app service's main process and its descendants. */
export function appProcesses(facts: Facts, app: AppIdentity): ProcessFact[] {
  const processes = facts.processes ?? [];
  const children = new Map<number, ProcessFact[]>();
  for (const process of processes) {
    const siblings = children.get(process.ppid) ?? [];
    siblings.push(process);
    children.set(process.ppid, siblings);
  }
  const selected = new Map<number, ProcessFact>();
  for (const process of processes) {
    if (app.user !== undefined && process.user === app.user) selected.set(process.pid, process);
  }
  const byPid = new Map(processes.map((process) => [process.pid, process]));
  const queue: number[] = app.services.map((service) => service.facts.main_pid).filter((pid): pid is number => pid !== undefined && pid > 0);
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const process = byPid.get(pid);
    if (process) selected.set(pid, process);
    for (const child of children.get(pid) ?? []) queue.push(child.pid);
  }
  return [...selected.values()].sort((a, b) => a.pid - b.pid);
}

/** The chain of ancestors of a process, nearest first, stopping at PID 1 or a loop. */
export function ancestorsOf(facts: Facts, pid: number): ProcessFact[] {
  const byPid = new Map((facts.processes ?? []).map((process) => [process.pid, process]));
  const chain: ProcessFact[] = [];
  const seen = new Set<number>([pid]);
  let current = byPid.get(pid);
  while (current && current.ppid > 0 && !seen.has(current.ppid)) {
    seen.add(current.ppid);
    const parent = byPid.get(current.ppid);
    if (!parent) break;
    chain.push(parent);
    current = parent;
  }
  return chain;
}

export function describeProcess(process: ProcessFact): string {
  return `${process.comm} (pid ${process.pid}, user ${process.user})`;
}
