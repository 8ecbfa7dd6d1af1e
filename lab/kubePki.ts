/**
 * The Kubernetes side of the control-plane lab's certificates, made with openssl in kubeadm's names (Kubespray
 * runs kubeadm, its kube_cert_dir is /etc/kubernetes/ssl): the cluster CA (`ca.crt`), each control-plane
 * host's serving certificate (`apiserver.crt`, naming the host's address, 127.0.0.1, localhost, the
 * `kubernetes` service names and the first service IP), and the service-account key pair (`sa.key`, `sa.pub`).
 * Two client certificates stay in the lab folder, on the test runner's side: `admin` (O=system:masters, for
 * the tests' writes) and `readyz` (a plain user with no group: all it may do under Node,RBAC is read the
 * health endpoints, which is all a rollout needs).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvNode } from './kubespray';
import { CERT_DAYS, makeLabCa, openssl } from './openssl';
import { labRsaKey } from './rsaKeys';

/** Kubespray's kube_service_addresses; the first address is the `kubernetes` service's. */
export const SERVICE_CLUSTER_IP_RANGE = '10.233.0.0/18';
const KUBERNETES_SERVICE_IP = '10.233.0.1';

/** Files of a client of the apiservers, as paths on the test runner. */
export interface KubeClientFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export class KubePki {
  readonly dir: string;

  constructor(
    labDir: string,
    readonly controlPlane: EnvNode[],
  ) {
    this.dir = join(labDir, 'kube-pki');
  }

  get caFile(): string {
    return join(this.dir, 'ca.crt');
  }
  /** O=system:masters: may do anything through any apiserver. */
  get admin(): KubeClientFiles {
    return this.client('admin');
  }
  /** No group: may read /readyz, /livez, /healthz and /version only. */
  get readyz(): KubeClientFiles {
    return this.client('readyz');
  }

  private client(name: string): KubeClientFiles {
    return {
      caFile: this.caFile,
      certFile: join(this.dir, `${name}.crt`),
      keyFile: join(this.dir, `${name}.key`),
    };
  }

  async create(): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    await makeLabCa(this.dir, 'ca.key', 'ca.crt', '/CN=kubernetes');
    await labRsaKey('kube/sa.key', join(this.dir, 'sa.key'));
    await this.openssl('rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
    await Promise.all([
      ...this.controlPlane.map((h) =>
        this.issue(`apiserver-${h.name}`, '/CN=kube-apiserver', [
          'serverAuth',
          this.servingNames(h),
        ]),
      ),
      this.issue('admin', '/O=system:masters/CN=kubernetes-admin', [
        'clientAuth',
      ]),
      this.issue('readyz', '/CN=etcd-scaleout-readyz', ['clientAuth']),
    ]);
  }

  private servingNames(h: EnvNode): string {
    const dns = [
      h.name,
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ];
    const ips = [h.address, '127.0.0.1', KUBERNETES_SERVICE_IP];
    return [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(
      ',',
    );
  }

  /** `[usage]` or `[usage, subjectAltName]`. */
  private async issue(
    name: string,
    subject: string,
    [usage, altNames]: string[],
  ): Promise<void> {
    const ext = `${name}.ext`;
    writeFileSync(
      join(this.dir, ext),
      [
        'basicConstraints = CA:FALSE',
        'keyUsage = critical, digitalSignature, keyEncipherment',
        `extendedKeyUsage = ${usage}`,
        ...(altNames ? [`subjectAltName = ${altNames}`] : []),
        '',
      ].join('\n'),
    );
    await labRsaKey(`kube/${name}.key`, join(this.dir, `${name}.key`));
    await this.openssl(
      ...['req', '-sha256', '-new', '-key', `${name}.key`],
      ...['-out', `${name}.csr`, '-subj', subject],
    );
    await this.openssl(
      ...['x509', '-sha256', '-req', '-in', `${name}.csr`],
      ...['-CA', 'ca.crt', '-CAkey', 'ca.key'],
      ...['-set_serial', `0x${randomBytes(12).toString('hex')}`],
      ...['-days', CERT_DAYS, '-extfile', ext, '-out', `${name}.crt`],
    );
  }

  private openssl(...args: string[]): Promise<void> {
    return openssl(this.dir, ...args);
  }

  /** What `host` keeps in /etc/kubernetes/ssl (given as the folder outside its namespace), in kubeadm's names. */
  installOn(sslDir: string, host: string): void {
    mkdirSync(sslDir, { recursive: true, mode: 0o700 });
    const files: Array<[string, string]> = [
      ['ca.crt', 'ca.crt'],
      [`apiserver-${host}.crt`, 'apiserver.crt'],
      [`apiserver-${host}.key`, 'apiserver.key'],
      ['sa.key', 'sa.key'],
      ['sa.pub', 'sa.pub'],
    ];
    for (const [from, to] of files)
      copyFileSync(join(this.dir, from), join(sslDir, to));
  }
}
