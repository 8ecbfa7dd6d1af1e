/**
 * The run's metrics, written through the SDK's workflow metric meter (names in src/metrics/catalog.ts).
 * Replay-safe: the meter drops every value while the workflow replays (it checks
 * `workflowInfo().unsafe.isReplaying` and its sink is not called during replay), and it adds no command
 * to the history, so these calls change neither the history nor a replay. The SDK adds the
 * `namespace`, `taskQueue` and `workflowType` labels.
 */
import {
  ApplicationFailure,
  isCancellation,
  metricMeter,
  workflowInfo,
} from '@temporalio/workflow';
import { ErrorType } from '../../domain/errors';
import {
  WORKER_METRICS as M,
  type MetricDefinition,
  meterName,
} from '../../metrics/catalog';

const counter = (m: MetricDefinition) =>
  metricMeter.createCounter(meterName(m), undefined, m.help);
const seconds = (m: MetricDefinition) =>
  metricMeter.createHistogram(meterName(m), 'float', m.unit, m.help);

export const runStarted = (): void => counter(M.runsStarted).add(1);

export const runCompleted = (): void => counter(M.runsCompleted).add(1);

/** The failure's type: its ApplicationFailure type, Cancelled for a cancel, else its class name. */
export function failureTypeOf(err: unknown): string {
  if (err instanceof ApplicationFailure && err.type) return err.type;
  if (isCancellation(err)) return ErrorType.Cancelled;
  return err instanceof Error ? err.name : 'Unknown';
}

export const runFailed = (err: unknown): void =>
  counter(M.runsFailed).add(1, { failure_type: failureTypeOf(err) });

/** The phase left after `ms` of workflow time, ok or failed (left for rollback or failed). */
export const phaseEnded = (phase: string, ms: number, failed: boolean): void =>
  seconds(M.phaseDuration).record(Math.max(0, ms) / 1000, {
    phase,
    outcome: failed ? 'failed' : 'ok',
  });

/** The run entered `phase` at `unixMs` (workflow time). */
export const phaseEntered = (phase: string, unixMs: number): void =>
  metricMeter
    .createGauge(meterName(M.phaseSince), 'float', undefined, M.phaseSince.help)
    .set(unixMs / 1000, { workflow_id: workflowInfo().workflowId, phase });

export const memberJoined = (stage: string, ms: number): void =>
  seconds(M.memberJoinDuration).record(ms / 1000, { stage });

export const apiserverNodeDone = (
  result: 'told' | 'unchanged',
  ms: number,
): void => seconds(M.apiserverNodeDuration).record(ms / 1000, { result });
