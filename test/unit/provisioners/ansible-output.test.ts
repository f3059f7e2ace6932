import { describe, expect, it } from 'vitest';
import { ansibleChanges, ansibleFailure, parseAnsibleEvents, renderAnsibleDiff } from '../../../src/provisioners/ansible-output.js';
import { inventoryFor } from '../../../src/provisioners/ansible.js';

const line = (event: Record<string, unknown>): string => JSON.stringify(event);

describe('ansible task results (devenv_events callback)', () => {
  const text = [
    line({ status: 'ok', task: 'Gathering Facts', action: 'gather_facts', host: 'env', changed: false }),
    line({
      status: 'ok',
      task: 'web : web config',
      action: 'ansible.builtin.template',
      host: 'env',
      changed: true,
      diff: [{ before: 'greeting = hello\n', after: 'greeting = hi\n', before_header: '/etc/web/app.conf', after_header: 'app.conf.j2' }],
    }),
    line({ status: 'ok', task: 'web : web unit', action: 'ansible.builtin.copy', host: 'env', changed: false }),
    line({ status: 'ok', task: 'web : restart web', action: 'ansible.builtin.systemd', handler: true, host: 'env', changed: true }),
    '{"status": "ok", "task": "cut sho',
  ].join('\n');

  it('names changed tasks and handlers once, with their diffs; a line cut short is skipped', () => {
    const events = parseAnsibleEvents(text);
    expect(events).toHaveLength(4);
    const changes = ansibleChanges(events);
    expect(changes.map((c) => c.resource)).toEqual(['web : web config', 'handler web : restart web']);
    expect(changes[0]!.diff).toContain('--- /etc/web/app.conf\n+++ app.conf.j2');
    expect(changes[0]!.diff).toContain('-greeting = hello\n+greeting = hi');
  });

  it('names the failing task with its message and stderr', () => {
    const events = parseAnsibleEvents(
      [
        line({ status: 'ignored', task: 'optional', changed: false, msg: 'meh' }),
        line({ status: 'failed', task: 'web : migrate', changed: false, msg: 'non-zero return code', stderr: 'boom' }),
      ].join('\n'),
    );
    expect(ansibleFailure(events)).toEqual({ resource: 'web : migrate', message: 'non-zero return code: boom' });
    expect(ansibleChanges(events)).toEqual([]);
    expect(ansibleFailure(parseAnsibleEvents(line({ status: 'ok', task: 't', changed: true })))).toBeUndefined();
  });

  it('renders every diff shape Ansible has', () => {
    expect(renderAnsibleDiff({ prepared: '--- a\n+++ b\n' })).toBe('--- a\n+++ b');
    expect(renderAnsibleDiff({ before: { state: 'absent' }, after: { state: 'directory' } })).toBe('- {"state":"absent"}\n+ {"state":"directory"}');
    expect(renderAnsibleDiff([])).toBeUndefined();
    expect(renderAnsibleDiff({ before: 'same\n', after: 'same\n' })).toBeUndefined();
  });
});

describe('the inventory devenv gives ansible-playbook', () => {
  it("holds the environment alone, in the profile's groups, reached through devenv's connection", () => {
    expect(inventoryFor('mysite', '/tmp/x/bridge.sock', ['web', 'eu'])).toEqual({
      all: {
        hosts: { mysite: { ansible_connection: 'devenv', ansible_devenv_socket: '/tmp/x/bridge.sock', ansible_python_interpreter: '/usr/bin/python3' } },
        children: { web: { hosts: { mysite: {} } }, eu: { hosts: { mysite: {} } } },
      },
    });
  });
});
