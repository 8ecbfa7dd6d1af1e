/**
 * After a connection failed, one plain socket (or TLS handshake) to the address with the same
 * settings finds out why: the SDK's gRPC clients retry until their deadline and then keep only "failed
 * to connect", while a socket gets the refusal itself (connection refused, the server's TLS alert,
 * the certificate check). It opens the HTTP/2 connection as gRPC would (the preface) and waits for
 * the server's first frame: a TLS 1.3 server refuses a client certificate only after the handshake.
 */

import { readFileSync } from 'node:fs';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import {
  type Diagnosis,
  diagnose,
  noAnswer,
  TLS_REQUIRED,
  type TransportErrorLike,
} from './diagnosis';
import type { TemporalSettings } from './settings';

const HTTP2_PREFACE = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), // an empty SETTINGS frame
]);

type Outcome =
  | { kind: 'answered'; first: Buffer }
  | { kind: 'error'; err: TransportErrorLike }
  | { kind: 'closed' }
  | { kind: 'timeout' };

export function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return {
    host: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'),
    port: Number(address.slice(i + 1)),
  };
}

/** Writes the preface once connected; resolves with the first thing the server does. */
function firstAnswer(
  socket: Socket | TLSSocket,
  connectEvent: 'connect' | 'secureConnect',
  timeoutMs: number,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const done = (o: Outcome) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => done({ kind: 'timeout' }), timeoutMs);
    socket.once(connectEvent, () => socket.write(HTTP2_PREFACE));
    socket.once('data', (first: Buffer) => done({ kind: 'answered', first }));
    socket.once('error', (err) => done({ kind: 'error', err }));
    socket.once('close', () => done({ kind: 'closed' }));
  });
}

/** Does the server at host:port complete a TLS handshake (whatever its certificate)? */
async function speaksTls(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<boolean> {
  const socket = tlsConnect({
    host,
    port,
    rejectUnauthorized: false,
    ALPNProtocols: ['h2'],
    ...(isIP(host) ? {} : { servername: host }),
  });
  return new Promise((resolve) => {
    const done = (yes: boolean) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve(yes);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/** Why a connection with `settings` fails, found by trying it by hand; undefined if it seems fine. */
export async function probeTemporal(
  settings: Pick<TemporalSettings, 'address' | 'tls' | 'sources'>,
  timeoutMs = 3_000,
): Promise<Diagnosis | undefined> {
  const { host, port } = splitAddress(settings.address);
  const { tls } = settings;
  if (!tls) {
    const o = await firstAnswer(
      netConnect({ host, port }),
      'connect',
      timeoutMs,
    );
    if (o.kind === 'error') return diagnose(o.err, settings);
    if (o.kind === 'timeout') return noAnswer(timeoutMs);
    // An HTTP/2 server answers with a frame; a TLS server drops the preface (or sends an alert).
    const http2 =
      o.kind === 'answered' && o.first.length >= 9 && o.first[3] === 4;
    if (http2) return undefined;
    return (await speaksTls(host, port, timeoutMs)) ? TLS_REQUIRED : undefined;
  }
  const read = (path?: string) => (path ? readFileSync(path) : undefined);
  const o = await firstAnswer(
    tlsConnect({
      host,
      port,
      ALPNProtocols: ['h2'],
      ca: read(tls.serverCaCertPath),
      cert: read(tls.clientCertPath),
      key: read(tls.clientKeyPath),
      // An IP is checked against the certificate's IP names; SNI carries names only.
      ...(tls.serverName
        ? { servername: tls.serverName }
        : isIP(host)
          ? {}
          : { servername: host }),
    }),
    'secureConnect',
    timeoutMs,
  );
  if (o.kind === 'error') return diagnose(o.err, settings);
  if (o.kind === 'timeout') return noAnswer(timeoutMs);
  return undefined;
}
