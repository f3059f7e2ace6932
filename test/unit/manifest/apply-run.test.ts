import { describe, expect, it } from 'vitest';
import { applyPlan, applyPlanSteps } from '../../../src/manifest/apply.js';
import { FILE_BATCH_FIELDS } from '../../../src/targets/file-batch.js';
import { emptyObservedState } from '../../../src/manifest/observed-state.js';
import { PENDING_REFRESH_PATH } from '../../../src/manifest/pending-refresh.js';
import { plan } from '../../../src/manifest/plan.js';
import { renderDesiredContents } from '../../../src/manifest/desired-content.js';
import type { CopyOptions, ExecOptions, ExecResult, Target } from '../../../src/targets/target.js';
import { catalogFromText } from './manifest-text.js';

/** Records what apply asks of a target; commands matching `failing` exit 1. */
class RecordingTarget implements Target {
  readonly log: string[] = [];
  readonly written = new Map<string, string>();
  /** Operations per file batch, in order. */
  readonly batches: number[] = [];
  constructor(private readonly failing: RegExp | undefined = undefined) {}
  async exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    // Consecutive files go in one batch: record each operation as its own write, in order,
    // and answer as the batch script does (index of the first failure on stdout, exit 3).
    if (argv[3] === 'devenv-files') {
      this.batches.push(argv.slice(5).length / FILE_BATCH_FIELDS);
      const stdin = Buffer.from(options?.stdin ?? '');
      let offset = 0;
      for (let i = 0, at = 5; at < argv.length; i++, at += FILE_BATCH_FIELDS) {
        const [path, , , , , , , size] = argv.slice(at, at + FILE_BATCH_FIELDS);
        const line = `copy ${path}`;
        this.log.push(line);
        if (this.failing?.test(line)) return { exitCode: 3, stdout: `${i}\n`, stderr: 'boom' };
        const length = Number(size);
        if (length >= 0) this.written.set(path!, stdin.subarray(offset, offset + length).toString());
        offset += Math.max(length, 0);
      }
      return { exitCode: 0, stdout: '', stderr: '' };
    }
    // Refreshes go in one round trip: record each, answer as the script does.
    if (argv[3] === 'devenv-refresh') {
      const answers: string[] = [];
      for (let at = 4, i = 0; at + 1 < argv.length; at += 2, i++) {
        const line = `systemctl ${argv[at]} ${argv[at + 1]}`;
        this.log.push(line);
        answers.push(this.failing?.test(line) ? `${i} 1 boom` : `${i} 0`);
      }
      return { exitCode: 0, stdout: `${answers.join('\n')}\n`, stderr: '' };
    }
    // apt runs inside the shared-archive wrapper, inside the one that holds back
    // restarts (src/manifest/apt-service-restarts.ts): record the apt command they wrap.
    if (argv[3] === 'devenv-apt') argv = argv.slice(6);
    if (argv[3] === 'devenv-apt-services') argv = argv.slice(7);
    const line = argv.join(' ');
    this.log.push(line);
    if (this.failing?.test(line)) return { exitCode: 1, stdout: '', stderr: 'boom' };
    // is-active says "inactive" so a start really starts.
    return { exitCode: argv[1] === 'is-active' ? 3 : 0, stdout: '', stderr: '' };
  }
  async copy(content: string | Buffer, path: string, _options?: CopyOptions): Promise<void> {
    this.log.push(`copy ${path}`);
    if (this.failing?.test(`copy ${path}`)) throw new Error(`could not write ${path}`);
    this.written.set(path, String(content));
  }
  describe() {
    return { kind: 'local' as const, name: 'recording', container: false };
  }
  async close(): Promise<void> {}
}

const MANIFEST = [
  'apt:',
  '  nginx: {}',
  '  curl: {}',
  'file:',
  '  /etc/nginx/sites-available/site: { content: "a", notify: [service:nginx] }',
  '  /etc/nginx/conf.d/x.conf: { content: "b", notify: [service:nginx], require: [apt:nginx] }',
  'service:',
  '  nginx: { ensure: running, on_refresh: reload }',
].join('\n');

