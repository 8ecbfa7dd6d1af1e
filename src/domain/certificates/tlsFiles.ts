import { isFilePath } from '../request/patterns';

/**
 * The TLS files an etcd env file names (client and peer: certificate, key, CA), grouped so each
 * certificate can be checked against its key and its CA.
 */

/** One certificate, its key and the CA it must chain to, with the variables that name them. */
export interface TlsFileSet {
  use: 'client' | 'peer';
  caFile: string;
  certFile: string;
  keyFile: string;
  variables: { ca: string; cert: string; key: string };
}

const TLS_SETS = [
  {
    use: 'client',
    ca: 'ETCD_TRUSTED_CA_FILE',
    cert: 'ETCD_CERT_FILE',
    key: 'ETCD_KEY_FILE',
  },
  {
    use: 'peer',
    ca: 'ETCD_PEER_TRUSTED_CA_FILE',
    cert: 'ETCD_PEER_CERT_FILE',
    key: 'ETCD_PEER_KEY_FILE',
  },
] as const;

/**
 * The TLS files an env names (client and peer), and what is wrong with how it names them. A set's CA
 * falls back to the other set's (etcd would trust system roots instead; Kubespray always sets both).
 */
export function tlsFilesOf(vars: Record<string, string>): {
  sets: TlsFileSet[];
  problems: string[];
} {
  const sets: TlsFileSet[] = [];
  const problems: string[] = [];
  for (const s of TLS_SETS) {
    const cert = vars[s.cert];
    const key = vars[s.key];
    if (!cert && !key) continue;
    if (!cert || !key) {
      problems.push(
        `${cert ? s.cert : s.key} is set but ${cert ? s.key : s.cert} is not`,
      );
      continue;
    }
    const other = TLS_SETS[1 - TLS_SETS.indexOf(s)];
    const caVar = vars[s.ca] ? s.ca : other.ca;
    const ca = vars[caVar];
    if (!ca) {
      problems.push(
        `${s.ca} and ${other.ca} are unset: no CA to check ${cert} against`,
      );
      continue;
    }
    const bad = [
      [s.cert, cert],
      [s.key, key],
      [caVar, ca],
    ].find(([, p]) => !isFilePath(p));
    if (bad) {
      problems.push(
        `${bad[0]} is ${JSON.stringify(bad[1])}: not an absolute path made of letters, digits and ._@+-/`,
      );
      continue;
    }
    sets.push({
      use: s.use,
      caFile: ca,
      certFile: cert,
      keyFile: key,
      variables: { ca: caVar, cert: s.cert, key: s.key },
    });
  }
  // etcdctl's files (Kubespray's admin pair): issuing writes the admin pair where these point.
  for (const v of ['ETCDCTL_CACERT', 'ETCDCTL_CERT', 'ETCDCTL_KEY'])
    if (vars[v] && !isFilePath(vars[v]))
      problems.push(
        `${v} is ${JSON.stringify(vars[v])}: not an absolute path made of letters, digits and ._@+-/`,
      );
  return { sets, problems };
}
