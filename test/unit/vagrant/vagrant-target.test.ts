import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { environmentState } from '../../../src/backends/vagrant/vagrant-backend.js';
import { VagrantCli } from '../../../src/backends/vagrant/vagrant-cli.js';
import { controlPathFor, parseSshConfig, VagrantTarget } from '../../../src/targets/vagrant-target.js';

const SSH_CONFIG = `Host default
  HostName 172.17.0.3
  User vagrant
  Port 22
  UserKnownHostsFile /dev/null
  StrictHostKeyChecking no
  IdentityFile /tmp/vd/.vagrant/machines/default/docker/private_key
`;

const target = new VagrantTarget(
  { configFile: '/state/ssh-config', host: 'default', loginUser: 'vagrant', controlPath: '/state/ssh-master.sock' },
  { name: 'mysite (vagrant docker)', container: true },
);

/** What the guest's sh makes of the command line: the argv it would run. */
function argvSeenBySh(command: string): string[] {
  const out = execFileSync('sh', ['-c', `set -- ${command}; for a in "$@"; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('VagrantTarget', () => {
  it('runs as root through sudo -n by default, and as the login user without it', () => {
    expect(target.remoteCommand(['id', '-u'])).toBe('sudo -n -- id -u');
    expect(target.remoteCommand(['id', '-u'], { user: 'vagrant' })).toBe('id -u');
    expect(target.remoteCommand(['id'], { user: 'mysite' })).toBe('sudo -n -H -u mysite -- id');
  });

  it('quotes hostile arguments so the guest shell sees exactly the argv', () => {
    const hostile = ['printf', '%s', 'it\'s; rm -rf / $(id) `id` "q" \n *', '', '-n'];
    expect(argvSeenBySh(target.remoteCommand(hostile, { user: 'vagrant' }))).toEqual(hostile);
    const wrapped = argvSeenBySh(target.remoteCommand(['cat'], { env: { A: 'x y;$(id)' }, cwd: '/srv/my app' }));
    expect(wrapped).toEqual(['sudo', '-n', '--', 'sh', '-c', 'cd "$1" && shift && exec "$@"', 'devenv-cd', '/srv/my app', 'env', 'A=x y;$(id)', 'cat']);
    expect(() => target.remoteCommand(['true'], { env: { 'A;B': '1' } })).toThrow(/not an environment variable name/);
  });

  it('describes itself as a vagrant machine, a container for the docker provider', () => {
    expect(target.describe()).toEqual({ kind: 'vagrant', name: 'mysite (vagrant docker)', container: true });
  });

  it('reads host, address and user from vagrant ssh-config', () => {
    expect(parseSshConfig(SSH_CONFIG)).toEqual({ host: 'default', hostName: '172.17.0.3', user: 'vagrant', port: 22 });
    expect(() => parseSshConfig('')).toThrow(/no Host entry/);
  });

  it('keeps the control socket path short enough for a unix socket', async () => {
    expect(await controlPathFor('/p/.devenv/vagrant/x')).toBe('/p/.devenv/vagrant/x/ssh-master.sock');
    const deep = `/home/someone/${'very-long-folder-name/'.repeat(5)}.devenv/vagrant/mysite`;
    const path = await controlPathFor(deep);
    expect(path.length).toBeLessThan(90);
    expect(path).toMatch(/devenv-ssh-.*\.sock$/);
  });
});

describe('VagrantCli', () => {
  it('says how to install vagrant when it is missing (exit 3)', async () => {
    const cli = new VagrantCli('/tmp', 'docker', '/nonexistent/vagrant');
    expect(() => cli.requireInstalled()).toThrow(/vagrant is not installed/);
    await expect(cli.run(['status'])).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/vagrant is not installed/),
      hint: expect.stringContaining('sudo apt-get install vagrant'),
    });
  });

  it('maps a provider that is not usable to exit 3 with what to install', () => {
    const virtualbox = new VagrantCli('/tmp', 'virtualbox').errorFor(['up'], 'Vagrant::Errors::ProviderNotUsable', 'Vagrant could not detect VirtualBox!');
    expect(virtualbox).toMatchObject({ exitCode: 3, hint: expect.stringContaining('VirtualBox') });
    const libvirt = new VagrantCli('/tmp', 'libvirt').errorFor(['up'], 'Vagrant::Errors::ProviderNotFound', "The provider 'libvirt' could not be found");
    expect(libvirt).toMatchObject({ exitCode: 3, hint: expect.stringContaining('vagrant-libvirt') });
    const other = new VagrantCli('/tmp', 'docker').errorFor(['up'], 'Vagrant::Errors::BoxNotFound', 'no box');
    expect(other).toMatchObject({ exitCode: 4, message: 'vagrant up failed (BoxNotFound): no box' });
  });

  it('never lets Vagrant phone home', () => {
    expect(new VagrantCli('/state', 'docker').env()).toMatchObject({
      VAGRANT_CHECKPOINT_DISABLE: '1',
      VAGRANT_CWD: '/state',
      VAGRANT_DEFAULT_PROVIDER: 'docker',
    });
  });

  it('maps machine states of every provider', () => {
    expect(environmentState('running')).toBe('running');
    expect(environmentState('not_created')).toBe('absent');
    expect(['poweroff', 'shutoff', 'stopped', 'saved'].map(environmentState)).toEqual(['stopped', 'stopped', 'stopped', 'stopped']);
    expect(environmentState('something')).toBe('unknown');
    // virsh domstate, which devenv asks instead of `vagrant status` for libvirt machines.
    expect(['shut_off', 'crashed'].map(environmentState)).toEqual(['stopped', 'stopped']);
  });
});
