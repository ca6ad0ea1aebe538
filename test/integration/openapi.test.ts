// openapi.yaml is the contract: every served route is documented and every documented
// route is served.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createTestContext, type TestContext } from '../helpers/context.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => t?.close());

// Served by plugins for the rendered docs and the staff page's assets, not API routes.
const INFRASTRUCTURE = /^\/(docs\/|staff\/)/;

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
