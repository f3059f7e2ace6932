/**
 * The two small Ansible plugins devenv ships, written to a run's own folder and
 * named to ansible-playbook through its environment (never installed anywhere):
 *
 * - connection `devenv`: every command, file put and fetch of a task goes back
 *   over a Unix socket to the devenv process that started ansible-playbook, which
 *   runs it through its own Target (the Engine API, vagrant, SSH). So the same
 *   playbook reaches a container without an sshd, a VM and a remote engine alike,
 *   and nothing of Ansible is installed in the environment: production built by
 *   Ansible has no ansible packages either, so none shows as drift.
 * - callback `devenv_events`: one JSON line per task result (name, changed,
 *   failed, message, diff) to a file devenv reads: task names for the plan, the
 *   idempotence check and the failing task, whatever stdout callback the team uses.
 */
export const CONNECTION_PLUGIN = String.raw`# Shipped by devenv: runs Ansible's commands through devenv's own target.
from __future__ import annotations

DOCUMENTATION = r'''
name: devenv
short_description: run tasks through the devenv process that started ansible-playbook
description:
  - Each command, file put and fetch is sent over a Unix socket to devenv, which
    runs it in its environment the way it runs everything else there.
author: devenv
options:
  devenv_socket:
    description: The Unix socket devenv listens on for this run.
    vars:
      - name: ansible_devenv_socket
    env:
      - name: DEVENV_ANSIBLE_SOCKET
'''

import base64
import json
import socket

from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.connection import ConnectionBase


def _b64(data):
    if data is None:
        return None
    if isinstance(data, str):
        data = data.encode('utf-8')
    return base64.b64encode(data).decode('ascii')


class Connection(ConnectionBase):
    transport = 'devenv'
    has_pipelining = True

    def _connect(self):
        self._connected = True
        return self

    def _request(self, message):
        path = self.get_option('devenv_socket')
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        chunks = []
        try:
            client.connect(path)
            client.sendall(json.dumps(message).encode('utf-8') + b'\n')
            while True:
                chunk = client.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError as error:
            raise AnsibleConnectionFailure('devenv connection at %s: %s' % (path, error))
        finally:
            client.close()
        reply = json.loads(b''.join(chunks).decode('utf-8'))
        if 'error' in reply:
            raise AnsibleConnectionFailure(reply['error'])
        return reply

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
        executable = self._play_context.executable or '/bin/sh'
        reply = self._request({'op': 'exec', 'argv': [executable, '-c', cmd], 'stdin': _b64(in_data)})
        return reply['rc'], base64.b64decode(reply['stdout']), base64.b64decode(reply['stderr'])

    def put_file(self, in_path, out_path):
        super(Connection, self).put_file(in_path, out_path)
        with open(in_path, 'rb') as source:
            self._request({'op': 'put', 'path': out_path, 'content': _b64(source.read())})

    def fetch_file(self, in_path, out_path):
        super(Connection, self).fetch_file(in_path, out_path)
        reply = self._request({'op': 'fetch', 'path': in_path})
        with open(out_path, 'wb') as destination:
            destination.write(base64.b64decode(reply['content']))

    def close(self):
        self._connected = False
`;

export const EVENTS_CALLBACK_PLUGIN = String.raw`# Shipped by devenv: one JSON line per task result, for devenv's report.
from __future__ import annotations

DOCUMENTATION = r'''
name: devenv_events
type: aggregate
short_description: task results as JSON lines for devenv
description:
  - Writes each task result to the file named by DEVENV_ANSIBLE_EVENTS.
author: devenv
'''

import json
import os

from ansible.playbook.handler import Handler
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'devenv_events'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._out = open(os.environ['DEVENV_ANSIBLE_EVENTS'], 'a', encoding='utf-8')

    def _write(self, status, result):
        data = result._result
        event = {
            'status': status,
            'task': result._task.get_name(),
            'action': result._task.action,
            'handler': isinstance(result._task, Handler),
            'host': result._host.get_name(),
            'changed': bool(data.get('changed')),
        }
        for key in ('msg', 'stderr', 'diff'):
            if data.get(key):
                event[key] = data[key]
        if data.get('results'):
            diffs = [item.get('diff') for item in data['results'] if isinstance(item, dict) and item.get('diff')]
            if diffs and 'diff' not in event:
                event['diff'] = diffs
            msgs = [item.get('msg') for item in data['results'] if isinstance(item, dict) and item.get('failed') and item.get('msg')]
            if msgs and 'msg' not in event:
                event['msg'] = msgs[0]
        self._out.write(json.dumps(event, default=str) + '\n')
        self._out.flush()

    def v2_runner_on_ok(self, result):
        self._write('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write('ignored' if ignore_errors else 'failed', result)

    def v2_runner_on_unreachable(self, result):
        self._write('unreachable', result)
`;
