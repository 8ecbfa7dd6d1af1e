/** How the worker reaches a host: the request's SSH settings, a new member's own port if it has one. */
import type { SshTarget } from '../../activities';
import type {
  ClusterSettings,
  NewMember,
  ScaleOutRequest,
} from '../../domain/request/request';

/** Any host of the cluster (a member whose env is the template, the CA host) on ssh.port. */
export const hostSshTarget = (
  request: ClusterSettings,
  host: string,
  port = request.ssh.port,
): SshTarget => ({
  host,
  port,
  user: request.ssh.user,
  privateKeyFile: request.ssh.privateKeyFile,
  knownHostsFile: request.ssh.knownHostsFile,
});

export const sshTarget = (request: ScaleOutRequest, m: NewMember): SshTarget =>
  hostSshTarget(request, m.host, m.sshPort);
