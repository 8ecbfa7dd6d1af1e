/**
 * Reaching Temporal, for every entry point: the settings from the environment and temporal.toml as
 * the Temporal CLI reads them (./settings), the client connection (./connect), the commands an
 * operator can paste (./cliCommand), the typed errors (./errors). The worker's NativeConnection is in
 * ./native (imported on its own so the CLI and the API do not load the worker's native core).
 */

export { ApiKey } from './apiKey';
export { temporalCliFlags, temporalCommand } from './cliCommand';
export {
  connectTemporalClient,
  explainConnectFailure,
  sdkConnectionOptions,
  settingsOf,
} from './connect';
export {
  type ConnectFailure,
  TemporalConnectError,
  TemporalSettingsError,
} from './errors';
export {
  type ConnectOptions,
  DEFAULT_ADDRESS,
  DEFAULT_NAMESPACE,
  describeTemporalSettings,
  resolveTemporalSettings,
  type TemporalSettings,
  type TlsSettings,
} from './settings';
