// 看板的图表配置（Apache ECharts）：每个函数只把接口数据变成图表选项，不碰页面。
import { STATUS_SHORT, reasonWords, sourceWords } from '/staff/words.js';

export const BAND = { '0-6': '不到7天', '7-29': '7至29天', '30-89': '30至89天', '90+': '90天以上' };
const STATUS_ORDER = ['certified', 'due', 'suspended', 'death_reported', 'under_review', 'detained', 'ineligible', 'deceased'];
const COLORS = ['#0b57a4', '#1e6b34', '#b35c00', '#7b3fa0', '#b3261e', '#00707a', '#5a6472', '#a0521e', '#2f7fd6', '#6b8e23', '#c2185b', '#455a64'];
/** 图上最多画几个地区的折线（按在册人数取最多的），其余看数据表。 */
const MAX_REGION_LINES = 6;

/** 2026-06 → 6月；一月和第一个月带年份：2026年1月。 */
export function monthLabel(m, i) {
  const [y, mm] = m.split('-').map(Number);
  return i === 0 || mm === 1 ? `${y}年${mm}月` : `${mm}月`;
}

export const pct = (r) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(1)}%`);
export const num = (n) => Number(n).toLocaleString('zh-CN');

const base = (narrow) => ({
  color: COLORS,
  animation: false,
  textStyle: { fontFamily: 'inherit' },
  grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
  legend: { type: 'scroll', top: 0, itemWidth: 14, textStyle: { fontSize: narrow ? 11 : 12 } },
  tooltip: { trigger: 'axis', confine: true },
});

export function silentByRegion(d, narrow) {
  const rows = [...d.silentByRegion].sort((a, b) => (a.rate ?? -1) - (b.rate ?? -1));
  return {
    ...base(narrow),
    legend: { show: false },
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    yAxis: { type: 'category', data: rows.map((r) => r.name), axisLabel: { width: narrow ? 90 : 140, overflow: 'truncate' } },
    series: [
      {
        name: '静默认证率',
        type: 'bar',
        data: rows.map((r) => (r.rate === null ? null : Math.round(r.rate * 1000) / 10)),
        label: { show: true, position: 'right', formatter: '{c}%' },
      },
    ],
  };
}

/** 地区折线：人数最多的几个地区，再加一条“全部”。 */
export function silentByMonth(d, narrow) {
  const living = new Map(d.silentByRegion.map((r) => [r.region, r.living]));
  const regions = [...new Map(d.certificationsByRegionMonth.map((r) => [r.region, r.name]))]
    .sort((a, b) => (living.get(b[0]) ?? 0) - (living.get(a[0]) ?? 0))
    .slice(0, MAX_REGION_LINES);
  const cell = new Map(d.certificationsByRegionMonth.map((r) => [`${r.region} ${r.month}`, r]));
  const rateOf = (r) => (r && r.certified > 0 ? Math.round((r.auto / r.certified) * 1000) / 10 : null);
  return {
    ...base(narrow),
    tooltip: { trigger: 'axis', confine: true, valueFormatter: (v) => (v === null || v === undefined ? '—' : `${v}%`) },
    xAxis: { type: 'category', data: d.months.map(monthLabel) },
    yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    series: [
      {
        name: '全部',
        type: 'line',
        data: d.certificationsByMonth.map((m) => (m.rate === null ? null : Math.round(m.rate * 1000) / 10)),
        lineStyle: { width: 4 },
        connectNulls: false,
      },
      ...regions.map(([code, name]) => ({ name, type: 'line', data: d.months.map((m) => rateOf(cell.get(`${code} ${m}`))), connectNulls: false })),
    ],
  };
}

export function evidence(d, narrow) {
  const sources = [...new Set(d.evidenceByMonth.map((r) => sourceWords(r.source)))];
  const cell = new Map();
  for (const r of d.evidenceByMonth) {
    const k = `${sourceWords(r.source)} ${r.month}`;
    cell.set(k, (cell.get(k) ?? 0) + r.events);
  }
  return {
    ...base(narrow),
    xAxis: { type: 'category', data: d.months.map(monthLabel) },
    yAxis: { type: 'value' },
    series: sources.map((s) => ({ name: s, type: 'bar', stack: 'all', data: d.months.map((m) => cell.get(`${s} ${m}`) ?? 0) })),
  };
}

export function statuses(d, narrow) {
  return {
    ...base(narrow),
    legend: { show: false },
    tooltip: { trigger: 'item', confine: true },
    series: [
      {
        name: '人数',
        type: 'pie',
        radius: narrow ? ['30%', '55%'] : ['35%', '65%'],
        label: { formatter: '{b}\n{c}人', fontSize: narrow ? 11 : 12 },
        data: STATUS_ORDER.map((s) => ({ name: STATUS_SHORT[s], value: d.statusCounts[s] })).filter((x) => x.value > 0),
      },
    ],
  };
}

export function backlog(d, narrow) {
  return {
    ...base(narrow),
    legend: { show: false },
    xAxis: { type: 'category', data: d.backlog.byAge.map((b) => BAND[b.band]) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: '任务数', type: 'bar', data: d.backlog.byAge.map((b) => b.checks), label: { show: true, position: 'top' } }],
  };
}

/** Ages of overpayment claims, in the bureau's words. */
export const CLAIM_AGE = { under_90_days: '不到90天', '90_to_364_days': '90天至1年', '1_to_2_years': '1至2年', '2_years_and_over': '2年以上' };

export function claims(d, narrow) {
  return {
    ...base(narrow),
    legend: { show: false },
    xAxis: { type: 'category', data: d.claims.byAge.map((a) => CLAIM_AGE[a.age]) },
    yAxis: { type: 'value', name: '元' },
    series: [{ name: '待追回金额（元）', type: 'bar', data: d.claims.byAge.map((a) => Number(a.outstanding)), label: { show: true, position: 'top' } }],
  };
}

export function reminders(d, narrow) {
  return {
    ...base(narrow),
    xAxis: { type: 'category', data: d.months.map(monthLabel) },
    yAxis: [
      { type: 'value', minInterval: 1 },
      { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    ],
    series: [
      { name: '发出', type: 'bar', data: d.reminders.map((r) => r.sent) },
      { name: '凭短信验证码回复', type: 'bar', data: d.reminders.map((r) => r.answered) },
      {
        name: '回复率',
        type: 'line',
        yAxisIndex: 1,
        data: d.reminders.map((r) => (r.sent ? Math.round((r.answered / r.sent) * 1000) / 10 : null)),
      },
    ],
  };
}

export { reasonWords };
