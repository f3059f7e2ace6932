import { describe, expect, it } from 'vitest';
import { runCheck, sectionFailed } from './fixtures.js';

describe('app-supervised', () => {
  it('passes for an enabled, active unit with a restart policy', () => {
    expect(runCheck('app-supervised')).toMatchObject({ status: 'pass', message: expect.stringContaining('mysite enabled, active, Restart=on-failure') });
  });
  it('fails with Restart=no, naming the unit', () => {
    const result = runCheck('app-supervised', (input) => {
      input.facts.services!['mysite']!.restart = 'no';
    });
    expect(result).toMatchObject({ status: 'fail', message: 'mysite has Restart=no' });
  });
  it('fails when the unit is disabled', () => {
    const result = runCheck('app-supervised', (input) => {
      input.facts.services!['mysite']!.enabled = 'disabled';
    });
    expect(result).toMatchObject({ status: 'fail', message: 'mysite is disabled, not enabled' });
  });
  it('fails when no unit runs the app (started by hand)', () => {
    const result = runCheck('app-supervised', (input) => {
      delete input.facts.services!['mysite'];
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('no systemd service runs as mysite') });
  });
  it('warns when the app cannot be identified', () => {
    const result = runCheck('app-supervised', (input) => {
      delete input.checklist.app_user;
      delete input.appName;
    });
    expect(result.status).toBe('warn');
  });
  it('warns when services are missing', () => {
    expect(runCheck('app-supervised', (input) => sectionFailed(input, 'services')).status).toBe('warn');
  });
});

describe('no-multiplexer', () => {
  it('passes when app processes descend from systemd', () => {
    expect(runCheck('no-multiplexer')).toMatchObject({ status: 'pass', message: expect.stringContaining('2 app processes') });
  });
  it('fails for an app process under tmux, naming process and multiplexer', () => {
    const result = runCheck('no-multiplexer', (input) => {
      input.facts.processes!.push(
        { pid: 400, ppid: 1, user: 'ops', comm: 'tmux: server', args: 'tmux new -s app' },
        { pid: 401, ppid: 400, user: 'ops', comm: 'bash', args: '-bash' },
        { pid: 402, ppid: 401, user: 'mysite', comm: 'python3', args: 'python3 manage.py runserver' },
      );
    });
    expect(result.status).toBe('fail');
    expect(result.message).toContain('python3 (pid 402, user mysite) under tmux: server (pid 400)');
  });
  it('fails for screen found through args when comm is generic', () => {
    const result = runCheck('no-multiplexer', (input) => {
      input.facts.processes!.push(
        { pid: 500, ppid: 1, user: 'root', comm: 'SCREEN', args: 'SCREEN -S app' },
        { pid: 501, ppid: 500, user: 'mysite', comm: 'gunicorn', args: 'gunicorn mysite.wsgi' },
      );
    });
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('under SCREEN (pid 500)') });
  });
  it('ignores multiplexers of other users with no app process under them', () => {
    const result = runCheck('no-multiplexer', (input) => {
      input.facts.processes!.push(
        { pid: 600, ppid: 1, user: 'ops', comm: 'tmux: server', args: 'tmux' },
        { pid: 601, ppid: 600, user: 'ops', comm: 'bash', args: '-bash' },
      );
    });
    expect(result.status).toBe('pass');
  });
  it('warns when processes are missing', () => {
    expect(runCheck('no-multiplexer', (input) => sectionFailed(input, 'processes')).status).toBe('warn');
  });
});
