import { lastLines } from '../core/last-lines.js';
import type { PuppetEntry } from './entries.js';
import { copyTreeInto, readTree, treeHash, type TreeFile } from './code-tree.js';
import { ensureGuestPackage, installedVersion } from './guest-package.js';
import { outcomeOf, type Provisioner, type ProvisionerOutcome, type ProvisionerRun } from './provisioner.js';
import { puppetChanges, puppetFailure } from './puppet-output.js';

/** Debian's agent (bookworm and later name it puppet-agent; it brings facter and hiera). */
export const PUPPET_PACKAGE = 'puppet-agent';

/**
 * `puppet apply` inside the environment, as production runs it: the code tree
 * copied in, its modulepath and hiera config, FACTER_ overrides for the facts
 * that must match production; every other fact is the environment's own.
 */
export class PuppetProvisioner implements Provisioner {
  readonly kind = 'puppet';
  readonly label: string;
  private files: TreeFile[] | undefined;

  constructor(
    private readonly entry: PuppetEntry,
    private readonly installRecommends: boolean,
    /** The manifest as the profile names it, for messages. */
    private readonly manifestAsWritten: string,
  ) {
    this.label = `puppet ${manifestAsWritten}`;
  }

  /** Where the tree lives in the environment: devenv's own folder, one per entry. */
  get guestRoot(): string {
    return `/var/lib/devenv/provisioners/${this.entry.index}-puppet`;
  }

  private tree(): TreeFile[] {
    this.files ??= readTree(this.entry.root);
    return this.files;
  }

  inputs(): unknown {
    const { manifest, modulepath, hiera, config } = this.entry;
    return {
      kind: 'puppet',
      tree: treeHash(this.tree()),
      manifest,
      modulepath,
      hiera,
      facts: config.facts,
      version: config.version ?? null,
      recommends: this.installRecommends,
    };
  }

  /** The puppet apply command line; values are argv elements, never a shell string. */
  argv(noop: boolean): string[] {
    const inGuest = (path: string): string => (path === '.' ? this.guestRoot : `${this.guestRoot}/${path}`);
    const { modulepath, hiera, manifest } = this.entry;
    return [
      'puppet',
      'apply',
      '--color=false',
      '--detailed-exitcodes',
      ...(modulepath.length > 0 ? ['--modulepath', modulepath.map(inGuest).join(':')] : []),
      ...(hiera ? ['--hiera_config', inGuest(hiera)] : []),
      ...(noop ? ['--noop', '--show_diff'] : []),
      inGuest(manifest),
    ];
  }

  private env(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.entry.config.facts).map(([name, value]) => [`FACTER_${name}`, value]));
  }

  private async prepare(run: ProvisionerRun, install: boolean): Promise<boolean> {
    const { version } = this.entry.config;
    if (install) {
      const agent = await run.progress.step(`puppet-agent${version ? ` ${version}` : ''} in the environment`, () =>
        ensureGuestPackage(run.target, PUPPET_PACKAGE, { ...(version ? { version } : {}), installRecommends: this.installRecommends }),
      );
      if (agent === 'installed') run.progress.debug(`installed ${PUPPET_PACKAGE}`);
    } else {
      const have = await installedVersion(run.target, PUPPET_PACKAGE);
      if (have === undefined || (version !== undefined && have !== version)) return false;
    }
    await copyTreeInto(run.target, this.tree(), this.guestRoot);
    return true;
  }

  private async puppet(run: ProvisionerRun, noop: boolean, title: string): Promise<ProvisionerOutcome> {
    const result = await run.progress.step(title, () => run.target.exec(this.argv(noop), { env: this.env(), timeout: 3_600_000 }));
    // --detailed-exitcodes: 0 nothing changed, 2 changed, 4 failures, 6 changes and failures; 1 did not compile.
    const changes = puppetChanges(result.stdout);
    if (result.exitCode === 0 || result.exitCode === 2) return outcomeOf(this, changes);
    const failure = puppetFailure(`${result.stderr}\n${result.stdout}`);
    return outcomeOf(this, changes, {
      ...(failure?.resource ? { resource: failure.resource } : {}),
      message: failure?.message ?? `puppet apply exited ${result.exitCode}`,
      lastLines: lastLines(result.stderr || result.stdout, { count: 8, max: 4000, separator: '\n' }),
    });
  }

  async apply(run: ProvisionerRun): Promise<ProvisionerOutcome> {
    await this.prepare(run, true);
    return this.puppet(run, false, `puppet apply ${this.manifestAsWritten}`);
  }

  async wouldChange(run: ProvisionerRun): Promise<ProvisionerOutcome> {
    if (!(await this.prepare(run, false))) {
      const version = this.entry.config.version;
      return outcomeOf(this, [
        { resource: `Package[${PUPPET_PACKAGE}]`, detail: `would be installed${version ? ` at ${version}` : ''}; the manifest is planned once it is` },
      ]);
    }
    return this.puppet(run, true, `puppet apply --noop ${this.manifestAsWritten}`);
  }

  async changedOnRerun(run: ProvisionerRun): Promise<ProvisionerOutcome> {
    return this.puppet(run, false, `puppet apply ${this.manifestAsWritten} again`);
  }
}
