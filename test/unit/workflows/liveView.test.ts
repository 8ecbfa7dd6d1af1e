import assert from 'node:assert/strict';
import { liveView } from '../../../src/workflows/run/liveView';
import type { Progress } from '../../../src/workflows/run/messages';

const base = (): Progress => ({
  phase: 'validate',
  members: [],
  undone: [],
  approval: { required: false, state: 'not-required' },
  startedAt: '2026-01-02T10:00:00.000Z',
});

describe('live view (current details)', () => {
  it('shows the phase alone before the request is known', () => {
    assert.equal(liveView(base()), '**Phase:** validate');
  });

  it("shows the step, each member's state and timings, the backup and the approval", () => {
    const p: Progress = {
      ...base(),
      phase: 'canary',
      step: 'etcd4: waitForCatchUp',
      cluster: 'lab-21',
      from: 3,
      to: 5,
      members: [
        {
          name: 'etcd4',
          peerURL: 'http://127.0.21.14:2380',
          clientURL: 'http://127.0.21.14:2379',
          stage: 'canary',
          state: 'catching-up',
          timings: {
            startedAt: '2026-01-02T10:00:05.000Z',
            addedAt: '2026-01-02T10:00:06.100Z',
            serviceStartedAt: '2026-01-02T10:00:07.000Z',
          },
        },
        {
          name: 'etcd5',
          peerURL: 'http://127.0.21.15:2380',
          clientURL: 'http://127.0.21.15:2379',
          stage: 'batch',
          state: 'pending',
          timings: {},
        },
      ],
      backup: {
        path: '/b/lab-21.db',
        sizeBytes: 20512,
        revision: '230',
        sha256: 'abcdef0123456789',
        member: 'etcd2',
        takenAt: '2026-01-02T10:00:04.000Z',
        verified: 'sha256-trailer',
      },
      approval: {
        required: true,
        state: 'waiting',
        waitingSince: '2026-01-02T10:00:10.000Z',
        deadline: '2026-01-03T10:00:10.000Z',
      },
    };
    const md = liveView(p);
    assert.match(md, /^\*\*Phase:\*\* canary \(etcd4: waitForCatchUp\)$/m);
    assert.match(
      md,
      /^\*\*Cluster:\*\* lab-21, 3 → 5 members; started 2026-01-02T10:00:00.000Z$/m,
    );
    assert.match(
      md,
      /^\| etcd4 \| canary \| catching-up \| 10:00:05 \| 10:00:06 \| 10:00:07 \| {2}\| {2}\| {2}\| {2}\|$/m,
    );
    assert.match(md, /^\| etcd5 \| batch \| pending \|/m);
    assert.match(
      md,
      /^\*\*Backup:\*\* \/b\/lab-21\.db \(20512 bytes, revision 230, from etcd2, sha256 abcdef012345…\)$/m,
    );
    assert.match(
      md,
      /^\*\*Approval:\*\* waiting since 2026-01-02T10:00:10.000Z/m,
    );
    // Markdown joins adjacent lines into one paragraph: each fact and the table stand apart.
    assert.match(md, /\)\n\n\*\*Cluster:\*\*/);
    assert.match(md, /started 2026-01-02T10:00:00.000Z\n\n\| member \|/);
    assert.match(md, /\| {2}\|\n\n\*\*Backup:\*\*/);
    assert.match(md, /…\)\n\n\*\*Approval:\*\*/);
  });

  it('shows the error and what was undone, with table-breaking characters escaped', () => {
    const md = liveView({
      ...base(),
      phase: 'rollback',
      error: 'ServiceStartFailed: exit 1 | bind: address in use\nlast lines',
      undone: ['removed member etcd5 (2)'],
    });
    assert.match(
      md,
      /^\*\*Error:\*\* ServiceStartFailed: exit 1 \\\| bind: address in use last lines$/m,
    );
    assert.match(md, /^\*\*Undone:\*\* removed member etcd5 \(2\)$/m);
  });

  it('shows each kube-apiserver of the apiservers phase, its state and times', () => {
    const view = liveView({
      ...base(),
      phase: 'apiservers',
      step: '127.0.21.12: waitUntilReady',
      apiservers: [
        {
          host: '127.0.21.11',
          state: 'told',
          startedAt: '2026-01-02T10:01:00.000Z',
          readyAt: '2026-01-02T10:01:15.000Z',
          totalMs: 25_000,
        },
        {
          host: '127.0.21.12',
          state: 'restarting',
          startedAt: '2026-01-02T10:01:26.000Z',
        },
        { host: '127.0.21.13', state: 'pending' },
      ],
    });
    const md = view.replace(/\\\./g, '.'); // cell() escapes a dot after digits (no ordered list)
    assert.match(
      md,
      /^\*\*Phase:\*\* apiservers \(127\.0\.21\.12: waitUntilReady\)$/m,
    );
    assert.match(
      md,
      /^\| kube-apiserver \| state \| changed \| ready \| total \|$/m,
    );
    assert.match(
      md,
      /^\| 127\.0\.21\.11 \| told \| 10:01:00 \| 10:01:15 \| 25\.0 s \|$/m,
    );
    assert.match(
      md,
      /^\| 127\.0\.21\.12 \| restarting \| 10:01:26 \| {2}\| {2}\|$/m,
    );
    assert.match(md, /^\| 127\.0\.21\.13 \| pending \|/m);
  });
});
