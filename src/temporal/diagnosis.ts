/**
 * A failed connection in words. The SDK's clients say "Failed to connect before the deadline" or
 * "transport error"; the cause is a socket or TLS error, either Node's (OpenSSL's codes and alert
 * numbers: the probe and the client) or the worker's Rust core's (rustls' names). Each is told as
 * what happened and which setting to change, naming the files by path.
 */
import type { ConnectFailure } from './errors';
import type { TemporalSettings } from './settings';

export interface Diagnosis {
  failure: ConnectFailure;
  reason: string;
}

/** A socket or TLS error as Node or the SDK gives it: a code and a message. */
export interface TransportErrorLike {
  code?: string | number;
  message?: string;
}

type Settings = Pick<TemporalSettings, 'address' | 'tls' | 'sources'>;

const NO_CLIENT_CERT =
  /alert number 116|certificate required|CertificateRequired/i;
const BAD_CLIENT_CERT =
  /alert number (42|46|48)|alert bad certificate|alert unknown ca|alert certificate unknown|BadCertificate|UnknownCA|CertificateUnknown/i;
const CLIENT_CERT_EXPIRED = /alert number 45|alert certificate expired/i;
const SERVER_UNTRUSTED =
  /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT|CERT_SIGNATURE_FAILURE|unable to verify the first certificate|self[- ]signed certificate|unable to get (local )?issuer|UnknownIssuer|BadSignature/i;
const SERVER_NAME_MISMATCH =
  /ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames|NotValidForName|certificate is not valid for/i;
const SERVER_CERT_EXPIRED =
  /CERT_HAS_EXPIRED|certificate has expired|\bExpired\b/;
const NOT_TLS =
  /ERR_SSL_WRONG_VERSION_NUMBER|wrong version number|packet length too long|InvalidContentType|corrupt message|http request|disconnected before secure TLS connection/i;
const REFUSED = /ECONNREFUSED|connection refused/i;
const NO_HOST = /ENOTFOUND|EAI_AGAIN|failed to lookup|dns error/i;
const NO_ROUTE =
  /EHOSTUNREACH|ENETUNREACH|no route to host|network is unreachable/i;

const clientCertOf = (s: Settings): string | undefined => {
  const path = s.tls ? s.tls.clientCertPath : undefined;
  return path ? `${path} (${s.sources.clientCertPath})` : undefined;
};

/** What a socket or TLS error means for the connection `settings` describe; undefined if unknown. */
export function diagnose(
  err: TransportErrorLike,
  settings: Settings,
): Diagnosis | undefined {
  const text = `${err.code ?? ''} ${err.message ?? ''}`;
  const { tls, sources } = settings;
  const cert = clientCertOf(settings);
  const host = settings.address.replace(/:\d+$/, '');
  if (REFUSED.test(text))
    return {
      failure: 'unreachable',
      reason: `nothing accepts connections there (connection refused); is the Temporal frontend running, and is ${sources.address ?? 'TEMPORAL_ADDRESS'} its host:port?`,
    };
  if (NO_HOST.test(text))
    return {
      failure: 'unreachable',
      reason: `the host name ${host} does not resolve`,
    };
  if (NO_ROUTE.test(text))
    return { failure: 'unreachable', reason: `there is no route to ${host}` };
  if (NO_CLIENT_CERT.test(text) || (!cert && BAD_CLIENT_CERT.test(text)))
    return {
      failure: 'tls-refused',
      reason: cert
        ? `the server requires a client certificate and did not take ${cert}`
        : 'the server requires a client certificate and none is set: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH to the files of a certificate signed by the CA the server trusts for clients',
    };
  if (CLIENT_CERT_EXPIRED.test(text))
    return {
      failure: 'tls-refused',
      reason: `the server refused the client certificate ${cert}: it has expired`,
    };
  if (BAD_CLIENT_CERT.test(text))
    return {
      failure: 'tls-refused',
      reason: `the server refused the client certificate ${cert}: it is not signed by a CA the server trusts for clients`,
    };
  if (tls && SERVER_NAME_MISMATCH.test(text))
    return {
      failure: 'tls-mismatch',
      reason: `the server's certificate is not valid for ${tls.serverName ? `the name ${tls.serverName} (${sources.serverName})` : `${host}, the host of the address`}: set TEMPORAL_TLS_SERVER_NAME to a name the certificate carries`,
    };
  if (tls && SERVER_CERT_EXPIRED.test(text))
    return {
      failure: 'tls-untrusted',
      reason: "the server's certificate has expired",
    };
  if (tls && SERVER_UNTRUSTED.test(text))
    return {
      failure: 'tls-untrusted',
      reason: tls.serverCaCertPath
        ? `the server's certificate is not signed by the CA in ${tls.serverCaCertPath} (${sources.serverCaCertPath}): that CA does not match the server's`
        : "the server's certificate is not signed by a CA this machine trusts: set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the file of the CA that signed it",
    };
  if (tls && NOT_TLS.test(text))
    return {
      failure: 'tls-mismatch',
      reason:
        'TLS is on but the server does not speak TLS there: turn TLS off (unset TEMPORAL_TLS and the TEMPORAL_TLS_* files, or TEMPORAL_TLS=false) or use the address of its TLS frontend',
    };
  return undefined;
}

/** A plaintext connection that a TLS server took and dropped. */
export const TLS_REQUIRED: Diagnosis = {
  failure: 'tls-mismatch',
  reason:
    'the server speaks TLS and the connection settings have TLS off: set TEMPORAL_TLS=true with TEMPORAL_TLS_SERVER_CA_CERT_PATH, and TEMPORAL_TLS_CLIENT_CERT_PATH/TEMPORAL_TLS_CLIENT_KEY_PATH if it requires client certificates',
};

/** No answer at all within the wait. */
export const noAnswer = (ms: number): Diagnosis => ({
  failure: 'unreachable',
  reason: `no answer within ${(ms / 1000).toFixed(0)} s (a firewall, or the wrong host)`,
});
