// The bureau dashboard page: static files from src/web/dashboard, and the chart library
// (Apache ECharts, Apache-2.0) served from the service's own node_modules — bureau networks
// are closed, so nothing comes from another host. Its URL names its version: cached a year.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { servePage } from '../../http/page-files.ts';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dashboard');

/** The dist file of ECharts (line, bar and pie charts: all the page draws) and its versioned name. */
export function echartsFile(): { name: string; file: string } {
  const dist = path.dirname(createRequire(import.meta.url).resolve('echarts'));
  const pkg = JSON.parse(readFileSync(path.join(dist, '..', 'package.json'), 'utf8')) as { version: string };
  return { name: `echarts-${pkg.version}.min.js`, file: path.join(dist, 'echarts.common.min.js') };
}

export async function dashboardPageRoutes(app: FastifyInstance) {
  const echarts = echartsFile();
  await servePage(app, {
    url: '/dashboard',
    dir: DIR,
    files: ['app.js', 'charts.js', 'app.css'],
    vendor: [echarts],
    rewrite: (html) => html.replace('/dashboard/echarts.min.js', `/dashboard/${echarts.name}`),
  });
}
