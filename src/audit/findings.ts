/**
 * What the report derives from the recorded events: members before and after, the backup, and
 * the rollback account. The run's result says it when the run completed; otherwise the results of
 * the activities that read the cluster and took the snapshot do.
 */
import type { Activities, BackupRecord } from '../activities';
import type { ProfileLookup } from '../domain/profile/profileResolution';
import {
  activitySummary,
  type Phase,
  parseActivitySummary,
} from '../workflows/run/messages';
import type { RecordedActivity } from './recording';
import type { AuditActivity, AuditMember, AuditReport } from './types';

const INSPECT: keyof Activities = 'inspectCluster';
const SNAPSHOT: keyof Activities = 'takeSnapshot';
const PROFILE: keyof Activities = 'loadClusterProfile';
/** Undo activities carry this phase in their summary ("rollback etcd5"). */
const ROLLBACK: Phase = 'rollback';

/** A scale-out's result lists members as etcd does; a scale-in's and a replacement's by name. */
type ResultMember = Record<string, unknown> | string;
type RunResult = {
  membersBefore?: ResultMember[];
  membersAfter?: ResultMember[];
  backup?: BackupRecord;
  approval?: unknown;
};
type RollbackDetails = {
  failedStep?: string;
  cause?: string;
  undone?: string[];
  notUndone?: string[];
};

const asMember = (m: Record<string, unknown>): AuditMember => ({
  id: String(m.id ?? ''),
  name: String(m.name ?? ''),
  peerURLs: (m.peerURLs as string[]) ?? [],
  clientURLs: (m.clientURLs as string[]) ?? [],
  isLearner: !!m.isLearner,
  ...(typeof m.healthy === 'boolean' ? { healthy: m.healthy } : {}),
});

export const runResultOf = (
  outcome: AuditReport['outcome'],
): RunResult | undefined =>
  (outcome.result && typeof outcome.result === 'object'
    ? outcome.result
    : undefined) as RunResult | undefined;

const membersRead = (a: RecordedActivity | undefined) =>
  (
    a?.result as { members?: Record<string, unknown>[] } | undefined
  )?.members?.map(asMember);

/** Result members as the report shows them: a name is the member of that name read before, if any. */
function resultMembers(
  list: ResultMember[] | undefined,
  known: AuditMember[],
): AuditMember[] | undefined {
  if (!list) return undefined;
  return list.map((m) =>
    typeof m === 'string'
      ? (known.find((k) => k.name === m) ?? {
          id: '',
          name: m,
          peerURLs: [],
          clientURLs: [],
          isLearner: false,
        })
      : asMember(m),
  );
}

export function membersOf(
  activities: RecordedActivity[],
  result: RunResult | undefined,
): Pick<AuditReport, 'membersBefore' | 'membersAfter'> {
  const inspections = activities.filter(
    (a) => a.name === INSPECT && a.outcome === 'completed',
  );
  const read =
    membersRead(
      inspections.find((a) => a.summary === activitySummary('preflight')) ??
        inspections[0],
    ) ?? [];
  const before =
    (result?.membersBefore?.every((m) => typeof m === 'string')
      ? undefined
      : resultMembers(result?.membersBefore, read)) ??
    (read.length ? read : undefined);
  const after =
    resultMembers(result?.membersAfter, before ?? []) ??
    membersRead(
      inspections.find((a) => a.summary === activitySummary('result')),
    );
  return {
    ...(before ? { membersBefore: before } : {}),
    ...(after ? { membersAfter: after } : {}),
  };
}

export function backupOf(
  activities: RecordedActivity[],
  result: RunResult | undefined,
): BackupRecord | undefined {
  return (
    result?.backup ??
    (activities.find((a) => a.name === SNAPSHOT && a.outcome === 'completed')
      ?.result as BackupRecord | undefined)
  );
}

/** The cluster's profile and inline setting the run read in validate, as the activity returned them. */
export function profileOf(
  activities: RecordedActivity[],
): ProfileLookup | undefined {
  return activities.find((a) => a.name === PROFILE && a.outcome === 'completed')
    ?.result as ProfileLookup | undefined;
}

/** What the workflow says it undid and could not undo, from its failure details. */
export function rollbackOf(
  outcome: AuditReport['outcome'],
): AuditReport['rollback'] {
  const d = outcome.failure?.details?.[0] as RollbackDetails | undefined;
  if (!d || !(Array.isArray(d.undone) || Array.isArray(d.notUndone)))
    return undefined;
  return {
    failedStep: d.failedStep,
    cause: d.cause,
    undone: d.undone ?? [],
    notUndone: d.notUndone ?? [],
  };
}

export const isCompensation = (a: AuditActivity): boolean =>
  !!a.summary && parseActivitySummary(a.summary).phase === ROLLBACK;
