// A page of the service and its few static files, read once at start and served under the
// app's strict CSP (self-hosted script and style, nothing inline). The page is open: its
// script asks for a key and sends it with each API call.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './errors.ts';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** A file served from outside the page's folder (a library's dist file), cached for a year: its URL names its version. */
export interface VendorFile {
  name: string;
  file: string;
}

export interface PageFiles {
  /** The page's URL, e.g. /staff; its files are served under `${url}/`. */
  url: string;
  dir: string;
  files: string[];
  vendor?: VendorFile[];
  /** Applied to index.html once, e.g. to put versioned vendor URLs in. */
  rewrite?: (html: string) => string;
}

const typeOf = (name: string) => TYPES[path.extname(name)] ?? 'application/octet-stream';

export async function servePage(app: FastifyInstance, page: PageFiles) {
  const html = readFileSync(path.join(page.dir, 'index.html'), 'utf8');
  const index = Buffer.from(page.rewrite ? page.rewrite(html) : html);
  const assets = new Map(page.files.map((name) => [name, { type: typeOf(name), body: readFileSync(path.join(page.dir, name)), cache: 'no-cache' }]));
  for (const v of page.vendor ?? []) {
    assets.set(v.name, { type: typeOf(v.name), body: readFileSync(v.file), cache: 'public, max-age=31536000, immutable' });
  }

  app.get(page.url, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index));

  app.get<{ Params: { file: string } }>(`${page.url}/:file`, async (req, reply) => {
    const f = assets.get(req.params.file);
    if (!f) return reply.code(404).send(errorBody('not_found', 'no such file'));
    return reply.type(f.type).header('cache-control', f.cache).send(f.body);
  });
}
