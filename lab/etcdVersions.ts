/**
 * The etcd versions the lab runs. The list is lab/etcd-versions (scripts/setup.sh reads the same file
 * to install or build them); `ETCD_VERSION` selects one for the cluster members and the test hosts
 * alike, the line marked `default` otherwise.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, labSourcePath } from './paths';

export interface EtcdRelease {
  version: string;
  /** `debian`: Debian's etcd-server/etcd-client; `build`: scripts/build-etcd.sh into the cache. */
  source: 'debian' | 'build';
  isDefault: boolean;
  etcd: string;
  etcdctl: string;
}

export function etcdReleases(): EtcdRelease[] {
  const lines = readFileSync(labSourcePath('etcd-versions'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return lines.map((line) => {
    const [version, source, mark] = line.split(/\s+/);
    if (source !== 'debian' && source !== 'build')
      throw new Error(
        `lab/etcd-versions: "${line}": the source must be debian or build`,
      );
    const dir =
      source === 'debian' ? '/usr/bin' : join(CACHE_DIR, 'etcd', version);
    return {
      version,
      source,
      isDefault: mark === 'default',
      etcd: join(dir, 'etcd'),
      etcdctl: join(dir, 'etcdctl'),
    };
  });
}

const checked = new Map<string, EtcdRelease>();

/**
 * The release for `version` (default: `$ETCD_VERSION`, else the default line), checked once per
 * process: both binaries present and `etcd --version` saying that version.
 */
export function etcdRelease(
  version: string | undefined = process.env.ETCD_VERSION || undefined,
): EtcdRelease {
  const all = etcdReleases();
  const release = version
    ? all.find((r) => r.version === version.replace(/^v/, ''))
    : all.find((r) => r.isDefault);
  if (!release)
    throw new Error(
      `etcd ${version ?? '(default)'} is not in lab/etcd-versions (${all.map((r) => r.version).join(', ')})`,
    );
  const known = checked.get(release.version);
  if (known) return known;
  const howTo =
    release.source === 'debian'
      ? 'apt-get install etcd-server etcd-client'
      : `bash scripts/build-etcd.sh ${release.version}`;
  for (const bin of [release.etcd, release.etcdctl])
    if (!existsSync(bin))
      throw new Error(
        `etcd ${release.version}: ${bin} is missing; run scripts/setup.sh (or ${howTo})`,
      );
  const said = execFileSync(release.etcd, ['--version'], {
    encoding: 'utf8',
    env: withoutEtcdVariables(),
  });
  if (
    !new RegExp(
      `etcd Version: ${release.version.replace(/\./g, '\\.')}\\n`,
    ).test(said)
  ) {
    throw new Error(
      `${release.etcd} is not etcd ${release.version}: ${said.split('\n')[0]}`,
    );
  }
  checked.set(release.version, release);
  return release;
}

/**
 * The environment for processes that run etcd: without ETCD_* variables, which etcd would read as its
 * flags (ETCD_VERSION, that selects the lab's version, among them).
 */
export function withoutEtcdVariables(
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([k]) => !k.startsWith('ETCD_')),
  );
}
