// 社保局数据看板：用社保局（或管理员）密钥读取 /v1/reports/dashboard，画成图表。
// 密钥只存在本标签页（sessionStorage）；“已读取”只在服务器答复成功后才显示。
import { STATUS_SHORT, plainDate, plainTime, reasonWords, sourceWords } from '/staff/words.js';
import * as charts from './charts.js';

const $ = (id) => document.getElementById(id);
const store = window.sessionStorage;
const { pct, num, monthLabel, BAND, CLAIM_AGE } = charts;
const echarts = window.echarts;
const drawn = new Map(); // 图表容器id → ECharts 实例
let last = null; // 最近一次读到的数据，窗口变宽变窄时重画

function setStatus(text, kind) {
  $('key-status').textContent = text;
  $('key-status').className = `status ${kind}`;
  $('key-form').classList.toggle('saved', kind === 'ok');
}

function errorText(status, body) {
  const code = body?.error?.code;
  if (status === 401) return '密钥无效或已停用，请核对后重新输入。';
  if (status === 403) return '这个密钥不能查看看板：需要社保局或管理员密钥（网点工作人员的密钥不行）。';
  if (status === 400) return '地区代码应为1至6位数字，例如 51 或 5101。';
  if (code === 'rate_limited' || status === 429) return '操作太频繁了，请稍等几秒再试。';
  return `暂时读不到数据（${status}），请稍后再试。`;
}

async function load() {
  const key = store.getItem('bureauKey');
  if (!key) {
    setStatus('尚未输入密钥。', 'idle');
    return;
  }
  const region = store.getItem('bureauRegion') ?? '';
  setStatus('正在读取…', 'idle');
  let res;
  try {
    res = await fetch(`/v1/reports/dashboard${region ? `?region=${encodeURIComponent(region)}` : ''}`, { headers: { authorization: `Bearer ${key}` } });
  } catch {
    setStatus('无法连接服务器，请检查网络后重试。', 'bad');
    return;
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* 无内容 */
  }
  if (!res.ok) {
    // 服务器不认这个密钥：不留着它，免得下次还显示“已读取”。
    if (res.status === 401 || res.status === 403) store.removeItem('bureauKey');
    setStatus(errorText(res.status, body), 'bad');
    $('figures').hidden = true;
    return;
  }
  last = body;
  setStatus(`已读取${body.region ? `${body.regionName}（${body.region}）` : '全部地区'}的数据。`, 'ok');
  render(body);
}

function text(id, value) {
  $(id).textContent = value;
}

function table(head, rows) {
  const t = document.createElement('table');
  const tr = (cells, tag) => {
    const r = document.createElement('tr');
    for (const c of cells) {
      const x = document.createElement(tag);
      x.textContent = c;
      if (tag === 'th') x.scope = 'col';
      r.append(x);
    }
    return r;
  };
  const thead = document.createElement('thead');
  thead.append(tr(head, 'th'));
  const tbody = document.createElement('tbody');
  for (const row of rows) tbody.append(tr(row, 'td'));
  t.append(thead, tbody);
  return t;
}

function draw(id, option, label) {
  const el = $(id);
  el.setAttribute('aria-label', label);
  let chart = drawn.get(id);
  if (!chart) {
    chart = echarts.init(el, null, { renderer: 'canvas' });
    drawn.set(id, chart);
  }
  chart.setOption(option, true);
}

