/**
 * The Temporal CLI dev server (real Temporal server, SQLite persistence, Web UI), for the demo and tests.
 */

import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { resolveTemporalSettings, sdkConnectionOptions } from '../src/temporal';
import { SEARCH_ATTRIBUTES } from '../src/workflows/run/searchAttributes';
import { CACHE_DIR } from './paths';
import { alive, execFileP, killGroup, startDaemon, waitFor } from './processes';

export const CACHE_BIN = join(CACHE_DIR, 'bin');

/** `temporal` on PATH first, then the project's cache (where `make setup` builds it). */
export function findTemporalCli(): string {
  if (process.env.TEMPORAL_CLI && existsSync(process.env.TEMPORAL_CLI))
    return process.env.TEMPORAL_CLI;
  for (const dir of (process.env.PATH || '').split(':'))
    if (dir && existsSync(join(dir, 'temporal'))) return join(dir, 'temporal');
  const cached = join(CACHE_BIN, 'temporal');
  if (existsSync(cached)) return cached;
  throw new Error(
    `no Temporal CLI: none on PATH and none at ${cached}; run scripts/setup.sh`,
  );
}

/**
 * Resolves when the Temporal frontend at `address` answers (up to 2 minutes); fails at once when
 * `whyGone` says the server's process has exited. The dev server's and temporal-server's start.
 * `env` holds the client's TEMPORAL_TLS_* settings for a frontend that requires them.
 */
export async function waitForFrontend(
  what: string,
  address: string,
  whyGone: () => string | undefined,
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  const options = sdkConnectionOptions(
    resolveTemporalSettings({ address, env }),
  );
  await waitFor(
    what,
    async () => {
      const gone = whyGone();
      if (gone) throw new Error(gone);
      const c = await Connection.connect({ ...options, connectTimeout: 1000 });
      try {
        await c.workflowService.getSystemInfo({});
        return true;
      } finally {
        await c.close();
      }
    },
    120_000,
    300,
  );
}

/**
 * `temporal operator namespace create` against `address`; "already exists" is fine (a restart).
 * `env` holds the TEMPORAL_TLS_* variables for a frontend that requires them: the Temporal CLI reads
 * the same variables as the product.
 */
export async function createNamespace(
  cli: string,
  address: string,
  namespace: string,
  extraArgs: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  try {
    await execFileP(
      cli,
      [
        'operator',
        'namespace',
        'create',
        '--address',
        address,
        '--namespace',
        namespace,
        ...extraArgs,
      ],
      { env: { ...process.env, ...env } },
    );
  } catch (err) {
    const text = String((err as { stderr?: string }).stderr ?? err);
    if (!/already/i.test(text))
      throw new Error(`creating namespace ${namespace}: ${text}`);
  }
}

export interface DevServerOptions {
  ip?: string;
  port: number;
  uiPort?: number;
  headless?: boolean;
  dbFile?: string;
  logFile: string;
  /** As a new user starts it: no `--search-attribute` flags, nothing registered (the worker must do it). */
  plain?: boolean;
}

export class TemporalDevServer {
  private proc?: ChildProcess;
  readonly cli = findTemporalCli();
  constructor(readonly options: DevServerOptions) {}

  get address(): string {
    return `${this.options.ip ?? '127.0.0.1'}:${this.options.port}`;
  }
  get uiUrl(): string {
    return `http://${this.options.ip ?? '127.0.0.1'}:${this.options.uiPort ?? this.options.port + 1000}`;
  }

  async start(): Promise<void> {
    const o = this.options;
    const args = [
      'server',
      'start-dev',
      '--ip',
      o.ip ?? '127.0.0.1',
      '--port',
      String(o.port),
      '--log-level',
      'warn',
    ];
    if (o.headless) args.push('--headless');
    else args.push('--ui-port', String(o.uiPort ?? o.port + 1000));
    if (o.dbFile) args.push('--db-filename', o.dbFile);
    if (!o.plain)
      for (const sa of SEARCH_ATTRIBUTES)
        args.push('--search-attribute', `${sa.name}=${sa.type}`);
    this.proc = startDaemon(this.cli, args, o.logFile);
    await waitForFrontend(
      `Temporal dev server on ${this.address}`,
      this.address,
      () =>
        alive(this.proc?.pid) ? undefined : `temporal exited; see ${o.logFile}`,
    );
    if (!o.plain) await this.registerSearchAttributes();
  }

  /**
   * `--search-attribute` only registers on a new database: an existing one gets them here.
   * "already exists" answers are fine.
   */
  async registerSearchAttributes(): Promise<void> {
    for (const sa of SEARCH_ATTRIBUTES) {
      try {
        await execFileP(this.cli, [
          'operator',
          'search-attribute',
          'create',
          '--address',
          this.address,
          '--name',
          sa.name,
          '--type',
          sa.type,
        ]);
      } catch (err) {
        const text = String((err as { stderr?: string }).stderr ?? err);
        if (!/already/i.test(text))
          throw new Error(`registering search attribute ${sa.name}: ${text}`);
      }
    }
  }

  /** A namespace of its own (without the search attributes); "already exists" is fine. */
  async createNamespace(namespace: string): Promise<void> {
    await createNamespace(this.cli, this.address, namespace);
  }

  async stop(): Promise<void> {
    killGroup(this.proc?.pid);
    await waitFor(
      'temporal to exit',
      async () => !alive(this.proc?.pid),
      15_000,
    ).catch(() => killGroup(this.proc?.pid, 'SIGKILL'));
  }
}
