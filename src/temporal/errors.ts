/**
 * The two ways reaching Temporal fails before any call: the settings themselves are wrong (a missing
 * or unreadable file, a client certificate without its key), or the server at the address did not
 * take the connection (nothing listening, a refused certificate). Both name the address and the
 * setting by its variable or profile key; neither ever holds a key, a certificate or an API key.
 */

/** The connection settings cannot be used as given; `setting` names the variable or profile key. */
export class TemporalSettingsError extends Error {
  constructor(
    readonly setting: string,
    readonly problem: string,
  ) {
    super(`Temporal connection settings: ${problem}`);
    this.name = 'TemporalSettingsError';
  }
}

/** What kind of failure a connection attempt met, for callers that choose an exit code by it. */
export type ConnectFailure =
  | 'unreachable'
  | 'tls-refused'
  | 'tls-untrusted'
  | 'tls-mismatch'
  | 'unauthenticated'
  | 'other';

/** The server at `address` did not take the connection; the message says why in words. */
export class TemporalConnectError extends Error {
  constructor(
    readonly address: string,
    readonly failure: ConnectFailure,
    readonly reason: string,
  ) {
    super(`cannot connect to Temporal at ${address}: ${reason}`);
    this.name = 'TemporalConnectError';
  }
}
