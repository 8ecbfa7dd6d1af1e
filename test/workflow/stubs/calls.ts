/**
 * How every stub activity records its call and meets its fault (see ./index.ts): a call is
 * "<activity>" or "<activity> <member>" (the new member it concerns), or "<activity> <host>" for a
 * control-plane node's; a fault keyed by the call makes it throw a non-retryable ApplicationFailure
 * (so it happens once), one keyed "<call>#<n>" only the n-th such call.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../../src/activities';
import type { ScaleOutRequestInput } from '../../../src/domain/request/request';

export interface Fault {
  type: string;
  message: string;
}

/** Records a call about a new member (by any of its name, host or URLs), or about none. */
export type Called = (activity: keyof Activities, about?: string) => void;
/** Records a control-plane node's call: "<activity> <host>". */
export type CalledOn = (activity: keyof Activities, host: string) => void;

export function recordCalls(
  request: ScaleOutRequestInput,
  faults: Record<string, Fault>,
): { calls: string[]; called: Called; calledOn: CalledOn } {
  const calls: string[] = [];
  const memberOf = (key: string) =>
    request.newMembers.find((m) =>
      [m.name, m.host, m.peerURL, m.clientURL].includes(key),
    )?.name;
  const called: Called = (activity, about) => {
    const member = about && memberOf(about);
    const call = member ? `${activity} ${member}` : activity;
    calls.push(call);
    // "<activity> @<host>" names one call of several made at once, whose order varies.
    const fault =
      faults[call] ??
      (about ? faults[`${activity} @${about}`] : undefined) ??
      faults[`${call}#${calls.filter((c) => c === call).length}`];
    if (fault)
      throw ApplicationFailure.create({ ...fault, nonRetryable: true });
  };
  const calledOn: CalledOn = (activity, host) => {
    calls.push(`${activity} ${host}`);
    const call = `${activity} ${host}`;
    const fault =
      faults[call] ??
      faults[`${call}#${calls.filter((c) => c === call).length}`];
    if (fault)
      throw ApplicationFailure.create({ ...fault, nonRetryable: true });
  };
  return { calls, called, calledOn };
}
