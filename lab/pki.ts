/**
 * Kubespray-shaped certificates, made with openssl the way its make-ssl-etcd.sh does: one CA
 * (`etcd-ca`), and per etcd host a member certificate (CN `etcd-member-<host>`) and an admin
 * certificate (CN `etcd-admin-<host>`), RSA 2048, SHA-256, all with clientAuth+serverAuth and one SAN
 * list: localhost, every etcd hostname, every etcd host IP, 127.0.0.1 and ::1.
 *
 * They are made in the lab's pki/ folder (Kubespray's temporary dir on the first etcd host) and
 * installed into each node's /etc/ssl/etcd/ssl; only the first etcd host keeps the CA key.
 */

import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EnvNode, sslFiles } from './kubespray';
import { CERT_DAYS, makeLabCa, openssl } from './openssl';
import { labRsaKey } from './rsaKeys';

export class LabPki {
  readonly dir: string;

  /** `etcdGroup`: every etcd host, the existing members and the hosts to add (one SAN list for all). */
  constructor(
    labDir: string,
    readonly etcdGroup: EnvNode[],
  ) {
    this.dir = join(labDir, 'pki');
  }

  private get config(): string {
    return join(this.dir, 'openssl.conf');
  }

  /** The CA, then a member and an admin certificate for every host of the group. */
  async create(): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileSync(this.config, this.opensslConfig());
    const ca = sslFiles('');
    await makeLabCa(this.dir, ca.caKey, ca.ca, '/CN=etcd-ca');
    await Promise.all(this.etcdGroup.map((h) => this.issueFor(h.name)));
  }

  private async issueFor(host: string): Promise<void> {
    const f = sslFiles(host);
    await this.issue(f.member, f.memberKey, `etcd-member-${host}`);
    await this.issue(f.admin, f.adminKey, `etcd-admin-${host}`);
  }

  /**
   * make-ssl-etcd.sh's node certificate for each control-plane host (`node-<host>.pem`, CN `etcd-node-<host>`),
   * what its kube-apiserver presents to etcd; the hosts need not be etcd hosts.
   */
  async issueNodeCertificates(hosts: string[]): Promise<void> {
    await Promise.all(
      hosts.map((host) => {
        const f = sslFiles(host);
        return this.issue(f.node, f.nodeKey, `etcd-node-${host}`);
      }),
    );
  }

  /** Installs a control-plane host's node certificate and the CA into its /etc/ssl/etcd/ssl (the folder outside). */
  installNodeCertificateOn(sslDir: string, host: string): void {
    mkdirSync(sslDir, { recursive: true, mode: 0o700 });
    const f = sslFiles(host);
    for (const name of [f.ca, f.node, f.nodeKey])
      copyFileSync(join(this.dir, name), join(sslDir, name));
  }

  private async issue(cert: string, key: string, cn: string): Promise<void> {
    const csr = `${cert}.csr`;
    const ca = sslFiles('');
    await labRsaKey(`etcd/${key}`, join(this.dir, key));
    await this.openssl(
      'req',
      '-sha256',
      '-new',
      '-key',
      key,
      '-out',
      csr,
      '-subj',
      `/CN=${cn}`,
      '-config',
      this.config,
    );
    // A random serial instead of make-ssl-etcd.sh's -CAcreateserial: certificates are issued in parallel.
    await this.openssl(
      'x509',
      '-sha256',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.ca,
      '-CAkey',
      ca.caKey,
      '-set_serial',
      `0x${randomBytes(12).toString('hex')}`,
      '-out',
      cert,
      '-days',
      CERT_DAYS,
      '-extensions',
      'ssl_client',
      '-extfile',
      this.config,
    );
  }

  private openssl(...args: string[]): Promise<void> {
    return openssl(this.dir, ...args);
  }

  /** Kubespray's openssl.conf: the [ssl_client] extensions and the one SAN list. */
  private opensslConfig(): string {
    const dns = ['localhost', ...this.etcdGroup.map((h) => h.name)];
    const ips = [...this.etcdGroup.map((h) => h.address), '127.0.0.1', '::1'];
    return [
      '[req]',
      'req_extensions = v3_req',
      'distinguished_name = req_distinguished_name',
      '',
      '[req_distinguished_name]',
      '',
      '[ v3_req ]',
      'basicConstraints = CA:FALSE',
      'keyUsage = nonRepudiation, digitalSignature, keyEncipherment',
      'subjectAltName = @alt_names',
      '',
      '[ ssl_client ]',
      'extendedKeyUsage = clientAuth, serverAuth',
      'basicConstraints = CA:FALSE',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid,issuer',
      'subjectAltName = @alt_names',
      '',
      '[alt_names]',
      ...dns.map((d, i) => `DNS.${i + 1} = ${d}`),
      ...ips.map((ip, i) => `IP.${i + 1} = ${ip}`),
      '',
    ].join('\n');
  }

  /**
   * Installs what `host` keeps in /etc/ssl/etcd/ssl (given as the folder outside its namespace): the
   * CA certificate, its own member and admin pairs, and the CA key when it is the first etcd host.
   */
  installOn(sslDir: string, host: string, options: { caKey: boolean }): void {
    mkdirSync(sslDir, { recursive: true, mode: 0o700 });
    const f = sslFiles(host);
    const files = [
      f.ca,
      f.member,
      f.memberKey,
      f.admin,
      f.adminKey,
      ...(options.caKey ? [f.caKey] : []),
    ];
    for (const name of files)
      copyFileSync(join(this.dir, name), join(sslDir, name));
  }
}
