// A compact OpenAPI 3.1 description of the public API (API.md), served at /api/v1/openapi.json.
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const err = { description: 'Error', ...json(ref('Error')) };
const op = (summary: string, extra: Record<string, unknown> = {}) => ({ summary, responses: { 200: { description: 'OK' }, 400: err, 401: err, 403: err, 404: err }, ...extra });

export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Deskport API', version: '1' },
  servers: [{ url: '/api/v1' }],
  components: {
    securitySchemes: { cookie: { type: 'apiKey', in: 'cookie', name: 'deskport_session' }, bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } } },
      Session: {
        type: 'object',
        required: ['id', 'poolId', 'userId', 'state', 'createdAt', 'viewers'],
        properties: { id: { type: 'string' }, poolId: { type: 'string' }, userId: { type: 'string' }, state: { enum: ['starting', 'ready', 'ending', 'ended', 'failed', 'lost'] }, hostId: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' }, readyAt: { type: 'string', format: 'date-time' }, endedAt: { type: 'string', format: 'date-time' }, viewers: { type: 'integer' }, error: { type: 'string' } },
      },
    },
  },
  security: [{ cookie: [] }, { bearer: [] }],
  paths: {
    '/auth/login': { post: op('Sign in', { requestBody: json({ type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string' }, otp: { type: 'string' } } }) }) },
    '/auth/logout': { post: op('Sign out') },
    '/me': { get: op('The signed-in user') },
    '/me/tokens': { post: op('Create a personal API token', { requestBody: json({ type: 'object', required: ['name'], properties: { name: { type: 'string' }, expiresInDays: { type: 'integer' } } }) }) },
    '/pools': { get: op('Pools the user is entitled to') },
    '/sessions': { get: op('The user’s sessions'), post: op('Launch or resume a desktop', { requestBody: json({ type: 'object', required: ['poolId'], properties: { poolId: { type: 'string' } } }) }) },
    '/sessions/{id}': { get: op('One session'), delete: op('End the session') },
    '/sessions/{id}/events': { get: op('Progress, state and shadow events (text/event-stream); 429 too_many_streams beyond 8 per person (the owner’s oldest is replaced instead)', { responses: { 200: { description: 'OK' }, 400: err, 401: err, 404: err, 429: err } }) },
    '/sessions/{id}/tickets': { post: op('A one-time display ticket', { requestBody: json({ type: 'object', properties: { mode: { enum: ['control', 'view'] } } }) }) },
    '/admin/users': { get: op('Users'), post: op('Create a user') },
    '/admin/users/{id}': {
      get: op('A user'),
      patch: op('Change a user', { description: 'Disabling, or taking away groups or roles, closes the displays and ends the sessions the user no longer may hold, at once. Setting one’s own password here is refused: 403 self_service_required (use POST /me/password).' }),
      delete: op('Delete a user', { description: 'Closes their displays and ends their live sessions first.' }),
    },
    '/admin/users/{id}/mfa/reset': { post: op('Reset a user’s second factor', { description: 'Not for one’s own account: 403 self_service_required (turn it off on the Account page with the password or a code).' }) },
    '/admin/groups': { get: op('Groups'), post: op('Create a group') },
    '/admin/groups/{id}': { delete: op('Delete a group') },
    '/admin/pools': { get: op('Pools'), post: op('Create a pool') },
    '/admin/pools/{id}': { get: op('A pool'), patch: op('Change a pool'), delete: op('Delete a pool') },
    '/admin/hosts': { get: op('Hosts') },
    '/admin/hosts/enrollments': { post: op('A one-time host enrollment token') },
    '/admin/hosts/{id}/drain': { post: op('Drain a host') },
    '/admin/hosts/{id}/cordon': { post: op('Cordon a host') },
    '/admin/hosts/{id}/uncordon': { post: op('Uncordon a host') },
    '/admin/hosts/{id}': { delete: op('Remove a host: revokes its credential and disconnects its agent now (409 host_in_use while it runs desktops)') },
    '/admin/sessions': { get: op('All sessions (filters state, userId, poolId, hostId)') },
    '/admin/sessions/{id}': { delete: op('Force-end a session') },
    '/admin/audit': { get: op('Audit events, newest first (filters since, actor, action)') },
  },
} as const;
