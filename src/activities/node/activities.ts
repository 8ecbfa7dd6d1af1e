/**
 * The node adapter: what happens on a new member's host, over SSH, one factory per concern, composed
 * here. Every command is built with the quoting helper `sh`; every activity is idempotent.
 */
import { type CheckpointHook, noCheckpoint } from '../checkpoints';
import { createDataDirActivities } from './dataDir';
import { createEnvFileActivities } from './envFile';
import { createNodeInspection } from './inspect';
import { createMachineIdActivities } from './machineId';
import { createMemberEnvFileActivities } from './memberEnvFile';
import { remote as remoteOver } from './remote';
import { createServiceActivities } from './service';
import type { SshRunner } from './ssh';

export type { NodeFacts, NodePaths } from './inspect';

export function createNodeActivities(deps: {
  ssh: SshRunner;
  checkpoint?: CheckpointHook;
}) {
  const remote = remoteOver(deps.ssh);
  const checkpoint = deps.checkpoint ?? noCheckpoint;
  return {
    ...createNodeInspection({ remote }),
    ...createDataDirActivities({ remote }),
    ...createEnvFileActivities({ remote, checkpoint }),
    ...createServiceActivities({ remote, checkpoint }),
    ...createMachineIdActivities({ remote }),
    ...createMemberEnvFileActivities({ remote, checkpoint }),
  };
}

export type NodeActivities = ReturnType<typeof createNodeActivities>;
