// The bureau dashboard page: static files from src/web/dashboard, and the chart library
// (Apache ECharts, Apache-2.0) served from the service's own node_modules — bureau networks
// are closed, so nothing comes from another host. Its URL names its version: cached a year.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { escapeHtml, servePage } from '../../http/page-files.ts';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dashboard');

/** The dist file of ECharts (line, bar and pie charts: all the page draws) and its versioned name. */
export function echartsFile(): { name: string; file: string } {
  const dist = path.dirname(createRequire(import.meta.url).resolve('echarts'));
  const pkg = JSON.parse(readFileSync(path.join(dist, '..', 'package.json'), 'utf8')) as { version: string };
  return { name: `echarts-${pkg.version}.min.js`, file: path.join(dist, 'echarts.common.min.js') };
}

/** The page's charts in order: `c-{id}` is drawn by app.js, `d-{id}` holds its data table (what a screen reader reads). */
export const DASHBOARD_CHARTS: { id: string; title: string; table?: string }[] = [
  { id: 'silent-region', title: '静默认证率 · 按地区（当前）' },
  { id: 'silent-month', title: '每月认证中静默认证的比例 · 按地区' },
  { id: 'evidence', title: '数据来源构成 · 每月收到的记录数' },
  { id: 'status', title: '人员认证状态（今天）' },
  { id: 'backlog', title: '待核查任务 · 已等待多久', table: '查看数据表（含任务原因）' },
  { id: 'claims', title: '多发待追回 · 按立案时长' },
  { id: 'reminders', title: '短信提醒 · 发出与回复' },
];

const CHARTS_SLOT = /^ *<!-- the charts: [^>]*-->\n/m;

/** One chart's card: heading, the chart, and its data table behind a summary. */
function chartCard({ id, title, table = '查看数据表' }: (typeof DASHBOARD_CHARTS)[number]): string {
  const [t, i] = [escapeHtml(title), escapeHtml(id)];
  return `      <section class="card" aria-labelledby="h-${i}">
        <h2 id="h-${i}">${t}</h2>
        <div class="chart" id="c-${i}" role="img"></div>
        <details>
          <summary>${escapeHtml(table)}</summary>
          <div id="d-${i}" class="table-wrap" tabindex="0" role="region" aria-label="数据表：${t}"></div>
        </details>
      </section>
`;
}

export async function dashboardPageRoutes(app: FastifyInstance) {
  const echarts = echartsFile();
  await servePage(app, {
    url: '/dashboard',
    dir: DIR,
    head: {
      title: '养老金资格认证 · 社保局数据看板',
      styles: ['/dashboard/app.css'],
      scripts: [`/dashboard/${echarts.name}`, '/dashboard/app.js'],
      classic: [`/dashboard/${echarts.name}`],
    },
    files: ['app.js', 'charts.js', 'app.css'],
    vendor: [echarts],
    rewrite: (html) => html.replace(CHARTS_SLOT, () => DASHBOARD_CHARTS.map(chartCard).join('\n')),
  });
}
