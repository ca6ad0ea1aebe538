// The service-point page: a few static files from src/web/staff. No key needed to load it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { servePage } from '../../http/page-files.ts';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'staff');

export async function staffPageRoutes(app: FastifyInstance) {
  await servePage(app, {
    url: '/staff',
    dir: DIR,
    head: { title: '养老金资格认证 · 服务网点工作台', styles: ['/staff/app.css'], scripts: ['/staff/app.js'] },
    files: ['app.js', 'national-id.js', 'words.js', 'app.css'],
  });
}
