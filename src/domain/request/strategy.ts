/**
 * The request's strategy: how a run goes about its change (canary, data-dir and certificate policies,
 * timeouts, approval). A section of the request (request.ts, scaleInRequest.ts) and of a cluster
 * profile (profile.ts), held to the same rules wherever it is written.
 */
import { z } from 'zod';
import { freeText, need } from './patterns';
import { MAX_CLUSTER_SIZE } from './requestParts';

export const StrategySchema = z
  .object({
    canary: z
      .number(need('must be a number'))
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(MAX_CLUSTER_SIZE, `must be at most ${MAX_CLUSTER_SIZE}`)
      .default(1),
    rollback: z
      .enum(['all', 'none'], need('must be "all" or "none"'))
      .default('all'),
    staleDataDir: z
      .enum(['quarantine', 'fail'], need('must be "quarantine" or "fail"'))
      .default('quarantine'),
    allowEvenSize: z.boolean(need('must be true or false')).default(false),
    /** Scale-in: accept a target that tolerates no failure from a cluster that tolerated one. */
    allowNoFaultTolerance: z
      .boolean(need('must be true or false'))
      .default(false),
    allowLargeCluster: z.boolean(need('must be true or false')).default(false),
    catchUpTimeoutSeconds: z
      .number(need('must be a number of seconds'))
      .int('must be an integer')
      .min(5, 'must be at least 5')
      .max(86_400, 'must be at most 86400')
      .default(300),
    healthTimeoutSeconds: z
      .number(need('must be a number of seconds'))
      .int('must be an integer')
      .min(5, 'must be at least 5')
      .max(3_600, 'must be at most 3600')
      .default(120),
    /**
     * A joining member's first start may take this long (the unit's TimeoutStartSec for that start,
     * src/activities/node/joinStart.ts): near the 2 GiB quota it took up to 151 s, past the 90 s
     * that Kubespray's unit keeps from systemd.
     */
    startTimeoutSeconds: z
      .number(need('must be a number of seconds'))
      .int('must be an integer')
      .min(10, 'must be at least 10')
      .max(3_600, 'must be at most 3600')
      .default(600),
    approval: z
      .enum(['none', 'after-canary'], need('must be "none" or "after-canary"'))
      .default('none'),
    approvalTimeout: z
      .union(
        [z.number(), z.string()],
        need(
          'must be a duration like "24h", "30m", "90s" or a number of seconds',
        ),
      )
      .transform((v, ctx) => {
        const seconds = parseDuration(v);
        if (seconds === undefined || seconds < 1 || seconds > 30 * 86_400) {
          ctx.addIssue({
            code: 'custom',
            message: `must be a duration from 1s to 30d like "24h", "30m", "90s" or a number of seconds, got ${JSON.stringify(v)}`,
          });
          return z.NEVER;
        }
        return seconds;
      })
      .default(86_400),
    onApprovalTimeout: z
      .enum(
        ['rollback', 'keep-canary'],
        need('must be "rollback" or "keep-canary"'),
      )
      .default('rollback'),
    approvers: z
      .array(freeText(128), need('must be a list of names'))
      .min(
        1,
        'must name at least one approver (leave it out to let anyone with access decide)',
      )
      .max(100, 'must list at most 100 approvers')
      .optional(),
    /** Four eyes: whoever requested the run (ticket.requestedBy; the API's token identity) may not decide it. */
    fourEyes: z.boolean(need('must be true or false')).default(false),
    minCertValidityDays: z
      .number(need('must be a number of days'))
      .int('must be an integer')
      .min(0, 'must be at least 0')
      .max(3_650, 'must be at most 3650')
      .default(30),
    certificates: z
      .enum(['check', 'issue'], need('must be "check" or "issue"'))
      .default('check'),
  })
  .strict();

/** "24h", "30m", "90s", "1d", "1h30m" or a number of seconds -> seconds. */
export function parseDuration(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v.trim());
  if (!m || v.trim() === '')
    return /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined;
  const [, d, h, min, sec] = m.map((x) => Number(x ?? 0));
  return d * 86_400 + h * 3_600 + min * 60 + sec;
}
