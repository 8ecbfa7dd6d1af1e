import assert from 'node:assert/strict';
import {
  deriveMemberEnv,
  EnvDerivationError,
  relistenURLs,
  renameMemberFile,
  WITHHELD,
  withholdSecrets,
} from '../../src/domain/kubesprayEnv';
import { parseEnvFile } from '../../src/domain/planning';
import { tlsFilesOf } from '../../src/domain/tlsFiles';

/** /etc/etcd.env as Kubespray's etcd.env.j2 renders it on node1 (etcd1, 10.0.0.11), metrics port set. */
const NODE1_ENV = `# Environment file for etcd v3.5.16
ETCD_DATA_DIR=/var/lib/etcd
ETCD_ADVERTISE_CLIENT_URLS=https://10.0.0.11:2379
ETCD_INITIAL_ADVERTISE_PEER_URLS=https://10.0.0.11:2380
ETCD_INITIAL_CLUSTER_STATE=existing

ETCD_METRICS=basic
ETCD_LISTEN_METRICS_URLS=http://10.0.0.11:2381,http://127.0.0.1:2381
ETCD_LISTEN_CLIENT_URLS=https://10.0.0.11:2379,https://127.0.0.1:2379
ETCD_ELECTION_TIMEOUT=5000
ETCD_HEARTBEAT_INTERVAL=250
ETCD_INITIAL_CLUSTER_TOKEN=k8s_etcd
ETCD_LISTEN_PEER_URLS=https://10.0.0.11:2380
ETCD_NAME=etcd1
ETCD_PROXY=off
ETCD_INITIAL_CLUSTER=etcd1=https://10.0.0.11:2380,etcd2=https://10.0.0.12:2380,etcd3=https://10.0.0.13:2380
ETCD_AUTO_COMPACTION_RETENTION=8
ETCD_SNAPSHOT_COUNT=10000
ETCD_QUOTA_BACKEND_BYTES=2147483648
ETCD_MAX_REQUEST_BYTES=1572864
ETCD_LOG_LEVEL=info
ETCD_MAX_SNAPSHOTS=5
ETCD_MAX_WALS=5

# TLS settings
ETCD_TRUSTED_CA_FILE=/etc/ssl/etcd/ssl/ca.pem
ETCD_CERT_FILE=/etc/ssl/etcd/ssl/member-node1.pem
ETCD_KEY_FILE=/etc/ssl/etcd/ssl/member-node1-key.pem
ETCD_CLIENT_CERT_AUTH=true

ETCD_PEER_TRUSTED_CA_FILE=/etc/ssl/etcd/ssl/ca.pem
ETCD_PEER_CERT_FILE=/etc/ssl/etcd/ssl/member-node1.pem
ETCD_PEER_KEY_FILE=/etc/ssl/etcd/ssl/member-node1-key.pem
ETCD_PEER_CLIENT_CERT_AUTH=True


# CLI settings
ETCDCTL_ENDPOINTS=https://127.0.0.1:2379
ETCDCTL_CACERT=/etc/ssl/etcd/ssl/ca.pem
ETCDCTL_KEY=/etc/ssl/etcd/ssl/admin-node1-key.pem
ETCDCTL_CERT=/etc/ssl/etcd/ssl/admin-node1.pem

# ETCD 3.5.x issue
# https://groups.google.com/a/kubernetes.io/g/dev/c/B7gJs88XtQc/m/rSgNOzV2BwAJ?utm_medium=email&utm_source=footer
ETCD_EXPERIMENTAL_INITIAL_CORRUPT_CHECK=True

ETCD_EXPERIMENTAL_ENABLE_DISTRIBUTED_TRACING=true
ETCD_EXPERIMENTAL_DISTRIBUTED_TRACING_INSTANCE_ID=etcd1
ETCD_EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL=5s
`;

const source = { name: 'etcd1', peerURLs: ['https://10.0.0.11:2380'] };
const etcd4 = {
  name: 'etcd4',
  peerURL: 'https://10.0.0.14:2380',
  clientURL: 'https://10.0.0.14:2379',
};
const initialCluster =
  'etcd1=https://10.0.0.11:2380,etcd2=https://10.0.0.12:2380,etcd3=https://10.0.0.13:2380,etcd4=https://10.0.0.14:2380';

