/**
 * Malformed and dangerous scale-out requests, each built by editing a deep clone of a good request,
 * with the `<field path>: <message>` that validation must print for it (formatErrors' format).
 *
 * Used twice: by the unit tests against validateRequest directly, and by the integration test
 * through the real workflow. Requests that need the live cluster to be refused (an even target size,
 * a peer URL that is already a member) are not here: planning refuses those.
 */
import { caseContext, type Req } from './context';
import { nameCases } from './names';
import { nodePathCases } from './nodePaths';
import { ownershipCases } from './ownership';
import { shapeCases } from './shape';
import { strategyCases } from './strategy';
import { urlCases } from './urls';

export { sampleRequest } from './sample';

export interface BadRequest {
  name: string;
  /** Must match the printed errors: `<field path>: <message>`. */
  field: RegExp;
  request: unknown;
}

const clone = (r: Req): Req => JSON.parse(JSON.stringify(r));

export function badRequests(good: Req): BadRequest[] {
  if (!Array.isArray(good.newMembers) || good.newMembers.length < 2)
    throw new Error(
      'badRequests needs a good request with at least 2 new members',
    );
  const context = caseContext(good);
  const cases = [
    ...shapeCases(context),
    ...nameCases(),
    ...urlCases(context),
    ...ownershipCases(context),
    ...nodePathCases(),
    ...strategyCases(context),
  ];
  return cases.map((c) => ({
    name: c.name,
    field: c.field,
    request: c.edit(clone(good)),
  }));
}
