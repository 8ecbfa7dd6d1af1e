/**
 * The dry run's env files: per new node, the env file the run would write, as a diff against the
 * node's current one; per existing member, its env file once the run has written the full member list
 * into it (memberEnvFiles). Read over SSH from where the CLI runs (read-only); when a node cannot be
 * reached from here, the plan says so and goes on without that diff.
 */
import type { ClusterState } from '../../activities/etcd/activities';
import { createEnvSourceActivities } from '../../activities/node/envSource';
import { createSshRunner } from '../../activities/node/ssh';
import { renderEnvDiff } from '../../domain/envFiles/envDiff';
import { mergeEnvFile, parseEnvFile } from '../../domain/envFiles/envFileText';
import {
  type EnvSource,
  envToWrite,
  resolveEnvFrom,
  templateMember,
} from '../../domain/envFiles/futureEnv';
import { updateMemberEnvText } from '../../domain/envFiles/memberEnvUpdate';
import type { ScaleOutPlan } from '../../domain/planning';
import { hostOf } from '../../domain/request/patterns';
import type { ScaleOutRequest } from '../../domain/request/request';
import { hostSshTarget, sshTarget } from '../../workflows/run/sshTarget';

const messageOf = (err: unknown) =>
  err instanceof Error ? err.message : String(err);

export async function envDiffs(
  request: ScaleOutRequest,
  state: ClusterState,
  plan: ScaleOutPlan,
): Promise<string[]> {
  const envs = createEnvSourceActivities({ ssh: createSshRunner() });
  const { envFile, dataDir } = request.node;
  const tmpl = templateMember(state.members, request);
  let template: Promise<EnvSource['template'] | string> | undefined;
  const readTemplate = () => {
    template ??= (async () => {
      if (!tmpl) return 'no healthy voting member to read an env file from';
      const r = await envs.readEnvFile(
        hostSshTarget(request, hostOf(tmpl.clientURLs[0])),
        envFile,
      );
      return r.exists
        ? { text: r.text, member: { name: tmpl.name, peerURLs: tmpl.peerURLs } }
        : `member ${tmpl.name} has no ${envFile}`;
    })().catch(
      (err) =>
        `cannot read ${envFile} of member ${tmpl?.name} over SSH from here: ${messageOf(err)}`,
    );
    return template;
  };
  const perNode = await Promise.all(
    plan.steps.map(async ({ member, initialCluster }): Promise<string[]> => {
      const where = `${member.name} (${member.host})`;
      let cur: { exists: boolean; text: string };
      try {
        cur = await envs.readEnvFile(sshTarget(request, member), envFile);
      } catch (err) {
        return [
          `${where}: SSH is not reachable from here (${messageOf(err)}); its env file diff is left out`,
        ];
      }
      const source: EnvSource = {
        envFrom: resolveEnvFrom(request, cur.exists),
        nodeVars: parseEnvFile(cur.text),
      };
      if (source.envFrom === 'member') {
        const t = await readTemplate();
        if (typeof t === 'string' || !t)
          return [
            `${where}: env to be derived from a member, but ${t ?? 'no template'}; its env file diff is left out`,
          ];
        source.template = t;
      }
      try {
        const next = mergeEnvFile(
          cur.exists ? cur.text : '',
          envToWrite(source, member, initialCluster, dataDir),
        );
        return [
          `${where}, env from ${source.envFrom === 'member' ? `member ${source.template?.member.name}` : 'the node'}:`,
          ...renderEnvDiff(envFile, cur.exists ? cur.text : null, next).map(
            (l) => `  ${l}`,
          ),
        ];
      } catch (err) {
        return [
          `${where}: preflight would refuse its env file: ${messageOf(err)}`,
        ];
      }
    }),
  );
  return perNode.flat();
}

/** Per existing member: its env file after the run (the full member list, state existing), as a diff. */
export async function memberEnvDiffs(
  request: ScaleOutRequest,
  state: ClusterState,
  plan: ScaleOutPlan,
): Promise<string[]> {
  const envs = createEnvSourceActivities({ ssh: createSshRunner() });
  const { envFile } = request.node;
  const initialCluster = plan.steps[plan.steps.length - 1].initialCluster;
  const members = state.members.filter((m) => m.name && m.clientURLs.length);
  const perMember = await Promise.all(
    members.map(async (m): Promise<string[]> => {
      const host = hostOf(m.clientURLs[0]);
      const where = `${m.name} (${host})`;
      try {
        const cur = await envs.readEnvFile(
          hostSshTarget(request, host),
          envFile,
        );
        if (!cur.exists)
          return [`${where}: has no ${envFile}; nothing to update`];
        const next = updateMemberEnvText(cur.text, m, initialCluster).text;
        return [
          `${where}, not restarted:`,
          ...renderEnvDiff(envFile, cur.text, next).map((l) => `  ${l}`),
        ];
      } catch (err) {
        return [`${where}: its env file diff is left out (${messageOf(err)})`];
      }
    }),
  );
  return perMember.flat();
}
