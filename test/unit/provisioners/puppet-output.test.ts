import { describe, expect, it } from 'vitest';
import { parsePuppetEvent, puppetChanges, puppetFailure } from '../../../src/provisioners/puppet-output.js';

// Lines as puppet 7.23 (Debian's puppet-agent) prints them with --color=false.
const APPLY = `Notice: Compiled catalog for web1 in environment production in 0.23 seconds
Notice: /Stage[main]/Web/File[/etc/web.conf]/ensure: defined content as '{sha256}3b6a'
Notice: /Stage[main]/Web::Config/Exec[migrate db]/returns: executed successfully
Notice: /Stage[main]/Web/Service[web]: Triggered 'refresh' from 1 event
Notice: /Stage[main]/Base/User[ops]/ensure: created
Notice: /Stage[main]/Base/User[ops]/shell: shell changed '/bin/sh' to '/bin/bash'
Notice: Applied catalog in 0.04 seconds
`;

const NOOP = `Notice: Compiled catalog for web1 in environment production in 0.16 seconds
Notice: /Stage[main]/Web/File[/etc/web/app.conf]/content:
--- /etc/web/app.conf	2026-12-01 22:42:56.557627456 +0000
+++ /tmp/puppet-file20261201-2845-xm2bvy	2026-12-01 22:45:24.897621268 +0000
@@ -1,2 +1,2 @@
 # managed by puppet
-greeting = hello
+greeting = hi there

Notice: /Stage[main]/Web/File[/etc/web/app.conf]/content: current_value '{sha256}89ca', should be '{sha256}832e' (noop)
Notice: /Stage[main]/Web/Service[web]: Would have triggered 'refresh' from 1 event
Notice: Class[Web]: Would have triggered 'refresh' from 1 event
Notice: Stage[main]: Would have triggered 'refresh' from 2 events
Notice: Applied catalog in 0.03 seconds
`;

describe('puppet apply output', () => {
  it('names each changed resource once, in order, with what changed', () => {
    expect(puppetChanges(APPLY)).toEqual([
      { resource: 'File[/etc/web.conf]', detail: "ensure: defined content as '{sha256}3b6a'" },
      { resource: 'Exec[migrate db]', detail: 'returns: executed successfully' },
      { resource: 'User[ops]', detail: "ensure: created; shell: shell changed '/bin/sh' to '/bin/bash'" },
    ]);
  });

  it('reads a --noop --show_diff run: the pending change with its diff, refresh notices left out', () => {
    const changes = puppetChanges(NOOP);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ resource: 'File[/etc/web/app.conf]', detail: expect.stringContaining('(noop)') });
    expect(changes[0]!.diff).toContain('-greeting = hello\n+greeting = hi there');
  });

  it('finds nothing in a run that changed nothing', () => {
    expect(puppetChanges('Notice: Compiled catalog for web1 in environment production in 0.2 seconds\nNotice: Applied catalog in 0.03 seconds\n')).toEqual([]);
  });

  it("names the failing resource and keeps Puppet's reason", () => {
    const stderr = `Error: '/bin/false' returned 1 instead of one of [0]
Error: /Stage[main]/Web/Exec[broken step]/returns: change from 'notrun' to ['0'] failed: '/bin/false' returned 1 instead of one of [0]
`;
    expect(puppetFailure(stderr)).toEqual({
      resource: 'Exec[broken step]',
      message: "change from 'notrun' to ['0'] failed: '/bin/false' returned 1 instead of one of [0]",
    });
  });

  it('reports a catalog that does not compile with its own sentence', () => {
    const stderr =
      'Error: Evaluation Error: Error while evaluating a Function Call, Could not find class ::nosuch for web1 (file: /x/site.pp, line: 2, column: 3) on node web1\n';
    expect(puppetFailure(stderr)).toEqual({ message: expect.stringContaining('Could not find class ::nosuch') });
    expect(puppetFailure('Notice: Applied catalog in 0.03 seconds\n')).toBeUndefined();
  });

  it('parses nested containers and titles holding "/" and "]"', () => {
    expect(parsePuppetEvent('Notice: /Stage[main]/Profile::Web/Nginx::Site[shop]/File[/etc/nginx/sites-enabled/shop]/ensure: created')).toEqual({
      level: 'Notice',
      resource: 'File[/etc/nginx/sites-enabled/shop]',
      container: 'Nginx::Site[shop]',
      property: 'ensure',
      message: 'created',
    });
    expect(parsePuppetEvent('Notice: Applied catalog in 0.03 seconds')).toBeUndefined();
  });
});
