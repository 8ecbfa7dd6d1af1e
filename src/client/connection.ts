/** The Temporal client every entry point (CLI, API, demo, tests) connects with. */
import { Client, Connection } from '@temporalio/client';
import { temporalAddress, temporalNamespace } from '../config';

export async function connectClient(
  options: { address?: string; namespace?: string } = {},
): Promise<Client> {
  const connection = await Connection.connect({
    address: options.address ?? temporalAddress(),
    connectTimeout: 5_000,
  });
  return new Client({
    connection,
    namespace: options.namespace ?? temporalNamespace(),
  });
}
