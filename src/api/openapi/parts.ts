/** Small builders the OpenAPI document is written with. */
export type Json = Record<string, unknown>;

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: Json, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
export const error = (description: string) => json(ref('Error'), description);
export const object = (
  properties: Record<string, Json>,
  required: string[] = Object.keys(properties),
) => ({ type: 'object', properties, required });
export const nullableString = { type: ['string', 'null'] };

export const workflowIdParam = {
  name: 'workflowId',
  in: 'path',
  required: true,
  description:
    "The run's workflow id (scaleout-, scalein- or replace-<cluster>_<ticket>, each part escaped with _: OPS/12 is OPS_2f12); URL-safe as it is.",
  schema: { type: 'string', minLength: 1, maxLength: 1000 },
};
export const authErrors = { '401': error('Missing or wrong bearer token.') };
/** 403 for a route that needs `role`. */
export const forbidden = (role: string) => ({
  '403': json(
    ref('Forbidden'),
    `The token's identity does not have the ${role} role.`,
  ),
});
export const unavailable = { '503': error('Temporal is not reachable.') };
export const notFound = {
  '404': error('No scale-out, scale-in or replacement with this id.'),
};
