// The service-point page: a few static files from src/web/staff, read once and served with
// the app's strict CSP (self-hosted script and style, nothing inline). No key needed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { errorBody } from '../../http/errors.ts';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'staff');
const FILES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'national-id.js': 'text/javascript; charset=utf-8',
  'words.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

export async function staffPageRoutes(app: FastifyInstance) {
  const index = readFileSync(path.join(DIR, 'index.html'));
  const assets = new Map(Object.entries(FILES).map(([name, type]) => [name, { type, body: readFileSync(path.join(DIR, name)) }]));

  app.get('/staff', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index));

  app.get<{ Params: { file: string } }>('/staff/:file', async (req, reply) => {
    const f = assets.get(req.params.file);
    if (!f) return reply.code(404).send(errorBody('not_found', 'no such file'));
    return reply.type(f.type).header('cache-control', 'no-cache').send(f.body);
  });
}
