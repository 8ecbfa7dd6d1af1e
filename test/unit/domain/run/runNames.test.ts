/** Workflow IDs and their file-safe form: one-to-one for every valid cluster name and ticket. */
import assert from 'node:assert/strict';
import { NAME, TICKET } from '../../../../src/domain/request/patterns';
import type { ScaleOutRequest } from '../../../../src/domain/request/request';
import { fileSafe, workflowIdFor } from '../../../../src/domain/run/runNames';

const idOf = (cluster: string, ticket?: string, now?: number) =>
  workflowIdFor(
    {
      cluster: { name: cluster },
      ...(ticket ? { ticket: { id: ticket } } : {}),
    } as unknown as ScaleOutRequest,
    now,
  );

/** A deterministic pseudo-random generator, so a failure can be reproduced. */
function random(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
}

function randomOf(
  next: (n: number) => number,
  first: string,
  middle: string,
  last: string,
  max: number,
): string {
  const len = 1 + next(max);
  let out = first[next(first.length)];
  for (let i = 1; i < len - 1; i++) out += middle[next(middle.length)];
  if (len > 1) out += last[next(last.length)];
  return out;
}

describe('workflowIdFor', () => {
  it('gives the colliding pairs of the old scheme different IDs', () => {
    assert.notEqual(idOf('prod', 'eu-1'), idOf('prod-eu', '1'));
    const tickets = [
      'OPS/12',
      'OPS#12',
      'OPS:12',
      'OPS_12',
      'OPS-12',
      'OPS.12',
    ].map((t) => idOf('prod', t));
    assert.equal(new Set(tickets).size, tickets.length, tickets.join(' '));
    assert.notEqual(idOf('a_b', '1'), idOf('a', 'b_1'));
  });

  it('keeps the common form readable, escapes the rest with _', () => {
    assert.equal(idOf('prod-east', 'OPS-1234'), 'scaleout-prod-east_OPS-1234');
    assert.equal(idOf('prod', 'OPS/12'), 'scaleout-prod_OPS_2f12');
    assert.equal(idOf('my_cluster', 'T_1'), 'scaleout-my__cluster_T__1');
    assert.equal(idOf('prod', undefined, 36 ** 3), 'scaleout-prod-1000');
  });

  it('is one-to-one and URL-safe over many valid clusters and tickets, with and without a ticket', () => {
    const next = random(42);
    const seen = new Map<string, string>();
    const files = new Map<string, string>();
    for (let i = 0; i < 20000; i++) {
      // Small alphabets make collisions of a broken scheme likely.
      const cluster = randomOf(next, 'a1', 'a1._-', 'a1', 6);
      const ticket =
        i % 7 === 0
          ? undefined
          : randomOf(next, 'aA1', 'aA1._:#/-', 'aA1._:#/-', 6);
      assert.match(cluster, NAME);
      if (ticket) assert.match(ticket, TICKET);
      const key = JSON.stringify([
        cluster,
        ticket ?? null,
        i % 7 === 0 ? i % 3 : null,
      ]);
      const id = idOf(cluster, ticket, i % 7 === 0 ? i % 3 : undefined);
      assert.equal(encodeURIComponent(id), id, `${id} is URL-safe`);
      assert.match(id, /^[A-Za-z0-9._-]+$/);
      const before = seen.get(id);
      assert.ok(
        before === undefined || before === key,
        `${key} and ${before} both map to ${id}`,
      );
      seen.set(id, key);
      const file = fileSafe(id);
      const fileBefore = files.get(file);
      assert.ok(
        fileBefore === undefined || fileBefore === id,
        `${id} and ${fileBefore} both file as ${file}`,
      );
      files.set(file, id);
    }
    assert.ok(seen.size > 1000, `only ${seen.size} distinct inputs generated`);
  });
});

describe('fileSafe', () => {
  it('is one-to-one on any workflow ID, including ones typed in the UI', () => {
    const ids = [
      'a/b',
      'a:b',
      'a_b',
      'a_2fb',
      'a__b',
      'a b',
      'a~b',
      'ä',
      '_c3_a4',
      'scaleout-prod-eu-1',
      'scaleout-prod_OPS_2f12',
    ];
    const files = ids.map(fileSafe);
    assert.equal(new Set(files).size, ids.length, files.join(' '));
    for (const f of files) assert.match(f, /^[A-Za-z0-9._-]+$/);
  });

  it('leaves IDs of letters, digits, . and - as they are (the old runs keep their file names)', () => {
    assert.equal(fileSafe('scaleout-lab-46-CHG-46'), 'scaleout-lab-46-CHG-46');
    assert.equal(fileSafe('scaleout-prod_OPS-1'), 'scaleout-prod__OPS-1');
  });
});
