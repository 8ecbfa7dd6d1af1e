/** Small builders the OpenAPI document is written with. */
export type Json = Record<string, unknown>;

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: Json, description: string) => ({ description, content: { 'application/json': { schema } } });
export const error = (description: string) => json(ref('Error'), description);
export const object = (properties: Record<string, Json>, required: string[] = Object.keys(properties)) => ({ type: 'object', properties, required });
export const nullableString = { type: ['string', 'null'] };

export const workflowIdParam = { name: 'workflowId', in: 'path', required: true, description: "The run's workflow id (scaleout-<cluster>-<ticket>).", schema: { type: 'string', minLength: 1, maxLength: 255 } };
export const authErrors = { '401': error('Missing or wrong bearer token.') };
export const unavailable = { '503': error('Temporal is not reachable.') };
export const notFound = { '404': error('No scale-out with this id.') };
