import { z } from 'zod';
import {
  API_V1_ROUTES,
  ApiAssignment,
  ApiAssignmentsPage,
  ApiFailure,
  ApiGroup,
  ApiGroupAnswer,
  ApiGroupsPage,
  ApiListQuery,
  ApiNeed,
  ApiNeedsPage,
} from '../../shared/schemas/api-v1.schema';
import { Assignment } from '../../shared/schemas/assignment.schema';
import { Group, GroupReduced } from '../../shared/schemas/group.schema';
import { Need } from '../../shared/schemas/need.schema';

/** Named schemas of the description, each emitted once under components.schemas and referenced. */
const COMPONENTS = {
  Group,
  GroupReduced,
  Need,
  Assignment,
  ApiGroup,
  ApiNeed,
  ApiAssignment,
  ApiGroupsPage,
  ApiGroupAnswer,
  ApiNeedsPage,
  ApiAssignmentsPage,
  ApiFailure,
} as const;
type ComponentName = keyof typeof COMPONENTS;

/** One operation of the API: what the router serves and the description says, from one table. */
interface Operation {
  path: (typeof API_V1_ROUTES)[keyof typeof API_V1_ROUTES];
  operationId: string;
  summary: string;
  response: ComponentName;
  list: boolean;
}

/** The token-protected operations (the description itself is public). */
export const API_V1_OPERATIONS: readonly Operation[] = [
  {
    path: API_V1_ROUTES.groups,
    operationId: 'listGroups',
    summary: 'Groups the agency may see, full or reduced, by latest change',
    response: 'ApiGroupsPage',
    list: true,
  },
  { path: API_V1_ROUTES.group, operationId: 'getGroup', summary: 'One group as the agency may see it', response: 'ApiGroupAnswer', list: false },
  { path: API_V1_ROUTES.needs, operationId: 'listNeeds', summary: 'Needs of the groups the agency sees in full', response: 'ApiNeedsPage', list: true },
  {
    path: API_V1_ROUTES.assignments,
    operationId: 'listAssignments',
    summary: 'Assignments in the groups the agency sees in full',
    response: 'ApiAssignmentsPage',
    list: true,
  },
];

/** Express `/a/:id` → OpenAPI `/a/{id}`. */
export const openApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: ComponentName, description: string) => ({ description, content: { 'application/json': { schema: ref(name) } } });

function components(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' });
  // Each schema is a component, not a document: no $schema/$id of its own.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _s, $id: _i, ...rest } = schema as Record<string, unknown>;
      return [id, rest];
    }),
  );
}

function queryParameters() {
  const schema = z.toJSONSchema(ApiListQuery, { io: 'input' }) as { properties: Record<string, { description?: string }> };
  return Object.entries(schema.properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: 'query', required: false, description, schema: rest };
  });
}

let cached: unknown = null;

/** The OpenAPI 3.1 description of /api/v1, generated from the shared zod schemas so it cannot drift. */
export function openApiDocument(): unknown {
  if (cached) return cached;
  const errors = {
    '400': json('ApiFailure', 'invalid: the query is not valid'),
    '401': json('ApiFailure', 'unauthorized: no token, an unknown token, or a revoked one'),
    '429': json('ApiFailure', 'rate_limited: too many requests with this token'),
  };
  const paths: Record<string, unknown> = {};
  for (const op of API_V1_OPERATIONS) {
    const parameters = op.list ? queryParameters() : [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }];
    paths[openApiPath(op.path)] = {
      get: {
        operationId: op.operationId,
        summary: op.summary,
        security: [{ bearerToken: [] }],
        parameters,
        responses: { '200': json(op.response, 'OK'), ...errors, ...(op.list ? {} : { '404': json('ApiFailure', 'not_found: absent or not in your view') }) },
      },
    };
  }
  paths[API_V1_ROUTES.openapi] = {
    get: {
      operationId: 'getOpenApi',
      summary: 'This description',
      security: [],
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Waymark read-only API',
      version: '1.0.0',
      description:
        "Groups, needs and assignments of one crisis, as the token's agency sees them in Waymark: a consulate " +
        'as its embassy users (full details only with consent and no protection flag), any other agency as its ' +
        'responders (exact location and details only where it has open work). Every use is audited.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer', description: 'An API token issued by a Waymark admin' } },
      schemas: components(),
    },
    security: [{ bearerToken: [] }],
    paths,
  };
  return cached;
}
