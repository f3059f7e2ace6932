import type { Check } from './types.js';
import { fail, pass, warn } from './types.js';
import { ancestorsOf, appProcesses, describeProcess, hasAppIdentity, resolveAppIdentity } from './app-identity.js';
import { listSome } from './sections.js';

export const appSupervised: Check = {
  id: 'app-supervised',
  title: 'The app runs under systemd, enabled, with a restart policy',
  remediation: 'run the app from a systemd unit with Restart=on-failure (or always) and systemctl enable it',
  needs: ['services'],
  precheck(input) {
    return hasAppIdentity(input)
      ? undefined
      : warn('the profile names neither checklist.app_user nor checklist.app_services', "set checklist.app_services to the app's systemd units");
  },
  run(input) {
    const app = resolveAppIdentity(input);
    const problems = app.missingServices.map((name) => `app service ${name} is not on the target`);
    if (app.services.length === 0 && problems.length === 0) {
      return fail(
        `no systemd service runs as ${app.user ?? '(no app user)'} or is named after ${input.appName ?? app.user ?? 'the app'}`,
        'run the app from a systemd unit; list it in checklist.app_services if it is named otherwise',
      );
    }
    for (const { name, facts } of app.services) {
      if (facts.enabled !== 'enabled') problems.push(`${name} is ${facts.enabled}, not enabled`);
      if (facts.active !== 'active') problems.push(`${name} is ${facts.active}, not active`);
      if (facts.restart === 'no' || facts.restart === '') problems.push(`${name} has Restart=${facts.restart || '(unset)'}`);
    }
    if (problems.length > 0) return fail(problems.join('; '));
    return pass(app.services.map(({ name, facts }) => `${name} enabled, active, Restart=${facts.restart}`).join('; '));
  },
};

const MULTIPLEXER = /^(screen|tmux|byobu|dtach|abduco|zellij)\b/i;

function isMultiplexer(comm: string, args: string): boolean {
  const program = args.trim().split(/\s+/)[0]?.split('/').pop() ?? '';
  return MULTIPLEXER.test(comm) || MULTIPLEXER.test(program);
}

export const noMultiplexer: Check = {
  id: 'no-multiplexer',
  title: 'No app process lives under screen or tmux',
  remediation: 'stop the app inside screen/tmux and run it from its systemd unit instead',
  needs: ['processes', 'services'],
  precheck(input) {
    return hasAppIdentity(input)
      ? undefined
      : warn('the profile names neither checklist.app_user nor checklist.app_services, so app processes cannot be told apart');
  },
  run(input) {
    const app = resolveAppIdentity(input);
    const all = appProcesses(input.facts, app);
    const processes = all.filter((process) => !isMultiplexer(process.comm, process.args));
    // A multiplexer owned by the app user is the same smell even with nothing under it yet.
    const offenders = all
      .filter((process) => isMultiplexer(process.comm, process.args))
      .map((process) => `${describeProcess(process)} is itself a multiplexer`);
    for (const process of processes) {
      const multiplexer = ancestorsOf(input.facts, process.pid).find((ancestor) => isMultiplexer(ancestor.comm, ancestor.args));
      if (multiplexer) offenders.push(`${describeProcess(process)} under ${multiplexer.comm} (pid ${multiplexer.pid})`);
    }
    if (offenders.length > 0) return fail(`app processes in a terminal multiplexer: ${listSome(offenders, 3)}`);
    if (processes.length === 0) return warn('no app process is running, so none could be traced');
    return pass(`${processes.length} app process${processes.length > 1 ? 'es' : ''}, none under screen or tmux`);
  },
};
