/**
 * The `etcd-scaleout` command line on the real stack (test/support/cli.ts): its exit codes and
 * messages for unknown runs, bad requests, unreachable servers and usage errors.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { cli, show, until, useCli } from '../support/cli';
import { getStack } from '../support/stack';

describe('etcd-scaleout CLI on the real stack', () => {
  useCli();

  describe('errors', () => {
    const good = {
      cluster: {
        name: 'lab-43',
        endpoints: [
          'http://127.0.43.11:2379',
          'http://127.0.43.12:2379',
          'http://127.0.43.13:2379',
        ],
        newMemberNetworks: ['127.0.43.0/24'],
      },
      newMembers: [
        {
          name: 'etcd4',
          host: '127.0.43.14',
          peerURL: 'http://127.0.43.14:2380',
          clientURL: 'http://127.0.43.14:2379',
        },
        {
          name: 'etcd5',
          host: '127.0.43.15',
          peerURL: 'http://127.0.43.15:2380',
          clientURL: 'http://127.0.43.15:2379',
        },
      ],
      ssh: {
        user: 'root',
        privateKeyFile: '/nonexistent/id_ed25519',
        knownHostsFile: '/nonexistent/known_hosts',
      },
      ticket: { id: 'ERR-43' },
    };
    const dir = join(require('node:os').tmpdir(), 'etcd-scaleout-cli-test-43');
    const file = (name: string, content: unknown) => {
      require('node:fs').mkdirSync(dir, { recursive: true });
      const f = join(dir, name);
      writeFileSync(
        f,
        typeof content === 'string' ? content : JSON.stringify(content),
      );
      return f;
    };

    it('status and audit of an unknown workflow exit 3', async () => {
      for (const cmd of [
        ['status', 'no-such-run'],
        ['audit', 'no-such-run'],
        ['cancel', 'no-such-run'],
        ['approve', 'no-such-run', '--by', 'alice'],
      ]) {
        const r = await cli(cmd);
        assert.equal(r.code, 3, `${cmd.join(' ')}: ${show(r)}`);
        assert.match(
          r.stderr,
          /workflow no-such-run not found in namespace default at 127\.0\.0\.1:\d+/,
        );
      }
    });

    it('cancel, status and approve refuse a workflow of another type (exit 3), which keeps running', async () => {
      const { client } = await getStack();
      // Another team's workflow in the same namespace; no worker polls its queue, so it stays open.
      const other = await client.workflow.start('someOtherWorkflow', {
        taskQueue: 'not-etcd-scaleout',
        workflowId: `other-${Date.now()}`,
      });
      try {
        for (const cmd of [
          ['cancel', other.workflowId],
          ['status', other.workflowId],
          ['approve', other.workflowId, '--by', 'alice'],
        ]) {
          const r = await cli(cmd);
          assert.equal(r.code, 3, `${cmd.join(' ')}: ${show(r)}`);
          assert.match(
            r.stderr,
            new RegExp(
              `no scale-out "${other.workflowId}" \\(it is a someOtherWorkflow workflow\\)`,
            ),
          );
        }
        assert.equal((await other.describe()).status.name, 'RUNNING');
      } finally {
        await other.terminate('test done');
      }
    });

    it('an audit of a malformed run ID is refused (exit 2), of an unknown run ID not found (exit 3)', async () => {
      const bad = await cli([
        'audit',
        'no-such-run',
        '--run-id',
        'not-a-run-id',
      ]);
      assert.equal(bad.code, 2, show(bad));
      assert.match(
        bad.stderr,
        /refused by Temporal at 127\.0\.0\.1:\d+ .*: .*run/i,
      );
      const unknown = await cli([
        'audit',
        'no-such-run',
        '--run-id',
        '00000000-0000-4000-8000-000000000000',
      ]);
      assert.equal(unknown.code, 3, show(unknown));
      assert.match(
        unknown.stderr,
        /workflow no-such-run run 00000000-0000-4000-8000-000000000000 not found|workflow no-such-run not found/,
      );
    });

    it('an unreachable Temporal server exits 4 naming the address', async () => {
      for (const cmd of [
        ['status', 'x'],
        ['list'],
        ['start', file('good.json', good)],
      ]) {
        const r = await cli(
          cmd,
          { TEMPORAL_ADDRESS: '127.0.43.1:7344' },
          60_000,
        );
        assert.equal(r.code, 4, `${cmd.join(' ')}: ${show(r)}`);
        assert.match(
          r.stderr,
          /cannot connect to Temporal at 127\.0\.43\.1:7344: nothing accepts connections there \(connection refused\)/,
        );
      }
    });

    it('start with an invalid request exits 2 naming each field, and starts nothing', async () => {
      const bad = {
        ...good,
        newMembers: [
          { ...good.newMembers[0], name: 'etcd4;rm -rf /' },
          { ...good.newMembers[1], peerURL: 'http://127.0.43.99:2380' },
        ],
        strategy: { rollbak: 'all' },
      };
      const r = await cli(['start', file('bad.json', bad)]);
      assert.equal(r.code, 2, show(r));
      assert.match(
        r.stderr,
        /invalid request .*bad\.json \(\d+ problems; nothing was started\)/,
      );
      assert.match(
        r.stderr,
        /^ {2}newMembers\[0\]\.name: must be 1-63 lowercase/m,
      );
      assert.match(r.stderr, /^ {2}strategy: unknown field\(s\): rollbak/m);
      const { client } = await getStack();
      await assert.rejects(
        client.workflow.getHandle('scaleout-lab-43_ERR-43').describe(),
        WorkflowNotFoundError,
      );

      const p = await cli(['plan', file('bad.json', bad)]);
      assert.equal(p.code, 2, show(p));
      assert.match(p.stderr, /newMembers\[0\]\.name: must be 1-63 lowercase/);

      const notJson = await cli(['start', file('broken.json', '{"cluster": ')]);
      assert.equal(notJson.code, 2, show(notJson));
      assert.match(notJson.stderr, /broken\.json is not valid JSON/);
      const missing = await cli(['start', join(dir, 'missing.json')]);
      assert.equal(missing.code, 2, show(missing));
      assert.match(
        missing.stderr,
        /cannot read request file .*missing\.json: ENOENT/,
      );
    });

    it('plan against an etcd cluster that is not there exits 4 naming the endpoints', async () => {
      const r = await cli(['plan', file('good.json', good)], {}, 120_000);
      assert.equal(r.code, 4, show(r));
      assert.match(
        r.stderr,
        /cannot read the member list of cluster lab-43 through http:\/\/127\.0\.43\.11:2379/,
      );
    });

    it('a start the server refuses is explained with its reason and what to do (exit 2, nothing started)', async () => {
      // A namespace without the search attributes: the server refuses StartWorkflowExecution.
      const { server } = await getStack();
      const namespace = 'no-search-attributes-cli';
      await server.createNamespace(namespace);
      const r = await until(
        'the new namespace to be served',
        async () => {
          const run = await cli(['start', file('good.json', good)], {
            TEMPORAL_NAMESPACE: namespace,
          });
          return /namespace \S+ not found/i.test(run.stderr) ? undefined : run;
        },
        60_000,
        1000,
      );
      assert.equal(r.code, 2, show(r));
      assert.match(
        r.stderr,
        /Temporal at 127\.0\.0\.1:\d+ \(namespace no-search-attributes-cli\) refused to start scaleout-lab-43_ERR-43: .*search attribute/,
      );
      for (const name of [
        'EtcdCluster',
        'TicketId',
        'RequestedBy',
        'ScaleOutPhase',
      ])
        assert.match(
          r.stderr,
          new RegExp(
            `temporal operator search-attribute create --namespace no-search-attributes-cli --name ${name} --type Keyword`,
          ),
        );
      assert.equal(r.stdout, '', 'no workflow ID: nothing was started');
    });

    it('usage errors exit 2', async () => {
      for (const cmd of [
        [],
        ['frobnicate'],
        ['approve', 'x'],
        ['status'],
        ['status', 'a', 'b'],
        ['list', '--cluster', "x' OR 1=1"],
        ['audit', 'x', '--json', '--markdown'],
        ['start', 'f.json', '--nope'],
      ]) {
        const r = await cli(cmd);
        assert.equal(r.code, 2, `${cmd.join(' ')}: ${show(r)}`);
        assert.ok(
          r.stderr.length > 0 || r.stdout.includes('usage'),
          `${cmd.join(' ')} says why`,
        );
      }
    });
  });
});
