/**
 * The members' hosts in a scale-out's preflight: each member's env file read over SSH, beside the new
 * nodes' probes (one attempt each; reads only, and nothing read here refuses the run):
 *
 * - a member whose host SSH cannot reach is known before any change, in the plan's warnings: the
 *   memberEnvFiles phase will leave its file by hand (as it reports at the end), so an operator learns
 *   it before the change rather than after it;
 * - the template member's env (nodeEnv.ts clusterReads) is this read when its host is one of them;
 * - the connection each read opens is the one the memberEnvFiles phase writes over after the batch (a
 *   node's connection stays open on the worker for 60 s idle, src/activities/node/sshPool.ts), so the
 *   run's last phase no longer opens one per member (~0.1-0.2 s of SSH handshakes on the lab).
 *
 * The hosts are the profile's endpoints' (the members' client URLs, known before the member list is
 * read). Runs started before this existed replay without it (`patched`).
 */
import { isCancellation, patched } from '@temporalio/workflow';
import type { EnvFileRead } from '../../activities';
import { hostOf } from '../../domain/request/patterns';
import type { ScaleOutRequest } from '../../domain/request/request';
import { activities } from '../run/activityPolicies';
import { causeOf } from '../run/causeOf';
import { activitySummary } from '../run/messages';
import { hostSshTarget } from '../run/sshTarget';

const MEMBER_HOSTS_READ = 'preflight-member-hosts-env-read';

/** Each member host's env file as read in preflight, by host; a failed read is kept as its failure. */
export type MemberHostReads = Map<string, Promise<EnvFileRead>>;

/**
 * Starts the reads, with the preflight's other early reads (inspectNewNodes.ts startEarlyReads, which
 * also waits for them when the preflight stops early); undefined on runs that replay the older code.
 * Each failure is handled where judged.
 */
export function startMemberHostReads(
  request: ScaleOutRequest,
): MemberHostReads | undefined {
  if (!patched(MEMBER_HOSTS_READ)) return undefined;
  const reads = activities(
    'readOnce',
    request.strategy,
    activitySummary('preflight'),
  );
  const hosts = [...new Set(request.cluster.endpoints.map(hostOf))];
  return new Map(
    hosts.map((host) => {
      const read = reads.readEnvFile(
        hostSshTarget(request, host),
        request.node.envFile,
      );
      read.catch(() => undefined);
      return [host, read];
    }),
  );
}

/**
 * The plan's warnings from the reads: one per member host that did not answer. A missing env file is
 * not one: the phase has nothing to update there (it reports it as missing).
 */
export async function memberHostWarnings(
  request: ScaleOutRequest,
  r?: MemberHostReads,
): Promise<string[]> {
  const warnings: string[] = [];
  for (const [host, read] of r ?? []) {
    try {
      await read;
    } catch (err) {
      if (isCancellation(err)) throw err;
      warnings.push(
        `member host ${host} did not answer over SSH in preflight (${causeOf(err)}): after the new members join, its ${request.node.envFile} is updated only if it answers then, else left by hand (the run's memberEnvFiles report says what to write)`,
      );
    }
  }
  return warnings;
}
