/**
 * The production-shaped Temporal's certificates, made with openssl: a CA for Temporal (`temporal-ca`)
 * that signs the server and its clients; the server's certificate (CN `temporal`, SANs 127.0.0.1,
 * localhost and the server name, clientAuth+serverAuth: its services present it to each other and
 * its internal worker to the frontend); one client certificate for the workers, the API and the CLI
 * (CN `etcd-scaleout`, clientAuth); and, for the refusal test, a second CA that has nothing to do with
 * Temporal and a client certificate of its own. Keys from lab/rsaKeys.ts (the CAs' made anew).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CERT_DAYS, makeLabCa, openssl } from './openssl';
import { labRsaKey } from './rsaKeys';

/** The name the server's certificate carries and its internal clients (and ours) check. */
export const TEMPORAL_SERVER_NAME = 'temporal.etcd-scaleout.test';

/** A client's files, in the TEMPORAL_TLS_* variables the SDKs and the Temporal CLI read. */
export type TemporalClientEnv = Record<string, string>;

export class TemporalPki {
  readonly dir: string;

  constructor(parentDir: string) {
    this.dir = join(parentDir, 'temporal-pki');
  }

  private file(name: string): string {
    return join(this.dir, name);
  }

  /** The server's side: deploy/temporal/config.yaml's TEMPORAL_SERVER_TLS_* variables. */
  get serverEnv(): Record<string, string> {
    return {
      TEMPORAL_SERVER_TLS_CERT_FILE: this.file('server.pem'),
      TEMPORAL_SERVER_TLS_KEY_FILE: this.file('server-key.pem'),
      TEMPORAL_SERVER_TLS_CA_FILE: this.file('ca.pem'),
      TEMPORAL_SERVER_TLS_SERVER_NAME: TEMPORAL_SERVER_NAME,
    };
  }

  /** The product's client: its certificate from Temporal's CA, the CA that signed the server. */
  get clientEnv(): TemporalClientEnv {
    return this.clientEnvFor('client');
  }

  /** A client whose certificate another CA signed: the server must refuse it. */
  get otherCaClientEnv(): TemporalClientEnv {
    return this.clientEnvFor('other-client');
  }

  /** A TLS client with no certificate at all: the server must refuse it too. */
  get noCertificateEnv(): TemporalClientEnv {
    const { TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME } =
      this.clientEnv;
    return { TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME };
  }

  private clientEnvFor(name: string): TemporalClientEnv {
    return {
      TEMPORAL_TLS_CLIENT_CERT_PATH: this.file(`${name}.pem`),
      TEMPORAL_TLS_CLIENT_KEY_PATH: this.file(`${name}-key.pem`),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: this.file('ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: TEMPORAL_SERVER_NAME,
    };
  }

  async create(): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    await Promise.all([
      makeLabCa(this.dir, 'ca-key.pem', 'ca.pem', '/CN=temporal-ca'),
      makeLabCa(
        this.dir,
        'other-ca-key.pem',
        'other-ca.pem',
        '/CN=unrelated-ca',
      ),
    ]);
    await Promise.all([
      this.issue('ca', 'server', '/CN=temporal', 'serverAuth, clientAuth', [
        `DNS:${TEMPORAL_SERVER_NAME}`,
        'DNS:localhost',
        'IP:127.0.0.1',
      ]),
      this.issue('ca', 'client', '/CN=etcd-scaleout', 'clientAuth'),
      this.issue('other-ca', 'other-client', '/CN=etcd-scaleout', 'clientAuth'),
    ]);
  }

  private async issue(
    ca: string,
    name: string,
    subject: string,
    usage: string,
    altNames: string[] = [],
  ): Promise<void> {
    const ext = `${name}.ext`;
    writeFileSync(
      this.file(ext),
      [
        'basicConstraints = CA:FALSE',
        'keyUsage = critical, digitalSignature, keyEncipherment',
        `extendedKeyUsage = ${usage}`,
        ...(altNames.length ? [`subjectAltName = ${altNames.join(',')}`] : []),
        '',
      ].join('\n'),
    );
    await labRsaKey(`temporal/${name}-key.pem`, this.file(`${name}-key.pem`));
    await this.openssl(
      ...['req', '-sha256', '-new', '-key', `${name}-key.pem`],
      ...['-out', `${name}.csr`, '-subj', subject],
    );
    await this.openssl(
      ...['x509', '-sha256', '-req', '-in', `${name}.csr`],
      ...['-CA', `${ca}.pem`, '-CAkey', `${ca}-key.pem`],
      ...['-set_serial', `0x${randomBytes(12).toString('hex')}`],
      ...['-days', CERT_DAYS, '-extfile', ext, '-out', `${name}.pem`],
    );
  }

  private openssl(...args: string[]): Promise<void> {
    return openssl(this.dir, ...args);
  }
}
