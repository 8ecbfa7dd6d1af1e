/**
 * Connecting to etcd (etcd3). Every call opens a short-lived client and closes it. The TLS files are
 * read on the worker when a client is made: only their paths travel in the request.
 *
 * Status and promotion checks use a client with exactly one host (`withMember`): etcd3 keeps a
 * circuit breaker per host that opens for 5 s on an UNAVAILABLE answer, so in a pool one learner's
 * refusal would fail unrelated calls to that host (docs/etcd-behaviour.md).
 */
import { Etcd3, type IOptions } from 'etcd3';
import type { ScaleOutRequest } from '../../domain/request/request';
import { readCredential } from '../credentials';

export type ClusterRef = ScaleOutRequest['cluster'];
export type Tls = ClusterRef['tls'];
/** `bulk`: a client for a large stream (the snapshot), with a receive window to match. */
export type EtcdConnect = (
  hosts: string[],
  tls: Tls,
  use?: 'bulk',
) => Promise<Etcd3>;

/** Kubespray's CA, used when an https cluster names no `cluster.tls`. */
const DEFAULT_CA = '/etc/ssl/etcd/ssl/ca.pem';

/**
 * The HTTP/2 receive window (connection and stream) a bulk client announces. grpc-js keeps Node's
 * 64 KiB default, so a snapshot stream stalls on WINDOW_UPDATE round trips: 4 MiB let it run at disk
 * speed (docs/performance.md). It bounds what etcd may send ahead, not what is allocated. Only the
 * snapshot's client has it: the short calls gain nothing, and their timing stays as it was.
 */
const FLOW_CONTROL_WINDOW = 4 << 20;

/** The real connector. A TLS file that cannot be read fails with CredentialsUnreadable. */
export function etcdConnector(callTimeoutMs = 5_000): EtcdConnect {
  return async (hosts, tls, use) => {
    const options: IOptions = {
      hosts,
      dialTimeout: callTimeoutMs,
      ...(use === 'bulk'
        ? {
            grpcOptions: {
              'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW,
            },
          }
        : {}),
      defaultCallOptions: (ctx) =>
        ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs },
    };
    if (hosts.some((h) => h.startsWith('https:'))) {
      const t = tls ?? { caFile: DEFAULT_CA };
      options.credentials = {
        rootCertificate: await readCredential('cluster.tls.caFile', t.caFile),
        ...(t.certFile && t.keyFile
          ? {
              certChain: await readCredential(
                'cluster.tls.certFile',
                t.certFile,
              ),
              privateKey: await readCredential(
                'cluster.tls.keyFile',
                t.keyFile,
              ),
            }
          : {}),
      };
    }
    return new Etcd3(options);
  };
}

/** Clients made from one connector: through the cluster's endpoints, or through one member alone. */
export interface EtcdClients {
  withCluster<T>(
    cluster: ClusterRef,
    fn: (client: Etcd3) => Promise<T>,
  ): Promise<T>;
  withMember<T>(
    cluster: ClusterRef,
    clientURL: string,
    fn: (client: Etcd3) => Promise<T>,
  ): Promise<T>;
}

export function etcdClients(connect: EtcdConnect): EtcdClients {
  const use = async <T>(
    hosts: string[],
    tls: Tls,
    fn: (client: Etcd3) => Promise<T>,
  ): Promise<T> => {
    const client = await connect(hosts, tls);
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  };
  return {
    withCluster: (cluster, fn) => use(cluster.endpoints, cluster.tls, fn),
    withMember: (cluster, clientURL, fn) => use([clientURL], cluster.tls, fn),
  };
}
