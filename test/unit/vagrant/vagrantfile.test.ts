import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundledTemplatePath,
  macFor,
  renderVagrantfile,
  userNetworkQemuArgs,
  vagrantfileInputs,
  writeVagrantfile,
  type LibvirtInputs,
  type VagrantfileInputs,
  type VagrantProvider,
} from '../../../src/backends/vagrant/vagrantfile.js';
import { loadProfile } from '../../../src/environment/load.js';
import { systemdContainerSpec } from '../../../src/backends/docker/systemd-container-spec.js';

const template = await readFile(bundledTemplatePath(), 'utf8');
// The create flags come from the one systemd spec: here the mode of a rootful Docker 20.10 on cgroup v1.
const cgroupV1Spec = systemdContainerSpec({
  product: 'docker',
  version: '20.10.24',
  apiVersion: '1.41',
  cgroupVersion: 1,
  cgroupDriver: 'cgroupfs',
  rootless: false,
  operatingSystem: 'Debian GNU/Linux 12 (bookworm)',
  arch: 'amd64',
});
const cgroupV1RunArgs = cgroupV1Spec.supported ? cgroupV1Spec.runArgs : [];
const vagrant = spawnSync('vagrant', ['--version'], { encoding: 'utf8' }).status === 0;
const ruby = spawnSync('ruby', ['--version']).status === 0;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devenv-vagrantfile-'));
  await mkdir(join(dir, 'app'));
  await mkdir(join(dir, 'data'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function inputs(provider: VagrantProvider, extra: Partial<VagrantfileInputs> = {}): VagrantfileInputs {
  return {
    provider,
    hostname: 'mysite',
    profileFile: join(dir, 'devenv.yaml'),
    box: provider === 'docker' ? undefined : 'debian/bookworm64',
    image: provider === 'docker' ? 'devenv-box/debian-12-vagrant:0123456789abcdef' : undefined,
    containerName: provider === 'docker' ? 'devenv-vagrant-mysite-12345678' : undefined,
    labels: provider === 'docker' ? { 'devenv.managed': 'true', 'devenv.project': 'mysite' } : undefined,
    systemdRunArgs: provider === 'docker' ? cgroupV1RunArgs : undefined,
    cpus: 2,
    memory: 2 * 1024 ** 3,
    ports: [
      { hostIp: '127.0.0.1', hostPort: 8080, guestPort: 80, protocol: 'tcp' },
      { hostIp: '10.0.0.5', hostPort: 5353, guestPort: 53, protocol: 'udp' },
    ],
    sync: [
      { hostPath: join(dir, 'app'), guest: '/srv/mysite/app', readOnly: false },
      { hostPath: join(dir, 'data'), guest: '/srv/mysite/data', readOnly: true },
    ],
    ...extra,
  };
}

const lines = (text: string): string[] => text.split('\n').map((l) => l.trim());
const USER_NETWORK: LibvirtInputs = {
  uri: 'qemu:///system',
  domainType: 'qemu',
  network: 'user',
  sshPort: 40022,
  macs: ['52:54:00:00:00:01', '52:54:00:00:00:02'],
};

describe('Vagrantfile rendering', () => {
  it('docker provider: devenv image with sshd, systemd-friendly create args, no host port for SSH', () => {
    const text = renderVagrantfile(template, inputs('docker'));
    const l = lines(text);
    expect(l).toContain('config.vm.hostname = "mysite"');
    expect(l).toContain('config.vm.synced_folder ".", "/vagrant", disabled: true');
    expect(l).toContain('config.vm.provider "docker" do |d|');
    expect(l).toContain('d.image = "devenv-box/debian-12-vagrant:0123456789abcdef"');
    expect(l).toContain('d.name = "devenv-vagrant-mysite-12345678"');
    expect(l).toContain('d.has_ssh = true');
    expect(l).toContain('d.remains_running = true');
    expect(text).toContain(
      'd.create_args = ["--tmpfs", "/run:rw,exec", "--tmpfs", "/run/lock:rw", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro", "--stop-signal", "SIGRTMIN+3", "--cpus", "2", "--memory", "2147483648b", "--label", "devenv.managed=true", "--label", "devenv.project=mysite"]',
    );
    expect(l).toContain('config.vm.network "forwarded_port", id: "ssh", guest: 22, host: 2222, disabled: true');
    expect(l).toContain('config.vm.network "forwarded_port", id: "devenv-tcp-8080", guest: 80, host: 8080, host_ip: "127.0.0.1", protocol: "tcp"');
    expect(l).toContain('config.vm.network "forwarded_port", id: "devenv-udp-5353", guest: 53, host: 5353, host_ip: "10.0.0.5", protocol: "udp"');
    expect(l).toContain(`config.vm.synced_folder "${join(dir, 'app')}", "/srv/mysite/app"`);
    expect(l).toContain(`config.vm.synced_folder "${join(dir, 'data')}", "/srv/mysite/data", docker_consistency: "ro"`);
    expect(text).not.toContain('config.vm.box =');
    expect(text).not.toMatch(/virtualbox|libvirt/);
  });

  it("docker provider: the profile's namespaced sysctls become --sysctl create args", () => {
    const text = renderVagrantfile(template, inputs('docker', { sysctls: { 'net.ipv4.tcp_syncookies': '1', 'net.ipv4.conf.all.accept_redirects': '0' } }));
    expect(text).toContain('"--sysctl", "net.ipv4.conf.all.accept_redirects=0", "--sysctl", "net.ipv4.tcp_syncookies=1"]');
  });

  it('virtualbox: the named box, cpus and memory in MiB, ports on their host address', () => {
    const text = renderVagrantfile(template, inputs('virtualbox'));
    const l = lines(text);
    expect(l).toContain('config.vm.box = "debian/bookworm64"');
    expect(l).toContain('config.vm.box_check_update = false');
    expect(l).toContain('config.vm.provider "virtualbox" do |vb|');
    expect(l).toContain('vb.cpus = 2');
    expect(l).toContain('vb.memory = 2048');
    expect(l).toContain('config.vm.network "forwarded_port", id: "devenv-tcp-8080", guest: 80, host: 8080, host_ip: "127.0.0.1", protocol: "tcp"');
    expect(l).toContain(`config.vm.synced_folder "${join(dir, 'data')}", "/srv/mysite/data", mount_options: ["ro"]`);
    expect(text).not.toMatch(/docker|libvirt|id: "ssh"/);
  });

  it('libvirt: the named box, cpus (rounded up) and memory', () => {
    const text = renderVagrantfile(template, inputs('libvirt', { cpus: 1.5, memory: 512 * 1024 ** 2 }));
    const l = lines(text);
    expect(l).toContain('config.vm.box = "debian/bookworm64"');
    expect(l).toContain('config.vm.provider "libvirt" do |lv|');
    expect(l).toContain('lv.cpus = 2');
    expect(l).toContain('lv.memory = 512');
    expect(text).not.toMatch(/virtualbox|docker/);
  });

  it('libvirt in a user-mode network: SSH and ports forwarded by qemu to the addresses named, no vagrant-libvirt forwards, no management network', () => {
    const text = renderVagrantfile(template, inputs('libvirt', { libvirt: USER_NETWORK }));
    const l = lines(text);
    expect(l).toContain('config.ssh.host = "127.0.0.1"');
    expect(l).toContain('config.ssh.port = 40022');
    expect(l).toContain('config.vm.network :public_network, type: "user", mac: "52:54:00:00:00:01", portgroup: "devenv-user", auto_config: false');
    expect(l).toContain('lv.mgmt_attach = false');
    expect(l).toContain('lv.qemu_use_agent = true');
    expect(l).toContain('lv.driver = "qemu"');
    expect(l).toContain('lv.uri = "qemu:///system"');
    expect(l).toContain('lv.cpu_model = "qemu64"');
    expect(l).toContain('config.vm.boot_timeout = 900');
    expect(l).toContain(
      'lv.qemuargs value: "user,id=devenvfwd,net=10.0.3.0/24,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:10.0.0.5:5353-:53"',
    );
    expect(l).toContain('lv.qemuargs value: "virtio-net-pci,netdev=devenvfwd,mac=52:54:00:00:00:02,bus=pci.0,addr=0x10"');
    expect(text).not.toMatch(/forwarded_port/);
    // Synced folders are copies by rsync, never the state folder.
    expect(l).toContain(`config.vm.synced_folder "${join(dir, 'app')}", "/srv/mysite/app", type: "rsync", rsync__exclude: [".devenv/", ".vagrant/"]`);
  });

  it("libvirt with libvirt's own network and KVM: vagrant-libvirt's management network and forwards, the host's CPU", () => {
    const text = renderVagrantfile(template, inputs('libvirt', { libvirt: { uri: 'qemu:///system', domainType: 'kvm', network: 'libvirt' } }));
    const l = lines(text);
    expect(l).toContain('lv.driver = "kvm"');
    expect(l).toContain('config.vm.network "forwarded_port", id: "devenv-tcp-8080", guest: 80, host: 8080, host_ip: "127.0.0.1", protocol: "tcp"');
    expect(text).not.toMatch(/qemuargs|mgmt_attach|config\.ssh\.port|cpu_model|boot_timeout/);
  });

  it('userNetworkQemuArgs binds SSH to 127.0.0.1 whatever the ports say', () => {
    const args = userNetworkQemuArgs(2222, [{ hostIp: '0.0.0.0', hostPort: 8443, guestPort: 443, protocol: 'tcp' }], '52:54:00:aa:bb:cc');
    expect(args[0]).toBe('-netdev');
    expect(args[1]).toBe('user,id=devenvfwd,net=10.0.3.0/24,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=tcp:0.0.0.0:8443-:443');
    expect(args.slice(2)).toEqual(['-device', 'virtio-net-pci,netdev=devenvfwd,mac=52:54:00:aa:bb:cc,bus=pci.0,addr=0x10']);
  });

  it('macFor: stable, locally administered, distinct per seed', () => {
    expect(macFor('a')).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(macFor('a')).toBe(macFor('a'));
    expect(macFor('a')).not.toBe(macFor('b'));
  });

  it('a user-mode network without its SSH port is a programming error, not a broken Vagrantfile', () => {
    expect(() => renderVagrantfile(template, inputs('libvirt', { libvirt: { uri: 'qemu:///system', domainType: 'qemu', network: 'user' } }))).toThrow(
      /SSH port/,
    );
  });

  it('leaves resources out when the profile has none', () => {
    const text = renderVagrantfile(template, inputs('virtualbox', { cpus: undefined, memory: undefined }));
    expect(text).not.toMatch(/vb\.(cpus|memory)/);
  });

  it('keeps hostile values inside Ruby string literals', () => {
    const evil = '"; system("touch /tmp/devenv-pwned") #{`id`}\n__END__';
    const text = renderVagrantfile(
      template,
      inputs('docker', {
        hostname: evil,
        image: evil,
        containerName: evil,
        profileFile: `/tmp/x\nsystem("id")`,
        labels: { 'devenv.profile': evil },
        sync: [{ hostPath: evil, guest: `/srv/${evil}`, readOnly: false }],
      }),
    );
    expect(text).not.toContain('system("touch');
    expect(text).not.toMatch(/^system\("id"\)/m);
    expect(text).not.toMatch(/^__END__/m);
    expect(text).toContain('d.image = "\\"; system(\\"touch /tmp/devenv-pwned\\") \\#{`id`}\\u{a}__END__"');
    if (ruby) {
      const check = spawnSync('ruby', ['-c'], { input: text, encoding: 'utf8' });
      expect(check.stdout.trim()).toBe('Syntax OK');
    }
  });

  it('is rewritten only when its content changes', async () => {
    const path = join(dir, 'state', 'Vagrantfile');
    const text = renderVagrantfile(template, inputs('docker'));
    expect(await writeVagrantfile(path, text)).toBe(true);
    const first = (await stat(path)).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await writeVagrantfile(path, text)).toBe(false);
    expect((await stat(path)).mtimeMs).toBe(first);
    expect(await writeVagrantfile(path, renderVagrantfile(template, inputs('docker', { cpus: 4 })))).toBe(true);
  });

  it('takes its values from a loaded profile', async () => {
    await writeFile(
      join(dir, 'devenv.yaml'),
      [
        'name: mysite',
        'box: debian-12',
        'backend: vagrant',
        'vagrant: { provider: libvirt, box: debian/bookworm64 }',
        'ports: ["8080:80", "0.0.0.0:8443:443"]',
        'sync: ["./app:/srv/app:ro"]',
        'resources: { cpus: 2, memory: 1GiB }',
        '',
      ].join('\n'),
    );
    const profile = await loadProfile(join(dir, 'devenv.yaml'));
    const result = vagrantfileInputs(profile);
    expect(result).toMatchObject({ provider: 'libvirt', box: 'debian/bookworm64', hostname: 'mysite', cpus: 2, memory: 1024 ** 3 });
    expect(result.ports).toEqual([
      { hostIp: '127.0.0.1', hostPort: 8080, guestPort: 80, protocol: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 8443, guestPort: 443, protocol: 'tcp' },
    ]);
    expect(result.sync).toEqual([{ hostPath: join(dir, 'app'), guest: '/srv/app', readOnly: true }]);
  });
});

describe('profile rule: VirtualBox needs vagrant.box', () => {
  it.each([
    ['virtualbox', 'vagrant: { provider: virtualbox }', 5, 22],
    ['virtualbox', 'vagrant:\n  provider: virtualbox', 6, 13],
  ])('%s without a box is a profile error with its position', async (provider, block, line, column) => {
    const file = join(dir, `no-box-${provider}-${line}.yaml`);
    await writeFile(file, `name: mysite\nbox: debian-12\nbackend: vagrant\n# comment\n${block}\n`);
    const error = await loadProfile(file).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 2, code: 'config' });
    expect((error as Error).message).toContain(`:${line}:${column}: vagrant.provider: provider "${provider}" boots a VM from a Vagrant box`);
  });

  it('libvirt needs no box: it boots the box devenv builds from the definition', async () => {
    const file = join(dir, 'libvirt-provider.yaml');
    await writeFile(file, 'name: mysite\nbox: debian-12\nbackend: vagrant\nvagrant: { provider: libvirt }\n');
    await expect(loadProfile(file)).resolves.toMatchObject({ data: { vagrant: { provider: 'libvirt' } } });
  });

  it('the docker provider needs no box', async () => {
    const file = join(dir, 'docker-provider.yaml');
    await writeFile(file, 'name: mysite\nbox: debian-12\nbackend: vagrant\nvagrant: { provider: docker }\n');
    await expect(loadProfile(file)).resolves.toMatchObject({ data: { vagrant: { provider: 'docker' } } });
  });
});

