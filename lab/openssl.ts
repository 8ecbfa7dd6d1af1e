/** openssl, as the lab's certificate makers (pki.ts, kubePki.ts, temporalPki.ts) run it in their folder. */
import { execFileP } from './processes';

/** Runs `openssl args` in `dir`; a failure names the command, the folder and what openssl said. */
export async function openssl(dir: string, ...args: string[]): Promise<void> {
  try {
    await execFileP('openssl', args, { cwd: dir });
  } catch (err) {
    throw new Error(
      `openssl ${args.slice(0, 2).join(' ')} in ${dir} failed: ${(err as { stderr?: string }).stderr || (err as Error).message}`,
    );
  }
}
