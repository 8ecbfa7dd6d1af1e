/**
 * The Temporal client every entry point (CLI, API, demo, tests) connects with: the settings of
 * src/temporal (TEMPORAL_* and temporal.toml, as the Temporal CLI reads them), `options` over them.
 */
import type { Client } from '@temporalio/client';
import { type ConnectOptions, connectTemporalClient } from '../temporal';

export async function connectClient(
  options: ConnectOptions = {},
): Promise<Client> {
  return (await connectTemporalClient(options)).client;
}
