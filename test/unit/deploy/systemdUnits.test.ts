/**
 * The units of deploy/systemd/ as test/support/systemdUnit.ts reads them (the production-guide
 * integration test runs them so): no Temporal address or TLS setting written in them, each reading
 * install.sh's env files, temporal-server with USER and HOME; and the reader's own rules on a unit of
 * its own (quoting, `$$`, `${VAR}`, `$VAR`, EnvironmentFile= over Environment=).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readServiceUnit } from '../../support/systemdUnit';

const UNITS = join(__dirname, '..', '..', '..', '..', 'deploy', 'systemd');
const unit = (name: string) =>
  readServiceUnit(join(UNITS, `${name}.service`), { envFiles: false });

describe('deploy/systemd units', () => {
  it('the worker and the API read the Temporal connection from /etc/etcd-scaleout/temporal.env, not from the unit', () => {
    for (const name of ['etcd-scaleout-worker', 'etcd-scaleout-api']) {
      const u = unit(name);
      assert.ok(
        u.environmentFiles.includes('/etc/etcd-scaleout/temporal.env'),
        name,
      );
      assert.deepEqual(
        Object.keys(u.env).filter((k) => k.startsWith('TEMPORAL_')),
        [],
        name,
      );
      assert.equal(u.workingDirectory, '/opt/etcd-scaleout');
      assert.match(u.execStart.join(' '), /\/node dist\/src\//);
    }
    for (const file of [
      'etcd-scaleout-worker',
      'etcd-scaleout-api',
      'temporal-server',
    ])
      assert.doesNotMatch(
        readFileSync(join(UNITS, `${file}.service`), 'utf8'),
        /127\.0\.0\.1:7233/,
      );
  });

  it('temporal-server runs schema.sh first, sets USER and HOME, reads its password from the file named in its env file', () => {
    const u = unit('temporal-server');
    assert.deepEqual(u.execStartPre, [['/bin/sh', '/etc/temporal/schema.sh']]);
    assert.equal(u.env.USER, 'temporal');
    assert.equal(u.env.HOME, '/etc/temporal');
    assert.deepEqual(u.environmentFiles, ['/etc/temporal/temporal.env']);
    assert.equal(u.execStart[0], '/bin/sh');
    assert.equal(u.execStart[1], '-c');
    assert.match(
      u.execStart[2],
      /^TEMPORAL_DB_PASSWORD="\$\(cat "\$TEMPORAL_DB_PASSWORD_FILE"\)" exec \/usr\/local\/bin\/temporal-server --config-file \/etc\/temporal\/config\.yaml --allow-no-auth start$/,
    );
  });

  it('reads quoting, $$, braced and bare variables as systemd does; EnvironmentFile= over Environment=', () => {
    const dir = mkdtempSync(join(tmpdir(), 'etcd-scaleout-unit-'));
    try {
      writeFileSync(join(dir, 'a.env'), '# c\nB=from-file\nW="x y"\n');
      writeFileSync(
        join(dir, 'a.service'),
        [
          '[Unit]',
          'Description=x',
          '[Service]',
          'Environment=A=1 "B=from line"',
          `EnvironmentFile=${dir}/a.env`,
          'EnvironmentFile=-/nonexistent/b.env',
          `ExecStart=/bin/echo 'q $$HOME' \${B} $W "\${A}x" \\`,
          '  tail',
        ].join('\n'),
      );
      const u = readServiceUnit(join(dir, 'a.service'));
      assert.equal(u.env.B, 'from-file');
      assert.deepEqual(u.execStart, [
        '/bin/echo',
        'q $HOME',
        'from-file',
        'x',
        'y',
        '1x',
        'tail',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
