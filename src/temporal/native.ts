/** The worker's NativeConnection, from the same settings and with the same explained failures. */
import { NativeConnection } from '@temporalio/worker';
import { connecting, rememberSettings, sdkConnectionOptions } from './connect';
import {
  type ConnectOptions,
  resolveTemporalSettings,
  type TemporalSettings,
} from './settings';

export async function connectNativeConnection(
  options: ConnectOptions = {},
): Promise<{ connection: NativeConnection; settings: TemporalSettings }> {
  const settings = resolveTemporalSettings(options);
  const connection = await connecting(settings, () =>
    NativeConnection.connect(sdkConnectionOptions(settings)),
  );
  rememberSettings(connection, settings);
  return { connection, settings };
}
