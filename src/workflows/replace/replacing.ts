/**
 * The replacement's state as it goes, and what its failure says
 * is left once the point of no return is passed: which member is gone, which joined or not, what the
 * apiservers use, what to run next and on which host.
 */
import type { ClusterState } from '../../activities';
import type { ReplacePlan } from '../../domain/planning';
import type { ReplaceRequest } from '../../domain/request/replaceRequest';
import type { Run } from '../run/run';
import type { PreparedNode } from '../steps/nodeEnv';
import type { RemovalOutcome } from '../steps/removeMember';
import type { ApiserversResult } from '../steps/tellApiservers';
import type { MemberEnvFilesReport } from '../steps/updateMemberEnvFiles';

/** The apiserver rollouts of a replacement: `out` and `in` on the down path, `swap` on the healthy one. */
export interface ApiserverLists {
  /** Set when the list is the same before and after (the member rebuilt at its own address): why nothing was told. */
  unchanged?: string;
  out?: ApiserversResult;
  swap?: ApiserversResult;
  in?: ApiserversResult;
}

/** Made once preflight has answered: everything after it acts on the facts preflight read. */
export interface Replacing {
  run: Run;
  request: ReplaceRequest;
  before: ClusterState;
  plan: ReplacePlan;
  node: PreparedNode;
  apiservers: ApiserverLists;
  removal?: RemovalOutcome;
  memberEnvFiles?: MemberEnvFilesReport;
  /** The old member's removal was sent: from here on nothing before it is undone. */
  pastNoReturn: boolean;
}

/** Past the point of no return: what happened to the old member, the new one, and what is left. */
export function leftToDo(r: Replacing): string {
  const { plan } = r;
  const o = plan.old;
  const nm = plan.newMember;
  const joined = r.run.progress.members.some(
    (m) => m.name === nm.name && m.state === 'verified',
  );
  const removed = !!r.removal;
  const size = plan.before.voters - (removed ? 1 : 0) + (joined ? 1 : 0);
  const parts = [
    removed
      ? `past the point of no return: ${o.name} (ID ${o.id}, ${o.peerURLs.join(',')}) was removed and stays removed`
      : `past the point of no return: the removal of ${o.name} (ID ${o.id}, ${o.peerURLs.join(',')}) was sent and did not complete; if etcdctl member list still shows it, remove it with a scale-in (removeMembers ["${o.name}"])`,
    joined
      ? `${nm.name} (${nm.host}) joined and is a voter`
      : `${nm.name} (${nm.host}) did not join`,
    `the cluster has ${removed ? `${size} members` : `${size} or ${size + 1} members`}`,
  ];
  const left: string[] = [];
  if (!joined)
    left.push(
      plan.atOwnAddress
        ? `join ${nm.name} again with a scale-out of one member (newMembers [${nm.name}] on ${nm.host}, its data dir empty, once its cause is fixed); the kube-apiservers' --etcd-servers still name ${nm.clientURL} and need no change`
        : `join a replacement with a scale-out of one member (newMembers [${nm.name}] on ${nm.host} once its cause is fixed, or another node), then add its client URL to every kube-apiserver's --etcd-servers`,
    );
  else if (
    plan.path === 'down' &&
    !plan.atOwnAddress &&
    r.apiservers.in?.told !== 'all'
  )
    left.push(
      `add ${nm.clientURL} to the --etcd-servers of each kube-apiserver that lacks it (the cause above names those already told), one at a time`,
    );
  left.push(...(r.removal?.leftByHand ?? []));
  if (left.length) parts.push(`left to do: ${left.join('; ')}`);
  return parts.join('; ');
}
