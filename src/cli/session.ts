/** A command's connection to Temporal: opened once, always closed, unreachable -> exit 4. */
import type { Client } from '@temporalio/client';
import { connectClient, describeScaleOut, type ScaleOutRun } from '../client';
import { CliError, EXIT, translate, where } from './errors';

export async function withClient<T>(
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  let client: Client;
  try {
    client = await connectClient();
  } catch (err) {
    throw new CliError(
      `cannot reach ${where()}: ${(err as Error).message}; set TEMPORAL_ADDRESS to the frontend's host:port`,
      EXIT.unreachable,
    );
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
