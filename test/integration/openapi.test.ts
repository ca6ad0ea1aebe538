// openapi.yaml is the contract: every served route is documented and every documented
// route is served.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { ROLES } from '../../src/domain/principal.ts';
import { isValidNationalId } from '../../src/domain/national-id.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => t?.close());

// Served by plugins for the rendered docs, the pages' assets, the browser's icon request and the queue view (Bull Board's own routes), not API routes.
const INFRASTRUCTURE = /^\/(docs\/|pages\/|staff\/|dashboard\/|admin\/queues|admin\/sign-in\.js|favicon\.ico$)/;

it('documents exactly the routes the app serves', () => {
  const doc = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
  };
  expect(doc.openapi).toMatch(/^3\.1/);
  const documented = new Set<string>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) {
      if (['get', 'put', 'post', 'delete', 'patch'].includes(method)) documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
    }
  }
  const served = new Set(
    t.app.servedRoutes
      .filter((r) => !INFRASTRUCTURE.test(r.url) && r.url !== '*' && r.url !== '/docs/')
      .map((r) => `${r.method} ${r.url.replace(/\/$/, '') || '/'}`),
  );
  expect([...served].filter((r) => !documented.has(r)).sort(), 'served but not documented').toEqual([]);
  expect([...documented].filter((r) => !served.has(r)).sort(), 'documented but not served').toEqual([]);
});

interface Doc {
  paths: Record<string, Record<string, { responses?: Record<string, Response> }>>;
  components: { responses: Record<string, Response> };
}
interface Response {
  $ref?: string;
  description?: string;
  content?: { 'application/json'?: { schema?: { $ref?: string; allOf?: { $ref?: string }[] } } };
}

/** The statuses a served route can answer whatever its handler does, and why. */
function edgeStatuses(r: (typeof t.app.servedRoutes)[number]): [string, string][] {
  const out: [string, string][] = [];
  const hasBody = r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH';
  if (r.url.includes(':') || r.validatesQuery || hasBody) out.push(['400', 'validates its input']);
  if (r.roles) out.push(['401', 'needs a key']);
  if (r.roles && r.roles.length < ROLES.length) out.push(['403', `admits ${r.roles.join(', ')} only`]);
  if (hasBody) out.push(['408', 'takes a body (BODY_IDLE_TIMEOUT_MS)'], ['413', 'takes a body (body limit)'], ['415', 'takes a body (content types)']);
  if (r.url.includes(':')) out.push(['414', 'has a path parameter (maxParamLength)']);
  if (r.rateLimited) out.push(['429', 'is under the global rate limit']);
  return out;
}

// Regression: 401, 413, 415 and 429 were missing on many operations, some errors had no shape.
it('documents every status a route can answer, in the error shape', () => {
  const doc = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as Doc;
  const missing: string[] = [];
  for (const r of t.app.servedRoutes.filter((x) => !INFRASTRUCTURE.test(x.url) && x.url !== '*' && x.url !== '/docs/')) {
    const path = r.url.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '') || '/';
    const responses = doc.paths[path]?.[r.method.toLowerCase()]?.responses ?? {};
    for (const [status, why] of edgeStatuses(r)) if (!responses[status]) missing.push(`${r.method} ${path} ${status}: ${why}`);
  }
  expect(missing, 'statuses the route can answer but the document lacks').toEqual([]);

  const shapeless: string[] = [];
  const isError = (res: Response | undefined): boolean => {
    if (res?.$ref) return isError(doc.components.responses[res.$ref.replace('#/components/responses/', '')]);
    const schema = res?.content?.['application/json']?.schema;
    return schema?.$ref === '#/components/schemas/Error' || Boolean(schema?.allOf?.some((s) => s.$ref === '#/components/schemas/Error'));
  };
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      for (const [status, res] of Object.entries(op.responses ?? {})) if (Number(status) >= 400 && !isError(res)) shapeless.push(`${method} ${path} ${status}`);
    }
  }
  expect(shapeless, 'error answers documented without the error shape').toEqual([]);
});

it('is a valid OpenAPI 3.1 document', async () => {
  const result = await new Validator().validate(fileURLToPath(new URL('../../openapi.yaml', import.meta.url)));
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
});

it('renders the document at /docs', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  expect(res.json().info.title).toContain('Pension');
  const page = await t.app.inject({ method: 'GET', url: '/docs' });
  expect([200, 302]).toContain(page.statusCode);
});

describe('the docs work against the server that serves them', () => {
  const doc = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as {
    servers: { url: string }[];
    tags: { name: string }[];
    paths: Record<string, Record<string, { tags?: string[] }>>;
  };

  it('names a relative server, so "Try it out" calls whatever PORT/HOST served the page', () => {
    expect(doc.servers).toEqual([{ url: '/' }]);
  });

  it('groups every operation under a declared tag', () => {
    const declared = new Set(doc.tags.map((x) => x.name));
    const untagged: string[] = [];
    for (const [p, ops] of Object.entries(doc.paths))
      for (const [m, op] of Object.entries(ops)) {
        if (!['get', 'put', 'post', 'delete', 'patch'].includes(m)) continue;
        if (!op.tags?.length || !op.tags.every((x) => declared.has(x))) untagged.push(`${m} ${p}`);
      }
    expect(untagged).toEqual([]);
  });

  it('gives every national ID in its examples a valid check digit', () => {
    const text = readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8');
    const ids = [...text.matchAll(/(?<![0-9])[1-9]\d{16}[0-9X](?![0-9X])/g)].map((m) => m[0]);
    expect(ids.length).toBeGreaterThan(5);
    expect(ids.filter((id) => !isValidNationalId(id))).toEqual([]);
  });

  it("lets the /docs page call the API on its own origin (CSP connect-src is 'self')", async () => {
    const r = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(r.statusCode).toBe(200);
    const csp = String(r.headers['content-security-policy']);
    const directive = (name: string) =>
      csp
        .split(';')
        .map((d) => d.trim())
        .find((d) => d.startsWith(`${name} `));
    expect(directive('connect-src') ?? directive('default-src')).toMatch(/'self'/);
    const spec = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.json().servers).toEqual([{ url: '/' }]);
  });
});
