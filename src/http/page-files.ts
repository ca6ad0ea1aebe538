// A page of the service and its few static files, read once at start and served under the
// app's strict CSP (self-hosted script and style, nothing inline). The page is open: its
// script asks for a key and sends it with each API call. Every page has the same head (one
// place: `pageDocument`) and starts from the same stylesheet (`/pages/base.css`); a page's
// index.html in src/web holds its `<html>` element with the body only.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './errors.ts';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The folder of the pages' files (src/web, or dist/src/web in the image). */
export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'web');

/** The stylesheet every page starts from: colours, type, header and key form, fields, buttons, messages. */
export const BASE_STYLESHEET = '/pages/base.css';

/** A file served from outside the page's folder (a library's dist file), cached for a year: its URL names its version. */
export interface VendorFile {
  name: string;
  file: string;
}

/** What a page's head names besides what every page has. */
export interface PageHead {
  title: string;
  /** Stylesheet URLs after the base one. */
  styles?: string[];
  /** Script URLs, in order; module scripts unless listed in `classic`. */
  scripts: string[];
  classic?: string[];
}

export interface PageFiles {
  /** The page's URL, e.g. /staff; its files are served under `${url}/`. */
  url: string;
  dir: string;
  head: PageHead;
  files: string[];
  vendor?: VendorFile[];
  /** Applied to the body once, e.g. to generate repeated parts from a list. */
  rewrite?: (html: string) => string;
}

const typeOf = (name: string) => TYPES[path.extname(name)] ?? 'application/octet-stream';

/** Escapes text for an HTML attribute or element. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const HTML_START = '<html lang="zh-CN">\n';

/**
 * The whole document of a page: its file (`<html lang="zh-CN">` and its body) with the one
 * head every page has (phone viewport, no favicon request, the base stylesheet first) put in.
 */
export function pageDocument(head: PageHead, page: string): string {
  if (!page.startsWith(HTML_START)) throw new Error(`a page's file must start with ${HTML_START.trim()}`);
  const classic = new Set(head.classic ?? []);
  const links = [BASE_STYLESHEET, ...(head.styles ?? [])].map((href) => `    <link rel="stylesheet" href="${escapeHtml(href)}" />`);
  const scripts = head.scripts.map((src) => `    <script${classic.has(src) ? '' : ' type="module"'} src="${escapeHtml(src)}"></script>`);
  const lines = [
    '<!doctype html>',
    HTML_START.trim(),
    '  <head>',
    '    <meta charset="utf-8" />',
    '    <meta name="viewport" content="width=device-width, initial-scale=1" />',
    '    <link rel="icon" href="data:," />',
    `    <title>${escapeHtml(head.title)}</title>`,
    ...links,
    ...scripts,
    '  </head>',
  ];
  return lines.join('\n') + '\n' + page.slice(HTML_START.length);
}

export async function servePage(app: FastifyInstance, page: PageFiles) {
  const body = readFileSync(path.join(page.dir, 'index.html'), 'utf8');
  const index = Buffer.from(pageDocument(page.head, page.rewrite ? page.rewrite(body) : body));
  app.get(page.url, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index));
  serveFiles(app, page);
}

/** Serves `files` of `dir` (re-validated by browsers) and the vendor files (cached a year) under `${url}/`. */
function serveFiles(app: FastifyInstance, { url, dir, files, vendor = [] }: Pick<PageFiles, 'url' | 'dir' | 'files' | 'vendor'>) {
  const assets = new Map(files.map((name) => [name, { type: typeOf(name), body: readFileSync(path.join(dir, name)), cache: 'no-cache' }]));
  for (const v of vendor) assets.set(v.name, { type: typeOf(v.name), body: readFileSync(v.file), cache: 'public, max-age=31536000, immutable' });

  app.get<{ Params: { file: string } }>(`${url}/:file`, async (req, reply) => {
    const f = assets.get(req.params.file);
    if (!f) return reply.code(404).send(errorBody('not_found', 'no such file'));
    return reply.type(f.type).header('cache-control', f.cache).send(f.body);
  });
}

/** The files every page shares (`/pages/base.css`). */
export async function sharedPageRoutes(app: FastifyInstance) {
  serveFiles(app, { url: '/pages', dir: path.join(WEB_DIR, 'shared'), files: ['base.css'] });
  // Our pages declare no icon (`data:`), but a browser shown a document that has none of its
  // own (a JSON refusal, Bull Board's view) asks for this; no content, not a 404 in its console.
  app.get('/favicon.ico', { schema: { hide: true } }, async (_req, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());
}