describe.skipIf(!vagrant)(`vagrant validate on rendered files${vagrant ? '' : ' (skipped: vagrant is not installed)'}`, () => {
  it.each(['docker', 'virtualbox', 'libvirt', 'libvirt-user-network'] as const)(
    '%s',
    async (variant) => {
      const provider = variant === 'libvirt-user-network' ? 'libvirt' : variant;
      const machineDir = join(dir, `validate-${variant}`);
      await mkdir(machineDir, { recursive: true });
      await writeFile(
        join(machineDir, 'Vagrantfile'),
        renderVagrantfile(template, inputs(provider, variant === 'libvirt-user-network' ? { libvirt: USER_NETWORK } : {})),
      );
      // VirtualBox is not usable on a machine without it: its provider block is then checked by Ruby only.
      const ignore = provider === 'virtualbox' && spawnSync('VBoxManage', ['--version']).status !== 0;
      const output = execFileSync('vagrant', ['validate', ...(ignore ? ['--ignore-provider'] : [])], {
        cwd: machineDir,
        encoding: 'utf8',
        env: { ...process.env, VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_CWD: machineDir },
      });
      expect(output).toMatch(/Vagrantfile validated successfully/);
      expect(existsSync(join(machineDir, 'Vagrantfile'))).toBe(true);
    },
    60_000,
  );
});
