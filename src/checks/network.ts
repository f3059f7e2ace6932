import type { Facts } from '../facts/schema.js';
import type { Check } from './types.js';
import { fail, notApplicable, pass, warn } from './types.js';
import { addressScope, formatEndpoint, isLoopback } from './addresses.js';
import { appProcesses, hasAppIdentity, resolveAppIdentity } from './app-identity.js';
import { listSome } from './sections.js';

type SocketListener = NonNullable<Facts['listeners']>['sockets'][number];

function describeListener(listener: SocketListener): string {
  const who = [listener.process, listener.user && `user ${listener.user}`].filter(Boolean).join(', ');
  return `${listener.protocol} ${formatEndpoint(listener.address, listener.port)}${who ? ` (${who})` : ''}`;
}

function uniqueSorted(items: string[]): string[] {
  return [...new Set(items)].sort();
}

export const listenersAllowed: Check = {
  id: 'listeners-allowed',
  title: 'Only allowed ports listen on non-loopback addresses',
  remediation: 'bind internal services to 127.0.0.1 or a unix socket, stop what is not needed, or add the port to checklist.allowed_ports',
  needs: ['listeners'],
  run(input) {
    const allowed = new Set(input.checklist.allowed_ports);
    const exposed = input.facts.listeners!.sockets.filter((listener) => !isLoopback(listener.address));
    const offenders = exposed.filter((listener) => !allowed.has(listener.port));
    if (offenders.length > 0)
      return fail(`listening beyond allowed_ports (${[...allowed].join(', ') || 'none'}): ${listSome(uniqueSorted(offenders.map(describeListener)))}`);
    const ports = [...new Set(exposed.map((listener) => listener.port))].sort((a, b) => a - b);
    return pass(ports.length > 0 ? `non-loopback listeners only on allowed ports ${ports.join(', ')}` : 'nothing listens on a non-loopback address');
  },
};

export const appUnixSocket: Check = {
  id: 'app-unix-socket',
  title: "The app's upstream is a unix socket or loopback",
  remediation: 'have the app server bind a unix socket (gunicorn --bind unix:/run/APP/app.sock) and point the web server at it',
  needs: ['listeners'],
  precheck(input) {
    return hasAppIdentity(input)
      ? undefined
      : warn("the profile names neither checklist.app_user nor checklist.app_services, so the app's listeners cannot be told apart");
  },
  run(input) {
    const app = resolveAppIdentity(input);
    const pids = new Set(appProcesses(input.facts, app).map((process) => process.pid));
    const isApp = (listener: { user?: string | undefined; pid?: number | undefined }): boolean =>
      (app.user !== undefined && listener.user === app.user) || (listener.pid !== undefined && pids.has(listener.pid));
    const { sockets, unix } = input.facts.listeners!;
    const appSockets = sockets.filter(isApp);
    const appUnix = unix.filter((listener) => isApp(listener) || (app.user !== undefined && listener.owner === app.user));
    const exposed = appSockets.filter((listener) => !isLoopback(listener.address));
    if (exposed.length > 0) return fail(`the app listens on a non-loopback address: ${listSome(uniqueSorted(exposed.map(describeListener)))}`);
    // Without CAP_SYS_PTRACE (a default container) ss cannot name other users' processes: such a listener may be the app's.
    const unattributed = sockets.filter((listener) => listener.pid === undefined && listener.user === undefined && !isLoopback(listener.address));
    if (unattributed.length > 0) {
      return warn(
        `cannot tell whether ${listSome(uniqueSorted(unattributed.map(describeListener)))} belong${unattributed.length === 1 ? 's' : ''} to the app: the facts do not name its process`,
        'collect as root on the host (or with CAP_SYS_PTRACE) so listeners name their processes',
      );
    }
    if (appUnix.length > 0) return pass(`the app listens on ${listSome(uniqueSorted(appUnix.map((listener) => listener.path)))}`);
    if (appSockets.length > 0) return pass(`the app listens on loopback only: ${listSome(uniqueSorted(appSockets.map(describeListener)))}`);
    return warn(`no listener belongs to the app (user ${app.user ?? '(unset)'}); is it running?`);
  },
};

export const datastoresLocal: Check = {
  id: 'datastores-local',
  title: 'Datastores listen on loopback or a private address only',
  remediation: 'bind the datastore to 127.0.0.1 (or a private address) in its configuration, e.g. listen_addresses / bind',
  needs: ['listeners'],
  run(input) {
    const datastorePorts = new Set(input.checklist.datastore_ports);
    const datastores = input.facts.listeners!.sockets.filter((listener) => datastorePorts.has(listener.port));
    const exposed = datastores.filter((listener) => {
      const scope = addressScope(listener.address);
      return scope === 'public' || scope === 'wildcard';
    });
    if (exposed.length > 0) return fail(`datastore ports reachable from outside: ${listSome(uniqueSorted(exposed.map(describeListener)))}`);
    if (datastores.length === 0) return pass('no datastore port is listening');
    return pass(`datastores listen locally: ${listSome(uniqueSorted(datastores.map(describeListener)))}`);
  },
};

export const firewallDefaultDeny: Check = {
  id: 'firewall-default-deny',
  title: 'The inbound firewall policy is drop or deny',
  remediation: 'set the inbound default policy to drop (nft: chain input { policy drop; }) and allow only the allowed ports',
  needs: ['firewall'],
  precheck(input) {
    if (!input.target.container) return undefined;
    return notApplicable(
      "in a container the inbound policy belongs to the host and the engine's network, which the container cannot set; check it on a VM or on production",
    );
  },
  run(input) {
    const firewall = input.facts.firewall!;
    if (firewall.backend === 'none') return fail('no firewall is installed (neither nft nor iptables)');
    if (!firewall.readable) return warn('the firewall ruleset could not be read (no privileges)', 'run the check with --sudo so nft/iptables can be read');
    const policy = firewall.default_input.toLowerCase();
    if (policy === 'drop' || policy === 'reject' || policy === 'deny') return pass(`${firewall.backend} inbound default policy is ${policy}`);
    if (policy === 'unknown' || policy === '') return warn(`the ${firewall.backend} inbound default policy could not be determined`);
    return fail(`${firewall.backend} inbound default policy is ${policy}`);
  },
};

export const fail2banSshd: Check = {
  id: 'fail2ban-sshd',
  title: 'fail2ban is active with an sshd jail',
  remediation: 'install fail2ban, enable the [sshd] jail (jail.d/sshd.local: enabled = true) and start the service',
  needs: ['fail2ban'],
  run(input) {
    const fail2ban = input.facts.fail2ban!;
    if (!fail2ban.installed) return fail('fail2ban is not installed');
    if (!fail2ban.active) return fail('fail2ban is installed but not running');
    const jail = fail2ban.jails.find((name) => name === 'sshd' || name === 'ssh');
    if (!jail) return fail(`fail2ban has no sshd jail (jails: ${fail2ban.jails.length > 0 ? listSome(fail2ban.jails) : 'none'})`);
    return pass(`fail2ban is running with the ${jail} jail`);
  },
};
