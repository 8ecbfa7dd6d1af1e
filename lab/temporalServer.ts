/**
 * A production-shaped Temporal on loopback: temporal-server (all four services in one process) on a
 * PostgreSQL cluster of its own, history and SQL visibility on their own databases. The steps are
 * docs/production.md's, in its order, with the files docker-compose.yml and the systemd units use:
 * databases and schemas (deploy/temporal/schema.sh), the server from deploy/temporal/config.yaml, then
 * the namespace with the operator's command (a real server creates none). The search attributes are
 * left to the worker, which registers them as it does in production. With `mutualTls` the server
 * requires client certificates on its frontend and between its services (deploy/temporal/config.yaml's
 * TEMPORAL_SERVER_TLS_* variables, certificates from lab/temporalPki.ts); its own clients here (the
 * frontend wait, the namespace command) connect with the lab's client certificate.
 */

import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, labSourcePath } from './paths';
import { PostgresCluster } from './postgres';
import { alive, execFileP, killGroup, startDaemon, waitFor } from './processes';
import { createNamespace, findTemporalCli, waitForFrontend } from './temporal';
import { TemporalPki } from './temporalPki';

/** The pinned version (lab/temporal-server-version) and its two binaries in the cache. */
export function temporalServerBinaries(): {
  version: string;
  server: string;
  sqlTool: string;
} {
  const version = readFileSync(labSourcePath('temporal-server-version'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('#'));
  if (!version) throw new Error('lab/temporal-server-version names no version');
  const dir = join(CACHE_DIR, 'temporal-server', version);
  const found = {
    version,
    server: join(dir, 'temporal-server'),
    sqlTool: join(dir, 'temporal-sql-tool'),
  };
  for (const bin of [found.server, found.sqlTool])
    if (!existsSync(bin))
      throw new Error(
        `temporal-server ${version}: ${bin} is missing; run scripts/setup.sh --tests (or bash scripts/build-temporal-server.sh ${version})`,
      );
  return found;
}

export interface TemporalServerOptions {
  /** The frontend's gRPC port; the other services' ports follow from it (deploy/temporal/config.yaml). */
  portBase: number;
  postgresPort: number;
  namespace: string;
  /** The server's, PostgreSQL's and the set-up's logs go here (temporal-server.log, postgres.log). */
  logDir: string;
  /** How long the namespace's closed runs are kept. */
  retention?: string;
  /** Mutual TLS on the frontend and between the services, with certificates the lab makes in logDir. */
  mutualTls?: boolean;
}

/** How long each start-up step took, in ms (the first start only has the database steps). */
export interface StartTimes {
  certificates?: number;
  postgres?: number;
  schemas?: number;
  server: number;
  namespace?: number;
}

export class TemporalServer {
  readonly binaries = temporalServerBinaries();
  readonly configFile = deployPath('config.yaml');
  readonly postgres: PostgresCluster;
  readonly times: StartTimes = { server: 0 };
  /** The certificates, with mutualTls. */
  readonly pki?: TemporalPki;
  private proc?: ChildProcess;

  constructor(readonly options: TemporalServerOptions) {
    if (options.mutualTls) this.pki = new TemporalPki(options.logDir);
    this.postgres = new PostgresCluster({
      port: options.postgresPort,
      user: 'temporal',
      logFile: join(options.logDir, 'postgres.log'),
    });
  }

  get address(): string {
    return `127.0.0.1:${this.options.portBase}`;
  }
  get logFile(): string {
    return join(this.options.logDir, 'temporal-server.log');
  }
  get pid(): number | undefined {
    return this.proc?.pid;
  }
  /** The TEMPORAL_TLS_* variables of a client the server takes ({} without TLS). */
  get clientEnv(): Record<string, string> {
    return this.pki?.clientEnv ?? {};
  }

  /** The certificates (with mutualTls), PostgreSQL, the schemas, the server, the namespace: a whole first start. */
  async start(): Promise<void> {
    const pki = this.pki;
    if (pki) this.times.certificates = await timed(() => pki.create());
    this.times.postgres = await timed(() => this.postgres.start());
    this.times.schemas = await timed(() => this.applySchemas());
    await this.startServer();
    this.times.namespace = await timed(() => this.createNamespace());
  }

  /** deploy/temporal/schema.sh, as docker-compose.yml and docs/production.md run it. */
  async applySchemas(): Promise<void> {
    await execFileP('sh', [deployPath('schema.sh')], {
      env: {
        ...process.env,
        TEMPORAL_SQL_TOOL: this.binaries.sqlTool,
        TEMPORAL_DB_HOST: this.postgres.host,
        TEMPORAL_DB_PORT: String(this.options.postgresPort),
        TEMPORAL_DB_USER: 'temporal',
      },
    }).catch((err) => {
      throw new Error(
        `deploy/temporal/schema.sh: ${(err as { stderr?: string }).stderr || (err as Error).message}`,
      );
    });
  }

  /** The server from the repository's config file; resolves when the frontend answers. */
  async startServer(): Promise<void> {
    const started = Date.now();
    this.proc = startDaemon(
      this.binaries.server,
      ['--config-file', this.configFile, '--allow-no-auth', 'start'],
      this.logFile,
      {
        ...process.env,
        TEMPORAL_PORT_BASE: String(this.options.portBase),
        TEMPORAL_DB_HOST: this.postgres.host,
        TEMPORAL_DB_PORT: String(this.options.postgresPort),
        TEMPORAL_DB_USER: 'temporal',
        TEMPORAL_DYNAMIC_CONFIG: deployPath('dynamicconfig.yaml'),
        TEMPORAL_LOG_LEVEL: 'warn',
        ...(this.pki?.serverEnv ?? {}),
      },
    );
    await waitForFrontend(
      `temporal-server on ${this.address}`,
      this.address,
      () =>
        alive(this.proc?.pid)
          ? undefined
          : `temporal-server exited; see ${this.logFile}`,
      this.clientEnv,
    );
    this.times.server = Date.now() - started;
  }

  /**
   * The operator's step (docs/production.md): `temporal operator namespace create`. "already exists"
   * is fine (a restart).
   */
  async createNamespace(): Promise<void> {
    await createNamespace(
      findTemporalCli(),
      this.address,
      this.options.namespace,
      ['--retention', this.options.retention ?? '72h'],
      this.clientEnv,
    );
  }

  /** SIGTERM, SIGKILL after 20 s. */
  async stopServer(): Promise<void> {
    killGroup(this.proc?.pid);
    await waitFor(
      'temporal-server to exit',
      async () => !alive(this.proc?.pid),
      20_000,
    ).catch(() => killGroup(this.proc?.pid, 'SIGKILL'));
  }

  async stop(): Promise<void> {
    await this.stopServer();
    await this.postgres.stop();
  }
}

/** A file of deploy/temporal/ in the checkout: what docker-compose.yml and the systemd units use too. */
const deployPath = (file: string): string =>
  labSourcePath('..', 'deploy', 'temporal', file);

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = Date.now();
  await fn();
  return Date.now() - t;
}