const refusal = (fn: () => unknown): EnvDerivationError => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EnvDerivationError, String(err));
    return err;
  }
  assert.fail('was not refused');
};

describe('Kubespray env derived from a healthy member', () => {
  it("gives the new member its own name, URLs, certificates and initial cluster, and keeps the rest as the member's", () => {
    const d = deriveMemberEnv(
      NODE1_ENV,
      source,
      etcd4,
      initialCluster,
      '/var/lib/etcd',
    );
    const member = parseEnvFile(NODE1_ENV);
    const expected: Record<string, string> = {
      ...member,
      ETCD_NAME: 'etcd4',
      ETCD_INITIAL_ADVERTISE_PEER_URLS: 'https://10.0.0.14:2380',
      ETCD_ADVERTISE_CLIENT_URLS: 'https://10.0.0.14:2379',
      ETCD_LISTEN_PEER_URLS: 'https://10.0.0.14:2380',
      ETCD_LISTEN_CLIENT_URLS: 'https://10.0.0.14:2379,https://127.0.0.1:2379',
      ETCD_LISTEN_METRICS_URLS: 'http://10.0.0.14:2381,http://127.0.0.1:2381',
      ETCD_CERT_FILE: '/etc/ssl/etcd/ssl/member-etcd4.pem',
      ETCD_KEY_FILE: '/etc/ssl/etcd/ssl/member-etcd4-key.pem',
      ETCD_PEER_CERT_FILE: '/etc/ssl/etcd/ssl/member-etcd4.pem',
      ETCD_PEER_KEY_FILE: '/etc/ssl/etcd/ssl/member-etcd4-key.pem',
      ETCDCTL_CERT: '/etc/ssl/etcd/ssl/admin-etcd4.pem',
      ETCDCTL_KEY: '/etc/ssl/etcd/ssl/admin-etcd4-key.pem',
      ETCD_EXPERIMENTAL_DISTRIBUTED_TRACING_INSTANCE_ID: 'etcd4',
      ETCD_INITIAL_CLUSTER: initialCluster,
      ETCD_INITIAL_CLUSTER_STATE: 'existing',
    };
    assert.deepEqual(d.vars, expected);
    // Tuning, TLS settings, metrics, log level and token stay the member's.
    for (const k of [
      'ETCD_ELECTION_TIMEOUT',
      'ETCD_HEARTBEAT_INTERVAL',
      'ETCD_INITIAL_CLUSTER_TOKEN',
      'ETCD_METRICS',
      'ETCD_LOG_LEVEL',
      'ETCD_TRUSTED_CA_FILE',
      'ETCD_PEER_CLIENT_CERT_AUTH',
      'ETCD_QUOTA_BACKEND_BYTES',
    ]) {
      assert.equal(d.vars[k], member[k], k);
    }
    assert.deepEqual(
      parseEnvFile(d.text),
      d.vars,
      'the text says what vars says',
    );
    assert.ok(
      d.text.startsWith('# Environment file for etcd v3.5.16\n') &&
        d.text.includes('\n# TLS settings\n'),
      'comments and order kept',
    );
    assert.equal(
      d.text.split('\n').length,
      NODE1_ENV.split('\n').length,
      'no line added or lost',
    );
    assert.deepEqual(
      d.changed.sort(),
      Object.keys(expected)
        .filter((k) => expected[k] !== member[k])
        .sort(),
    );
    assert.ok(
      !d.changed.includes('ETCD_DATA_DIR') &&
        !d.changed.includes('ETCD_INITIAL_CLUSTER_STATE'),
    );
  });

  it('binds to listenAddress when the URLs name the host, and uses the data dir of the request', () => {
    const named = {
      name: 'etcd4',
      peerURL: 'https://etcd4.example.com:2380',
      clientURL: 'https://etcd4.example.com:2379',
      listenAddress: '10.0.0.14',
    };
    const d = deriveMemberEnv(
      NODE1_ENV,
      source,
      named,
      initialCluster.replace('10.0.0.14', 'etcd4.example.com'),
      '/data/etcd',
    );
    assert.equal(
      d.vars.ETCD_INITIAL_ADVERTISE_PEER_URLS,
      'https://etcd4.example.com:2380',
    );
    assert.equal(d.vars.ETCD_LISTEN_PEER_URLS, 'https://10.0.0.14:2380');
    assert.equal(
      d.vars.ETCD_LISTEN_CLIENT_URLS,
      'https://10.0.0.14:2379,https://127.0.0.1:2379',
    );
    assert.equal(d.vars.ETCD_DATA_DIR, '/data/etcd');
  });

  it('keeps the listen URLs minimal when the member has no loopback listener, and adds what is missing', () => {
    const plain = NODE1_ENV.replace(
      'ETCD_LISTEN_CLIENT_URLS=https://10.0.0.11:2379,https://127.0.0.1:2379',
      'ETCD_LISTEN_CLIENT_URLS=https://10.0.0.11:2379',
    ).replace(/^ETCD_LISTEN_METRICS_URLS=.*\n/m, '');
    const d = deriveMemberEnv(
      plain,
      source,
      etcd4,
      initialCluster,
      '/var/lib/etcd',
    );
    assert.equal(d.vars.ETCD_LISTEN_CLIENT_URLS, 'https://10.0.0.14:2379');
    assert.equal(d.vars.ETCD_LISTEN_METRICS_URLS, undefined);
    const bare = deriveMemberEnv(
      'ETCD_NAME=etcd1\nETCD_DATA_DIR=/var/lib/etcd\n',
      source,
      etcd4,
      initialCluster,
      '/var/lib/etcd',
    );
    assert.equal(bare.vars.ETCD_LISTEN_PEER_URLS, 'https://10.0.0.14:2380');
    assert.ok(bare.text.includes('# membership written by etcd-scaleout\n'));
  });

  it("refuses a file that is not the member's", () => {
    const e = refusal(() =>
      deriveMemberEnv(
        NODE1_ENV,
        { name: 'etcd2', peerURLs: ['https://10.0.0.12:2380'] },
        etcd4,
        initialCluster,
        '/var/lib/etcd',
      ),
    );
    assert.equal(e.variable, 'ETCD_NAME');
    assert.match(
      e.message,
      /ETCD_NAME: is "etcd1" in the env file read from member etcd2/,
    );
    assert.match(
      refusal(() =>
        deriveMemberEnv(
          'ETCD_DATA_DIR=/x\n',
          source,
          etcd4,
          initialCluster,
          '/x',
        ),
      ).message,
      /ETCD_NAME: is missing/,
    );
  });

  it('refuses an initial cluster that a name with "," or "=" would corrupt, or that lacks the new member', () => {
    for (const bad of [
      'etcd,1=https://10.0.0.11:2380,etcd4=https://10.0.0.14:2380',
      'etcd=1=https://10.0.0.11:2380,etcd4=https://10.0.0.14:2380',
    ]) {
      const e = refusal(() =>
        deriveMemberEnv(NODE1_ENV, source, etcd4, bad, '/var/lib/etcd'),
      );
      assert.equal(e.variable, 'ETCD_INITIAL_CLUSTER');
      assert.match(
        e.message,
        /is not name=URL \(a member name with "," or "=" cannot be written there\)/,
      );
    }
    assert.match(
      refusal(() =>
        deriveMemberEnv(
          NODE1_ENV,
          source,
          etcd4,
          'etcd1=https://10.0.0.11:2380',
          '/var/lib/etcd',
        ),
      ).message,
      /does not list the joining member etcd4=https:\/\/10\.0\.0\.14:2380/,
    );
  });

  it('refuses a value with a line break or NUL, naming the variable', () => {
    const e = refusal(() =>
      deriveMemberEnv(
        NODE1_ENV.replace('ETCD_LOG_LEVEL=info', 'ETCD_LOG_LEVEL=in\rfo'),
        source,
        etcd4,
        initialCluster,
        '/var/lib/etcd',
      ),
    );
    assert.equal(e.variable, 'ETCD_LOG_LEVEL');
    assert.match(e.message, /holds a carriage return or NUL/);
    assert.equal(
      refusal(() =>
        deriveMemberEnv(
          NODE1_ENV.replace(/\n/g, '\r\n'),
          source,
          etcd4,
          initialCluster,
          '/var/lib/etcd',
        ),
      ).variable,
      'ETCD_DATA_DIR',
    );
    // A member name with a newline (etcd accepts any name) never reaches the file either.
    assert.equal(
      refusal(() =>
        deriveMemberEnv(
          NODE1_ENV,
          source,
          etcd4,
          `etcd\n1=https://10.0.0.11:2380,${initialCluster}`,
          '/var/lib/etcd',
        ),
      ).variable,
      'ETCD_INITIAL_CLUSTER',
    );
  });

  it("refuses a copied value that still names the member's address", () => {
    const e = refusal(() =>
      deriveMemberEnv(
        `${NODE1_ENV}ETCD_EXPERIMENTAL_DISTRIBUTED_TRACING_ADDRESS=10.0.0.11:4317\n`,
        source,
        etcd4,
        initialCluster,
        '/var/lib/etcd',
      ),
    );
    assert.equal(e.variable, 'ETCD_EXPERIMENTAL_DISTRIBUTED_TRACING_ADDRESS');
    assert.match(
      e.message,
      /would still name member etcd1's address 10\.0\.0\.11/,
    );
    // 10.0.0.1 is not 10.0.0.11's address
    const ok = deriveMemberEnv(
      `${NODE1_ENV}ETCD_EXPERIMENTAL_DISTRIBUTED_TRACING_ADDRESS=10.0.0.1:4317\n`,
      source,
      etcd4,
      initialCluster,
      '/var/lib/etcd',
    );
    assert.equal(
      ok.vars.ETCD_EXPERIMENTAL_DISTRIBUTED_TRACING_ADDRESS,
      '10.0.0.1:4317',
    );
  });

  it('drops discovery variables and refuses withheld secrets', () => {
    const d = deriveMemberEnv(
      `${NODE1_ENV}ETCD_DISCOVERY_SRV=example.com\n`,
      source,
      etcd4,
      initialCluster,
      '/var/lib/etcd',
    );
    assert.equal(d.vars.ETCD_DISCOVERY_SRV, undefined);
    assert.ok(!d.text.includes('ETCD_DISCOVERY_SRV'));
    assert.ok(d.changed.includes('ETCD_DISCOVERY_SRV'));
    const read = withholdSecrets(`${NODE1_ENV}ETCD_EXTRA_PASSWORD=hunter2\n`);
    assert.ok(
      !read.includes('hunter2') &&
        read.includes(`ETCD_EXTRA_PASSWORD=${WITHHELD}`),
    );
    assert.equal(withholdSecrets(NODE1_ENV), NODE1_ENV);
    const e = refusal(() =>
      deriveMemberEnv(read, source, etcd4, initialCluster, '/var/lib/etcd'),
    );
    assert.equal(e.variable, 'ETCD_EXTRA_PASSWORD');
  });

  it('renames member and admin files only', () => {
    assert.equal(
      renameMemberFile(
        '/etc/ssl/etcd/ssl/member-node1.example.com-key.pem',
        'etcd4',
      ),
      '/etc/ssl/etcd/ssl/member-etcd4-key.pem',
    );
    assert.equal(
      renameMemberFile('/etc/ssl/etcd/ssl/admin-node1.pem', 'etcd4'),
      '/etc/ssl/etcd/ssl/admin-etcd4.pem',
    );
    assert.equal(
      renameMemberFile('/etc/etcd/pki/server.crt', 'etcd4'),
      '/etc/etcd/pki/server.crt',
    );
    assert.equal(
      renameMemberFile('/etc/ssl/etcd/ssl/ca.pem', 'etcd4'),
      '/etc/ssl/etcd/ssl/ca.pem',
    );
  });

  it('re-lists listeners: loopback kept, own address replaced once, a wildcard on the port covers it', () => {
    assert.equal(
      relistenURLs(
        'V',
        'https://10.0.0.11:2379,https://127.0.0.1:2379',
        'https://10.0.0.14:2379',
      ),
      'https://10.0.0.14:2379,https://127.0.0.1:2379',
    );
    assert.equal(
      relistenURLs('V', 'https://0.0.0.0:2379', 'https://10.0.0.14:2379'),
      'https://0.0.0.0:2379',
    );
    assert.equal(
      relistenURLs('V', 'https://127.0.0.1:2379', 'https://10.0.0.14:2379'),
      'https://10.0.0.14:2379,https://127.0.0.1:2379',
    );
    assert.equal(
      relistenURLs('V', undefined, 'https://10.0.0.14:2380'),
      'https://10.0.0.14:2380',
    );
    assert.equal(
      refusal(() =>
        relistenURLs(
          'ETCD_LISTEN_PEER_URLS',
          'not a url',
          'https://10.0.0.14:2380',
        ),
      ).variable,
      'ETCD_LISTEN_PEER_URLS',
    );
  });
});

