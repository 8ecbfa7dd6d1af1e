/**
 * A PostgreSQL cluster of the lab's own, for the production-shaped Temporal (lab/temporalServer.ts):
 * Debian's `postgresql` binaries, a data folder made by initdb in a temporary folder, its own port on
 * 127.0.0.1 and its socket in the data folder, so it depends on no system service and leaves nothing
 * behind. It runs as the `postgres` user (initdb and postgres refuse root); loopback connections are
 * trusted, so the lab has no password to keep.
 */

import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, execFileP, killGroup, startDaemon, waitFor } from './processes';

/** The newest /usr/lib/postgresql/<major>/bin (Debian's layout). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => existsSync(join(root, d, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors.length)
    throw new Error(
      `no PostgreSQL under ${root}; run scripts/setup.sh --tests (apt-get install postgresql)`,
    );
  return join(root, majors[0], 'bin');
}

export interface PostgresOptions {
  port: number;
  /** The superuser initdb makes (the Temporal server and its sql tool connect as it). */
  user: string;
  logFile: string;
}

export class PostgresCluster {
  readonly bin = postgresBinDir();
  readonly dataDir: string;
  private proc?: ChildProcess;
  private readonly owner: { uid: number; gid: number };

  constructor(readonly options: PostgresOptions) {
    this.owner = {
      uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
      gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
    };
    this.dataDir = mkdtempSync(join(tmpdir(), 'etcd-scaleout-postgres-'));
    chownSync(this.dataDir, this.owner.uid, this.owner.gid);
  }

  get host(): string {
    return '127.0.0.1';
  }

  /** initdb (once), then the server; resolves when it accepts connections. */
  async start(): Promise<void> {
    if (!existsSync(join(this.dataDir, 'PG_VERSION')))
      await execFileP(
        join(this.bin, 'initdb'),
        [
          '-D',
          this.dataDir,
          '-U',
          this.options.user,
          '--auth=trust',
          '--encoding=UTF8',
          '--no-sync',
        ],
        { ...this.owner, env: { ...process.env, LC_ALL: 'C.UTF-8' } },
      );
    this.proc = startDaemon(
      join(this.bin, 'postgres'),
      [
        '-D',
        this.dataDir,
        '-p',
        String(this.options.port),
        '-c',
        `listen_addresses=${this.host}`,
        '-c',
        `unix_socket_directories=${this.dataDir}`,
        '-c',
        'fsync=off',
      ],
      this.options.logFile,
      process.env,
      this.owner,
    );
    await waitFor(
      `PostgreSQL on ${this.host}:${this.options.port}`,
      async () => {
        if (!alive(this.proc?.pid))
          throw new Error(`postgres exited; see ${this.options.logFile}`);
        await this.query('postgres', 'SELECT 1');
        return true;
      },
      60_000,
      200,
    );
  }

  /** One SQL statement through psql over TCP; its rows, unaligned, fields split on '|'. */
  async query(database: string, sql: string): Promise<string[][]> {
    const { stdout } = await execFileP(
      join(this.bin, 'psql'),
      [
        '-h',
        this.host,
        '-p',
        String(this.options.port),
        '-U',
        this.options.user,
        '-d',
        database,
        '-XAtq',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        sql,
      ],
      { ...this.owner },
    );
    return stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('|'));
  }

  /** A fast shutdown (SIGINT), then the data folder removed. */
  async stop(): Promise<void> {
    killGroup(this.proc?.pid, 'SIGINT');
    await waitFor(
      'postgres to exit',
      async () => !alive(this.proc?.pid),
      30_000,
    ).catch(() => killGroup(this.proc?.pid, 'SIGKILL'));
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
