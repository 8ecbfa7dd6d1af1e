/** How the worker reaches a new member's host: the request's SSH settings, the member's own port if it has one. */
import type { SshTarget } from '../activities';
import type { NewMember, ScaleOutRequest } from '../domain/request';

export const sshTarget = (request: ScaleOutRequest, m: NewMember): SshTarget => ({
  host: m.host,
  port: m.sshPort ?? request.ssh.port,
  user: request.ssh.user,
  privateKeyFile: request.ssh.privateKeyFile,
  knownHostsFile: request.ssh.knownHostsFile,
});