describe('TLS files named by an env', () => {
  it("lists Kubespray's client and peer sets", () => {
    const { sets, problems } = tlsFilesOf(parseEnvFile(NODE1_ENV));
    assert.deepEqual(problems, []);
    assert.deepEqual(sets, [
      {
        use: 'client',
        caFile: '/etc/ssl/etcd/ssl/ca.pem',
        certFile: '/etc/ssl/etcd/ssl/member-node1.pem',
        keyFile: '/etc/ssl/etcd/ssl/member-node1-key.pem',
        variables: {
          ca: 'ETCD_TRUSTED_CA_FILE',
          cert: 'ETCD_CERT_FILE',
          key: 'ETCD_KEY_FILE',
        },
      },
      {
        use: 'peer',
        caFile: '/etc/ssl/etcd/ssl/ca.pem',
        certFile: '/etc/ssl/etcd/ssl/member-node1.pem',
        keyFile: '/etc/ssl/etcd/ssl/member-node1-key.pem',
        variables: {
          ca: 'ETCD_PEER_TRUSTED_CA_FILE',
          cert: 'ETCD_PEER_CERT_FILE',
          key: 'ETCD_PEER_KEY_FILE',
        },
      },
    ]);
  });

  it('has nothing to check on a plain http member, and says what is half set or unsafe', () => {
    assert.deepEqual(tlsFilesOf({ ETCD_NAME: 'etcd1' }), {
      sets: [],
      problems: [],
    });
    assert.deepEqual(tlsFilesOf({ ETCD_CERT_FILE: '/a.pem' }).problems, [
      'ETCD_CERT_FILE is set but ETCD_KEY_FILE is not',
    ]);
    assert.deepEqual(
      tlsFilesOf({ ETCD_CERT_FILE: '/a.pem', ETCD_KEY_FILE: '/a-key.pem' })
        .problems,
      [
        'ETCD_TRUSTED_CA_FILE and ETCD_PEER_TRUSTED_CA_FILE are unset: no CA to check /a.pem against',
      ],
    );
    const fallback = tlsFilesOf({
      ETCD_PEER_CERT_FILE: '/p.pem',
      ETCD_PEER_KEY_FILE: '/p-key.pem',
      ETCD_TRUSTED_CA_FILE: '/ca.pem',
    });
    assert.equal(fallback.sets[0].caFile, '/ca.pem');
    assert.equal(fallback.sets[0].variables.ca, 'ETCD_TRUSTED_CA_FILE');
    assert.match(
      tlsFilesOf({
        ETCD_CERT_FILE: 'member.pem',
        ETCD_KEY_FILE: '/k.pem',
        ETCD_TRUSTED_CA_FILE: '/ca.pem',
      }).problems[0],
      /^ETCD_CERT_FILE is "member\.pem": not an absolute path/,
    );
  });
});
