/**
 * The shipped API server process (node dist/src/api/server.js) as the tests start it
 * (api-server-process.test.ts, metrics.test.ts): its token in a file of the test's folder, as a
 * secret travels, listening on 127.0.0.1 at the test's port, on the test's Temporal.
 */
import {
  type ChildProcess,
  type StdioOptions,
  spawn,
} from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const API_SERVER = join(__dirname, '..', '..', 'src', 'api', 'server.js');

/** The shipped API server with `env` over this process's environment; its output piped unless `stdio` says. */
export function spawnApiServer(
  env: NodeJS.ProcessEnv,
  stdio: StdioOptions = ['ignore', 'pipe', 'pipe'],
): ChildProcess {
  return spawn(process.execPath, [API_SERVER], {
    env: { ...process.env, ...env },
    stdio,
  });
}

export interface ApiProcessOptions {
  /** The test's folder: the token file is written there. */
  dir: string;
  token: string;
  port: number;
  temporalAddress: string;
  /** More of its environment (LOG_LEVEL, API_METRICS_ADDRESS, ...). */
  env?: NodeJS.ProcessEnv;
  stdio?: StdioOptions;
}

/** The shipped API server reading its token from API_TOKEN_FILE, on API_HOST 127.0.0.1 and `port`. */
export function startApiProcess(options: ApiProcessOptions): ChildProcess {
  const tokenFile = join(options.dir, 'token');
  writeFileSync(tokenFile, `${options.token}\n`, { mode: 0o600 });
  return spawnApiServer(
    {
      API_TOKEN_FILE: tokenFile,
      API_TOKEN: '',
      API_PORT: String(options.port),
      API_HOST: '127.0.0.1',
      TEMPORAL_ADDRESS: options.temporalAddress,
      ...options.env,
    },
    options.stdio,
  );
}