function planned() {
  const catalog = catalogFromText(MANIFEST);
  const observed = {
    ...emptyObservedState(),
    availability: { nginx: { candidate: '1', versions: ['1'] }, curl: { candidate: '2', versions: ['2'] } },
    services: { 'nginx.service': { loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' } },
  };
  return { catalog, plan: plan({ catalog, contents: renderDesiredContents(catalog, { facts: {}, vars: {} }) }, observed) };
}

describe('applyPlan through a target', () => {
  it('runs one apt transaction, writes files, refreshes once at the end, clears the owed refresh', async () => {
    const { catalog, plan: p } = planned();
    const target = new RecordingTarget();
    const outcomes = await applyPlan(target, catalog, p);
    expect(outcomes.map((o) => o.status)).toEqual(['changed', 'changed', 'changed', 'changed', 'changed']);
    const interesting = target.log.filter((l) => l !== 'copy /var/lib/devenv');
    // The owed reload is recorded just before the first change that earns it (the
    // packages earn nothing here), and the record cleared at the end.
    expect(interesting.map((l) => l.replace(/^apt-get install .* (nginx curl)$/, 'apt-get install … $1'))).toEqual([
      'apt-get install … nginx curl',
      `copy ${PENDING_REFRESH_PATH}`,
      'copy /etc/nginx/sites-available/site',
      'copy /etc/nginx/conf.d/x.conf',
      'systemctl reload-or-restart nginx.service',
      `copy ${PENDING_REFRESH_PATH}`,
    ]);
    expect(JSON.parse(target.written.get(PENDING_REFRESH_PATH)!)).toEqual({ refresh: [] });
    // The record and the two files shared one round trip (folder, record, files), and
    // each file got its own content; the record is cleared at the end.
    expect(target.batches).toEqual([4, 2]);
    expect(target.written.get('/etc/nginx/sites-available/site')).toContain('a');
    expect(target.written.get('/etc/nginx/conf.d/x.conf')).toContain('b');
  });

  it('a file that fails in a batch fails alone: the next goes on by itself', async () => {
    const { catalog, plan: p } = planned();
    const target = new RecordingTarget(/^copy \/etc\/nginx\/sites-available\/site$/);
    const outcomes = await applyPlan(target, catalog, p);
    expect(Object.fromEntries(outcomes.map((o) => [o.ref, o.status]))).toMatchObject({
      'file:/etc/nginx/sites-available/site': 'failed',
      'file:/etc/nginx/conf.d/x.conf': 'changed',
    });
    expect(outcomes.find((o) => o.ref === 'file:/etc/nginx/sites-available/site')!.error).toMatch(/could not apply \/etc\/nginx\/sites-available\/site: boom/);
    // The batch (the record first) stopped at the failure; the next file then went alone, once.
    expect(target.batches).toEqual([4, 1]);
    expect(target.log.filter((l) => l === 'copy /etc/nginx/conf.d/x.conf')).toHaveLength(1);
  });

  it('can stop after the packages changed, keeping what they earned owed, for a fresh plan of the rest', async () => {
    const catalog = catalogFromText(
      MANIFEST.replace('nginx: { ensure: running, on_refresh: reload }', 'nginx: { ensure: running, on_refresh: reload, subscribe: [apt:curl] }'),
    );
    const p = plan(
      { catalog, contents: renderDesiredContents(catalog, { facts: {}, vars: {} }) },
      {
        ...emptyObservedState(),
        availability: { nginx: { candidate: '1', versions: ['1'] }, curl: { candidate: '2', versions: ['2'] } },
        services: { 'nginx.service': { loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' } },
      },
    );
    const target = new RecordingTarget();
    const result = await applyPlanSteps(target, catalog, p, { stopAfterPackages: true });
    expect(result.stoppedAfterPackages).toBe(true);
    expect(target.log.filter((l) => !l.startsWith('copy /var/lib/devenv')).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['apt-get install']);
    expect(Object.fromEntries(result.outcomes.map((o) => [o.ref, o.status]))).toMatchObject({
      'apt:nginx': 'changed',
      'apt:curl': 'changed',
      'file:/etc/nginx/sites-available/site': 'unchanged',
      'service:nginx': 'unchanged',
    });
    // Not reached: no diff is reported for it (the next plan shows what really changes).
    expect(result.outcomes.find((o) => o.ref === 'file:/etc/nginx/sites-available/site')!.diff).toBeUndefined();
    // curl changed, so nginx's reload is earned and stays owed; the files have not changed yet.
    // It was recorded before curl's transaction (a cause), and is handed to the next plan.
    expect(target.log.slice(0, 2)).toEqual(['copy /var/lib/devenv', `copy ${PENDING_REFRESH_PATH}`]);
    expect(JSON.parse(target.written.get(PENDING_REFRESH_PATH)!)).toEqual({ refresh: ['service:nginx'] });
    expect(result.owed).toEqual(['service:nginx']);
    // Without the option the same plan runs to the end.
    const whole = await applyPlanSteps(new RecordingTarget(), catalog, p);
    expect(whole.stoppedAfterPackages).toBe(false);
  });

  it('writes no record in a pass of packages that earn nothing, and hands on what was owed before', async () => {
    const { catalog } = planned();
    const p = plan(
      { catalog, contents: renderDesiredContents(catalog, { facts: {}, vars: {} }) },
      {
        ...emptyObservedState(),
        availability: { nginx: { candidate: '1', versions: ['1'] }, curl: { candidate: '2', versions: ['2'] } },
        services: { 'nginx.service': { loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' } },
        pendingRefreshes: ['service:nginx'],
      },
    );
    const target = new RecordingTarget();
    const result = await applyPlanSteps(target, catalog, p, { stopAfterPackages: true, pendingOnTarget: ['service:nginx'] });
    expect(result.stoppedAfterPackages).toBe(true);
    expect(target.log.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['apt-get install']);
    expect(result.owed).toEqual(['service:nginx']);
  });

  it('does not write the record again when it already says what is owed, and clears it at the end', async () => {
    const { catalog } = planned();
    const owed = ['service:nginx'];
    const p = plan(
      { catalog, contents: renderDesiredContents(catalog, { facts: {}, vars: {} }) },
      {
        ...emptyObservedState(),
        availability: { nginx: { candidate: '1', versions: ['1'] }, curl: { candidate: '2', versions: ['2'] } },
        services: { 'nginx.service': { loadState: 'loaded', activeState: 'active', unitFileState: 'enabled' } },
        pendingRefreshes: owed,
      },
    );
    const target = new RecordingTarget();
    await applyPlanSteps(target, catalog, p, { pendingOnTarget: owed });
    expect(target.log.filter((l) => l === `copy ${PENDING_REFRESH_PATH}`)).toHaveLength(1);
    expect(target.log.at(-1)).toBe(`copy ${PENDING_REFRESH_PATH}`);
    expect(JSON.parse(target.written.get(PENDING_REFRESH_PATH)!)).toEqual({ refresh: [] });
  });

  it('skips what depends on a failure and keeps the refresh owed for the next run', async () => {
    const { catalog, plan: p } = planned();
    const target = new RecordingTarget(/^apt-get install/);
    const outcomes = await applyPlan(target, catalog, p);
    expect(Object.fromEntries(outcomes.map((o) => [o.ref, o.status]))).toEqual({
      'apt:nginx': 'failed',
      'apt:curl': 'failed',
      'file:/etc/nginx/sites-available/site': 'changed',
      'file:/etc/nginx/conf.d/x.conf': 'skipped',
      // After its package (an implied edge), so skipped too; the site file did change, so the reload is owed.
      'service:nginx': 'skipped',
    });
    expect(outcomes.find((o) => o.ref === 'file:/etc/nginx/conf.d/x.conf')!.error).toBe('skipped because apt:nginx did not apply');
    expect(target.log).not.toContain('systemctl reload-or-restart nginx.service');
    expect(JSON.parse(target.written.get(PENDING_REFRESH_PATH)!)).toEqual({ refresh: ['service:nginx'] });
  });

  it('keeps a refresh that failed for the next run', async () => {
    const { catalog, plan: p } = planned();
    const target = new RecordingTarget(/reload-or-restart/);
    const outcomes = await applyPlan(target, catalog, p);
    expect(outcomes.find((o) => o.ref === 'service:nginx')!.status).toBe('failed');
    expect(JSON.parse(target.written.get(PENDING_REFRESH_PATH)!)).toEqual({ refresh: ['service:nginx'] });
  });

  it('reloads systemd in the same round trip as the service whose unit it just wrote', async () => {
    const catalog = catalogFromText(
      'file:\n  /etc/systemd/system/app.service: { content: "[Service]\\nExecStart=/bin/true\\n" }\nservice:\n  app: { ensure: running, require: [file:/etc/systemd/system/app.service] }\n',
    );
    const p = plan({ catalog, contents: renderDesiredContents(catalog, { facts: {}, vars: {} }) }, emptyObservedState());
    const target = new RecordingTarget();
    const outcomes = await applyPlan(target, catalog, p);
    expect(outcomes.map((o) => o.status)).toEqual(['changed', 'changed']);
    const service = target.log.find((l) => l.includes('devenv-service'))!;
    // unit, enable, disable, start, stop, daemon-reload first
    expect(service.split(' ').slice(-6)).toEqual(['app.service', '0', '0', '1', '0', '1']);
    expect(target.log.filter((l) => l === 'systemctl daemon-reload')).toEqual([]);
  });

  it('stops, changing no file, when the record of what is owed cannot be written', async () => {
    const { catalog, plan: p } = planned();
    const target = new RecordingTarget(/^copy \/var\/lib\/devenv\/pending-refresh\.json$/);
    await expect(applyPlan(target, catalog, p)).rejects.toThrow(/could not record pending refreshes in \/var\/lib\/devenv\/pending-refresh\.json: boom/);
    expect(target.written.has('/etc/nginx/sites-available/site')).toBe(false);
    expect(target.log.filter((l) => l.startsWith('systemctl'))).toEqual([]);
  });

  it('refuses to start when the plan has a problem, touching nothing', async () => {
    const { catalog, plan: p } = planned();
    const target = new RecordingTarget();
    await expect(
      applyPlan(target, catalog, { ...p, problems: [{ ref: 'apt:nginx', message: 'package nginx version 9 is not available (available: 1)' }] }),
    ).rejects.toThrow('apt:nginx: package nginx version 9 is not available (available: 1); nothing was changed');
    expect(target.log).toEqual([]);
  });
});
