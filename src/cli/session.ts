/** A command's connection to Temporal: opened once, always closed, unreachable -> exit 4. */
import type { Client } from '@temporalio/client';
import { describeScaleOut, type ScaleOutRun } from '../client';
import {
  connectTemporalClient,
  TemporalConnectError,
  TemporalSettingsError,
} from '../temporal';
import { CliError, EXIT, translate } from './errors';

export async function withClient<T>(
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  let client: Client;
  try {
    client = (await connectTemporalClient()).client;
  } catch (err) {
    // Both name the address and the setting; a wrong setting is the operator's input (usage).
    if (err instanceof TemporalSettingsError)
      throw new CliError(err.message, EXIT.usage);
    if (err instanceof TemporalConnectError)
      throw new CliError(err.message, EXIT.unreachable);
    throw err;
  }
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

/** The scale-out run; an unknown workflow or one of another type -> exit 3. */
export async function describeRun(
  client: Client,
  workflowId: string,
): Promise<ScaleOutRun> {
  try {
    return await describeScaleOut(client, workflowId);
  } catch (err) {
    translate(err, workflowId);
  }
}
