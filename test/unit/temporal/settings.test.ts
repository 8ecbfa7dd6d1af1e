/**
 * The connection settings as the Temporal CLI resolves them (env over temporal.toml, the caller's
 * address/namespace over both), the project's rules on top (files only, an API key never shown), and
 * each refusal's words: the setting, the path, what is wrong.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  describeTemporalSettings,
  resolveTemporalSettings,
  TemporalSettingsError,
} from '../../../src/temporal';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const SECRET = 'tcld_s3cr3t-api-key';

describe('Temporal connection settings', () => {
  let dir = '';
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  /** The refusal `env` meets: its setting and message. */
  const refusal = (env: NodeJS.ProcessEnv) => {
    try {
      resolveTemporalSettings({ env });
    } catch (err) {
      assert.ok(err instanceof TemporalSettingsError, String(err));
      return { setting: err.setting, message: err.message };
    }
    assert.fail('resolved');
  };
  let mtls: NodeJS.ProcessEnv;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'etcd-scaleout-settings-'));
    mtls = {
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.pem', CERT),
      TEMPORAL_TLS_CLIENT_KEY_PATH: file('client-key.pem', KEY),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.pem', CERT),
      TEMPORAL_TLS_SERVER_NAME: 'temporal',
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("defaults to the product's 127.0.0.1:7233 and namespace default, plaintext", () => {
    const s = resolveTemporalSettings({ env: {} });
    assert.deepEqual(
      [s.address, s.namespace, s.tls, s.apiKey, s.profile],
      ['127.0.0.1:7233', 'default', false, undefined, undefined],
    );
  });

  it("takes TEMPORAL_ADDRESS/TEMPORAL_NAMESPACE, the caller's address/namespace over them, and empty variables as unset", () => {
    const env = {
      TEMPORAL_ADDRESS: '10.0.0.5:7233',
      TEMPORAL_NAMESPACE: 'etcd',
    };
    const s = resolveTemporalSettings({ env });
    assert.deepEqual([s.address, s.namespace], ['10.0.0.5:7233', 'etcd']);
    const o = resolveTemporalSettings({
      env,
      address: '127.0.0.1:7800',
      namespace: 'other',
    });
    assert.deepEqual([o.address, o.namespace], ['127.0.0.1:7800', 'other']);
    const blank = resolveTemporalSettings({
      env: {
        TEMPORAL_ADDRESS: '',
        TEMPORAL_TLS: '',
        TEMPORAL_TLS_CLIENT_CERT_PATH: '',
      },
    });
    assert.deepEqual([blank.address, blank.tls], ['127.0.0.1:7233', false]);
  });

  it('mutual TLS from the TEMPORAL_TLS_* files, each named by its variable', () => {
    const s = resolveTemporalSettings({ env: mtls });
    assert.deepEqual(s.tls, {
      clientCertPath: join(dir, 'client.pem'),
      clientKeyPath: join(dir, 'client-key.pem'),
      serverCaCertPath: join(dir, 'ca.pem'),
      serverName: 'temporal',
    });
    assert.equal(s.sources.clientKeyPath, 'TEMPORAL_TLS_CLIENT_KEY_PATH');
    assert.equal(
      describeTemporalSettings(s),
      `temporal.internal:7233 namespace default, mutual TLS client certificate ${join(dir, 'client.pem')}, CA ${join(dir, 'ca.pem')}, server name temporal`,
    );
    assert.deepEqual(
      resolveTemporalSettings({ env: { TEMPORAL_TLS: 'true' } }).tls,
      {},
    );
    assert.equal(
      resolveTemporalSettings({ env: { ...mtls, TEMPORAL_TLS: 'false' } }).tls,
      false,
    );
  });

  it('a client certificate without its key, or a key without its certificate, is named', () => {
    const noKey = refusal({ ...mtls, TEMPORAL_TLS_CLIENT_KEY_PATH: undefined });
    assert.equal(noKey.setting, 'TEMPORAL_TLS_CLIENT_KEY_PATH');
    assert.equal(
      noKey.message,
      `Temporal connection settings: a client certificate is set (TEMPORAL_TLS_CLIENT_CERT_PATH ${join(dir, 'client.pem')}) but not its key: set TEMPORAL_TLS_CLIENT_KEY_PATH to the key's file`,
    );
    const noCert = refusal({
      ...mtls,
      TEMPORAL_TLS_CLIENT_CERT_PATH: undefined,
    });
    assert.equal(noCert.setting, 'TEMPORAL_TLS_CLIENT_CERT_PATH');
    assert.match(
      noCert.message,
      /a client key is set \(TEMPORAL_TLS_CLIENT_KEY_PATH .*client-key\.pem\) but not its certificate/,
    );
  });

  it('a file that cannot be read, or holds no PEM of its kind, is named with its setting and path', () => {
    const missing = join(dir, 'nope', 'ca.pem');
    assert.equal(
      refusal({ ...mtls, TEMPORAL_TLS_SERVER_CA_CERT_PATH: missing }).message,
      `Temporal connection settings: cannot read ${missing} (TEMPORAL_TLS_SERVER_CA_CERT_PATH): no such file`,
    );
    assert.equal(
      refusal({ ...mtls, TEMPORAL_TLS_CLIENT_KEY_PATH: dir }).message,
      `Temporal connection settings: cannot read ${dir} (TEMPORAL_TLS_CLIENT_KEY_PATH): it is a directory, not a file`,
    );
    const swapped = refusal({
      ...mtls,
      TEMPORAL_TLS_CLIENT_KEY_PATH: mtls.TEMPORAL_TLS_CLIENT_CERT_PATH,
    });
    assert.match(
      swapped.message,
      /client\.pem \(TEMPORAL_TLS_CLIENT_KEY_PATH\) holds no PEM private key/,
    );
    assert.ok(!swapped.message.includes('MIIB'), 'no file contents');
  });

  it('refuses certificates and keys given as values, and host verification turned off', () => {
    const data = refusal({ TEMPORAL_TLS_CLIENT_KEY_DATA: KEY });
    assert.equal(data.setting, 'TEMPORAL_TLS_CLIENT_KEY_DATA');
    assert.match(
      data.message,
      /give its file instead, in TEMPORAL_TLS_CLIENT_KEY_PATH/,
    );
    assert.ok(!data.message.includes('MIIE'));
    assert.match(
      refusal({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }).message,
      /TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported by the TypeScript SDK.*set TEMPORAL_TLS_SERVER_NAME/,
    );
    assert.equal(
      resolveTemporalSettings({
        env: { TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'false' },
      }).tls,
      false,
    );
  });

  it('an address that is not host:port is named', () => {
    assert.equal(
      refusal({ TEMPORAL_ADDRESS: 'https://temporal.internal' }).message,
      'Temporal connection settings: the Temporal address "https://temporal.internal" (TEMPORAL_ADDRESS) is not host:port, e.g. temporal.example.com:7233',
    );
    assert.equal(
      resolveTemporalSettings({ env: { TEMPORAL_ADDRESS: '[::1]:7233' } })
        .address,
      '[::1]:7233',
    );
  });

  it('an API key turns TLS on and never shows itself: not in a string, JSON, inspect or the log line', () => {
    const s = resolveTemporalSettings({ env: { TEMPORAL_API_KEY: SECRET } });
    assert.deepEqual(s.tls, {});
    assert.equal(s.apiKey?.reveal(), SECRET);
    assert.equal(s.apiKey?.source, 'TEMPORAL_API_KEY');
    for (const shown of [
      String(s.apiKey),
      JSON.stringify(s),
      inspect(s, { depth: 5 }),
      describeTemporalSettings(s),
    ])
      assert.ok(!shown.includes(SECRET), shown);
    assert.match(
      describeTemporalSettings(s),
      /\(API key from TEMPORAL_API_KEY\)/,
    );
  });

  it('TEMPORAL_API_KEY_FILE: the key read from a file (trimmed); empty, missing or beside TEMPORAL_API_KEY refused', () => {
    const keyFile = file('api-key', `${SECRET}\n`);
    const s = resolveTemporalSettings({
      env: { TEMPORAL_API_KEY_FILE: keyFile },
    });
    assert.equal(s.apiKey?.reveal(), SECRET);
    assert.equal(s.apiKey?.source, `TEMPORAL_API_KEY_FILE ${keyFile}`);
    assert.match(
      refusal({ TEMPORAL_API_KEY_FILE: file('empty', '\n') }).message,
      /TEMPORAL_API_KEY_FILE .*empty is empty/,
    );
    assert.match(
      refusal({ TEMPORAL_API_KEY_FILE: join(dir, 'none') }).message,
      /cannot read .*none \(TEMPORAL_API_KEY_FILE\): no such file/,
    );
    const both = refusal({
      TEMPORAL_API_KEY_FILE: keyFile,
      TEMPORAL_API_KEY: SECRET,
    });
    assert.equal(
      both.message,
      'Temporal connection settings: both TEMPORAL_API_KEY and TEMPORAL_API_KEY_FILE are set; set one',
    );
  });

  describe('temporal.toml profiles', () => {
    let toml = '';
    before(() => {
      toml = file(
        'temporal.toml',
        `[profile.default]
address = "default.internal:7233"

[profile.prod]
address = "prod.internal:7233"
namespace = "etcd"
api_key = "${SECRET}"

[profile.prod.tls]
client_cert_path = "${join(dir, 'client.pem')}"
client_key_path = "${join(dir, 'client-key.pem')}"
server_ca_cert_path = "${join(dir, 'ca.pem')}"

[profile.inline.tls]
client_cert_path = "${join(dir, 'client.pem')}"
client_key_data = "-----BEGIN PRIVATE KEY-----"
`,
      );
    });

    it('TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE pick the profile; its settings are named by key and file', () => {
      const s = resolveTemporalSettings({
        env: { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod' },
      });
      assert.deepEqual(
        [
          s.address,
          s.namespace,
          s.tls ? s.tls.clientKeyPath : undefined,
          s.profile,
        ],
        [
          'prod.internal:7233',
          'etcd',
          join(dir, 'client-key.pem'),
          { name: 'prod', file: toml },
        ],
      );
      assert.equal(s.apiKey?.source, `api_key of profile prod in ${toml}`);
      assert.equal(
        s.sources.clientCertPath,
        `client_cert_path of profile prod in ${toml}`,
      );
      assert.ok(!describeTemporalSettings(s).includes(SECRET));
    });

    it('the environment over the file; the default profile without TEMPORAL_PROFILE', () => {
      const s = resolveTemporalSettings({
        env: {
          TEMPORAL_CONFIG_FILE: toml,
          TEMPORAL_PROFILE: 'prod',
          TEMPORAL_ADDRESS: 'env.internal:7233',
          TEMPORAL_TLS_SERVER_NAME: 'temporal',
          TEMPORAL_GRPC_META_X_TENANT: 'etcd',
        },
      });
      assert.equal(s.address, 'env.internal:7233');
      assert.equal(s.sources.serverName, 'TEMPORAL_TLS_SERVER_NAME');
      assert.equal(
        s.sources.clientCertPath,
        `client_cert_path of profile prod in ${toml}`,
      );
      assert.deepEqual(s.grpcMeta, { 'x-tenant': 'etcd' });
      const d = resolveTemporalSettings({
        env: { TEMPORAL_CONFIG_FILE: toml },
      });
      assert.equal(d.address, 'default.internal:7233');
    });

    it('the default file ~/.config/temporalio/temporal.toml is read when it exists, and only then', () => {
      const home = join(dir, 'home');
      mkdirSync(join(home, '.config', 'temporalio'), { recursive: true });
      assert.equal(
        resolveTemporalSettings({ env: { HOME: home } }).profile,
        undefined,
      );
      writeFileSync(
        join(home, '.config', 'temporalio', 'temporal.toml'),
        '[profile.default]\nnamespace = "from-home"\n',
      );
      assert.equal(
        resolveTemporalSettings({ env: { HOME: home } }).namespace,
        'from-home',
      );
    });

    it('a missing profile, a missing TEMPORAL_CONFIG_FILE, inline key data and bad TOML are refused in words', () => {
      assert.equal(
        refusal({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' })
          .message,
        `Temporal connection settings: profile staging (TEMPORAL_PROFILE) is not in ${toml}`,
      );
      assert.equal(
        refusal({ TEMPORAL_CONFIG_FILE: join(dir, 'missing.toml') }).message,
        `Temporal connection settings: cannot read ${join(dir, 'missing.toml')} (TEMPORAL_CONFIG_FILE): no such file`,
      );
      assert.match(
        refusal({ TEMPORAL_PROFILE: 'prod' }).message,
        /TEMPORAL_PROFILE is prod but there is no Temporal config file/,
      );
      const inline = refusal({
        TEMPORAL_CONFIG_FILE: toml,
        TEMPORAL_PROFILE: 'inline',
      });
      assert.equal(
        inline.message,
        `Temporal connection settings: client_key_data of profile inline in ${toml} holds a certificate or key itself; give its file instead, as client_key_path (secrets travel as file paths)`,
      );
      const bad = file('bad.toml', `[profile.default]\napi_key = "${SECRET}\n`);
      const m = refusal({ TEMPORAL_CONFIG_FILE: bad }).message;
      assert.match(m, /bad\.toml is not valid TOML \(line \d+, column \d+\)$/);
      assert.ok(!m.includes(SECRET), m);
    });
  });
});
