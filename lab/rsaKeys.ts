/**
 * The lab's RSA keys (2048 bits, as Kubespray's make-ssl-etcd.sh and kubeadm make them). One costs ~0.4 s
 * of CPU here; a control-plane lab needs 21 and the suite starts dozens of TLS labs. So every key but a
 * CA's is made once per role (its file name in the lab's PKI: one per host and purpose), kept in the
 * cache and copied into each lab. Within a lab every key is still its own, and every lab makes its CA
 * keys anew, so no lab trusts another's certificates.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  renameSync,
} from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR } from './paths';
import { execFileP } from './processes';

export const KEY_BITS = '2048';

const DIR = join(CACHE_DIR, 'lab-rsa-keys');
const making = new Map<string, Promise<string>>();

/** The cached key of `role`, made when missing (through a temporary file: other processes may use the cache). */
function cachedKey(role: string): Promise<string> {
  let key = making.get(role);
  if (!key) {
    key = (async () => {
      const file = join(DIR, role.replace(/[^A-Za-z0-9._-]/g, '_'));
      if (existsSync(file)) return file;
      mkdirSync(DIR, { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await execFileP('openssl', ['genrsa', '-out', tmp, KEY_BITS]);
      renameSync(tmp, file);
      return file;
    })();
    key.catch(() => making.delete(role));
    making.set(role, key);
  }
  return key;
}

/** Writes the key of `role` (e.g. `etcd/member-etcd4-key.pem`) to `out`, mode 0600 as openssl writes it. */
export async function labRsaKey(role: string, out: string): Promise<void> {
  copyFileSync(await cachedKey(role), out);
  chmodSync(out, 0o600);
}
