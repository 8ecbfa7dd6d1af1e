/** A command's connection to Temporal: opened once, always closed, unreachable -> exit 4. */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { connectClient } from '../client';
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

/** The run's description; an unknown workflow -> exit 3. */
export async function describeRun(
  client: Client,
  workflowId: string,
): Promise<WorkflowExecutionDescription> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    translate(err, workflowId);
  }
}