function render(d) {
  const narrow = window.innerWidth < 600;
  const living = d.silentByRegion.reduce((n, r) => n + r.living, 0);
  const auto = d.silentByRegion.reduce((n, r) => n + r.auto, 0);
  const reminders = d.reminders.at(-1);
  text('as-of', `数据截至 ${plainDate(d.asOf)}，共 ${num(d.total)} 人在册。状态为今天的状态；按月的数字统计最近12个月。`);
  text('t-silent', living ? pct(auto / living) : '—');
  text('t-silent-note', `${num(auto)} / ${num(living)} 人无需本人到场`);
  text('t-due', num(d.statusCounts.due));
  text('t-suspended', num(d.statusCounts.suspended));
  text('t-review', num(d.statusCounts.under_review));
  text('t-backlog', num(d.backlog.open + d.backlog.claimed));
  text('t-backlog-note', d.backlog.oldestDays === null ? '没有积压' : `${num(d.backlog.claimed)} 件已认领，最久等了 ${d.backlog.oldestDays} 天`);
  text('t-reminders', reminders.sent ? pct(reminders.answered / reminders.sent) : '—');
  text('t-reminders-note', `本月发出 ${num(reminders.sent)} 条，回复 ${num(reminders.answered)} 条`);
  text('payroll-month', monthLabel(d.payroll.month, 0));
  text('pay-holds', `${num(d.payroll.holds)} 人`);
  text('pay-resumptions', `${num(d.payroll.resumptions)} 人`);
  text('pay-stops', `${num(d.payroll.stops)} 人`);
  text('pay-claims', `${num(d.claims.open)} 笔，${d.claims.outstanding} 元`);
  text(
    'pay-note',
    d.payroll.state === 'frozen'
      ? `本月发放名单已于 ${plainTime(d.payroll.frozenAt)} 冻结，数字取自冻结名单。`
      : `发放名单尚未冻结：数字为按当前状态的预估（集合统计），读取于 ${plainTime(d.payroll.computedAt)}。`,
  );

  $('figures').hidden = false;

  const regionRows = d.silentByRegion.map((r) => [r.name, num(r.living), num(r.auto), pct(r.rate)]);
  $('d-silent-region').replaceChildren(table(['地区', '在世人数', '静默认证', '静默认证率'], regionRows));
  const best = [...d.silentByRegion].sort((a, b) => (b.rate ?? -1) - (a.rate ?? -1));
  draw(
    'c-silent-region',
    charts.silentByRegion(d, narrow),
    best.length ? `各地区静默认证率，最高 ${best[0].name} ${pct(best[0].rate)}，最低 ${best.at(-1).name} ${pct(best.at(-1).rate)}。详见数据表。` : '暂无数据。',
  );

  const monthRows = d.certificationsByRegionMonth.map((r) => [
    monthLabel(r.month, 0),
    r.name,
    num(r.certified),
    num(r.auto),
    pct(r.certified ? r.auto / r.certified : null),
  ]);
  $('d-silent-month').replaceChildren(table(['月份', '地区', '认证人次', '静默认证', '比例'], monthRows));
  const m = d.certificationsByMonth.at(-1);
  draw(
    'c-silent-month',
    charts.silentByMonth(d, narrow),
    `最近12个月每月认证中静默认证的比例；本月 ${num(m.certified)} 人次认证，其中静默 ${pct(m.rate)}。详见数据表。`,
  );

  const evRows = d.evidenceByMonth.map((r) => [monthLabel(r.month, 0), sourceWords(r.source), num(r.events)]);
  $('d-evidence').replaceChildren(table(['月份', '来源', '记录数'], evRows));
  const bySource = new Map();
  for (const r of d.evidenceByMonth) bySource.set(sourceWords(r.source), (bySource.get(sourceWords(r.source)) ?? 0) + r.events);
  const top = [...bySource].sort((a, b) => b[1] - a[1]).slice(0, 3);
  draw(
    'c-evidence',
    charts.evidence(d, narrow),
    top.length ? `最近12个月各部门的记录数，最多的是 ${top.map(([s, n]) => `${s} ${num(n)} 条`).join('，')}。详见数据表。` : '最近12个月没有收到记录。',
  );

  const statusRows = Object.keys(STATUS_SHORT).map((s) => [STATUS_SHORT[s], num(d.statusCounts[s])]);
  $('d-status').replaceChildren(table(['状态', '人数'], statusRows));
  draw('c-status', charts.statuses(d, narrow), `认证状态：${statusRows.map(([s, n]) => `${s} ${n} 人`).join('，')}。`);

  const ageRows = d.backlog.byAge.map((b) => [BAND[b.band], num(b.checks)]);
  const reasonRows = d.backlog.byReason.map((r) => [reasonWords(r.reason), num(r.checks)]);
  $('d-backlog').replaceChildren(table(['已等待', '任务数'], ageRows), table(['任务原因', '任务数'], reasonRows));
  draw('c-backlog', charts.backlog(d, narrow), `待核查任务按等待时长：${ageRows.map(([b, n]) => `${b} ${n} 件`).join('，')}。`);

  const claimRows = d.claims.byAge.map((a) => [CLAIM_AGE[a.age], num(a.claims), `${a.outstanding} 元`]);
  $('d-claims').replaceChildren(table(['立案时长', '笔数', '待追回'], claimRows));
  draw(
    'c-claims',
    charts.claims(d, narrow),
    d.claims.open
      ? `未追回的多发 ${num(d.claims.open)} 笔，共 ${d.claims.outstanding} 元：${claimRows.map(([a, n, y]) => `${a} ${n} 笔 ${y}`).join('，')}。`
      : '没有待追回的多发。',
  );

  const remRows = d.reminders.map((r) => [monthLabel(r.month, 0), num(r.sent), num(r.answered), pct(r.sent ? r.answered / r.sent : null)]);
  $('d-reminders').replaceChildren(table(['月份', '发出', '回复', '回复率'], remRows));
  draw(
    'c-reminders',
    charts.reminders(d, narrow),
    `最近12个月发出的短信提醒和回复；本月发出 ${num(reminders.sent)} 条，回复 ${num(reminders.answered)} 条。详见数据表。`,
  );
}

$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const key = $('bureau-key').value.trim();
  const region = $('region').value.trim();
  if (!key && !store.getItem('bureauKey')) {
    setStatus('请输入密钥后再查看。', 'bad');
    $('bureau-key').focus();
    return;
  }
  if (region && !/^[0-9]{1,6}$/.test(region)) {
    setStatus('地区代码应为1至6位数字，例如 51 或 5101。', 'bad');
    $('region').focus();
    return;
  }
  if (key) store.setItem('bureauKey', key);
  if (region) store.setItem('bureauRegion', region);
  else store.removeItem('bureauRegion');
  $('bureau-key').value = '';
  load();
});

$('key-clear').addEventListener('click', () => {
  store.removeItem('bureauKey');
  store.removeItem('bureauRegion');
  $('region').value = '';
  $('figures').hidden = true;
  setStatus('已退出。', 'idle');
  $('bureau-key').focus();
});

let resizeTimer = null;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    for (const c of drawn.values()) c.resize();
    if (last) render(last);
  }, 150);
});

$('region').value = store.getItem('bureauRegion') ?? '';
load().finally(() => {
  document.body.dataset.ready = 'true';
});
