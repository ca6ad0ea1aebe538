// 服务网点工作台：查询人员、登记核验、标记疑点、处理待核查任务。
// 原则：请求失败时绝不清空已填写的内容；所有文字都用大白话。
import { checkNationalId } from './national-id.js';
import {
  CHECK_STATUS,
  METHOD,
  OUTCOME,
  STATUS,
  STATUS_FALLBACK,
  distinctEvidence,
  errorWords,
  evidenceWords,
  plainDate,
  plainTime,
  reasonWords,
  urgencyOf,
} from './words.js';

const $ = (id) => document.getElementById(id);
// 工作密钥只存在本标签页；网点编号记在本机（下次打开还在）。
const store = window.sessionStorage;
const remembered = window.localStorage;
const SERVICE_POINT = /^[A-Za-z0-9_.:-]{1,64}$/;

class UiError extends Error {}
class ApiError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

function wordsOf(err, action) {
  if (err instanceof UiError) return err.message;
  if (err instanceof ApiError) return errorWords(err.status, err.body, action);
  return '出了点问题，请再试一次。您填写的内容已保留。';
}

async function api(method, url, body) {
  const key = store.getItem('staffKey');
  if (!key) throw new UiError('请先在页面顶部输入工作密钥并点“保存”。');
  const headers = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new UiError('无法连接服务器，请检查网络后重试。您填写的内容已保留。');
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    /* 无内容 */
  }
  if (res.status === 401) keyRejected();
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function show(el, text) {
  el.textContent = text;
  el.hidden = !text;
}

/** 提交期间禁用按钮，防止重复提交；无论成败都恢复。 */
async function busy(button, fn) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = '请稍候…';
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c != null) e.append(c);
  return e;
}

const servicePointId = () => remembered.getItem('servicePointId') || undefined;
const statusWords = (s) => STATUS[s] ?? STATUS_FALLBACK;
const methodWords = (m) => METHOD[m] ?? '其他方式';

// ---- 工作密钥 ---------------------------------------------------------------------------
// 状态只说服务器确认过的事：密钥有效要等服务器答复了才说。

function keyStatus(text, kind) {
  $('key-status').textContent = text;
  $('key-status').className = `status ${kind}`;
  $('key-form').classList.toggle('saved', kind === 'ok');
  $('staff-key').placeholder = kind === 'ok' ? '已保存；更换时重新输入' : '';
}

function spWords() {
  const sp = servicePointId();
  return sp ? `网点编号 ${sp}` : '尚未填写网点编号（登记核验结果时必填）';
}

/** 服务器不认这个密钥：清掉它，页面顶部用红字说清楚。 */
function keyRejected() {
  store.removeItem('staffKey');
  keyStatus('工作密钥无效或已停用，请重新输入。', 'bad');
}

/** 用刚保存的密钥读一次任务列表：成功才算“有效”。 */
async function verifyKey() {
  if (!store.getItem('staffKey')) {
    keyStatus('尚未输入工作密钥。', 'idle');
    return;
  }
  keyStatus('正在向服务器核对工作密钥…', 'idle');
  const err = await loadQueue(false);
  if (!err) keyStatus(`工作密钥有效，已保存在本标签页（关闭后清除）；${spWords()}。`, 'ok');
  else if (err instanceof ApiError && err.status === 403) {
    store.removeItem('staffKey');
    keyStatus('这个密钥不是网点工作人员的密钥，请向社保局申请工作密钥。', 'bad');
  } else if (!(err instanceof ApiError && err.status === 401)) keyStatus(`暂时无法核对工作密钥：${wordsOf(err, 'check')}`, 'bad');
}

$('key-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = $('staff-key').value.trim();
  const sp = $('service-point').value.trim();
  if (!key && !store.getItem('staffKey')) {
    keyStatus('请输入工作密钥后再保存。', 'bad');
    $('staff-key').focus();
    return;
  }
  if (sp && !SERVICE_POINT.test(sp)) {
    keyStatus('网点编号只能有字母、数字和 - _ . :，例如 SP-510104-01。', 'bad');
    $('service-point').setAttribute('aria-invalid', 'true');
    $('service-point').focus();
    return;
  }
  $('service-point').setAttribute('aria-invalid', 'false');
  if (key) store.setItem('staffKey', key);
  if (sp) remembered.setItem('servicePointId', sp);
  else remembered.removeItem('servicePointId');
  $('staff-key').value = '';
  await verifyKey();
});

$('key-clear').addEventListener('click', () => {
  store.removeItem('staffKey');
  keyStatus('已退出。网点编号仍记在本机，下次不用重填。', 'idle');
  $('queue').replaceChildren();
  $('staff-key').focus();
});

// ---- 查询人员 ---------------------------------------------------------------------------

let current = null; // 当前查到的人：{ nationalId（完整，仅存在本页）, person, evidence }

function validateLookup() {
  const r = checkNationalId($('lookup-id').value);
  const input = $('lookup-id');
  input.setAttribute('aria-invalid', r.state === 'invalid' ? 'true' : 'false');
  $('lookup-hint').textContent = r.message;
  $('lookup-hint').className = `hint ${r.state}`;
  return r;
}
$('lookup-id').addEventListener('input', validateLookup);

$('lookup-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const r = validateLookup();
  show($('lookup-error'), '');
  if (r.state !== 'valid') {
    show($('lookup-error'), r.state === 'empty' ? '请先输入身份号码。' : `身份号码还不正确：${r.message}`);
    $('lookup-id').focus();
    return;
  }
  await busy($('lookup-submit'), async () => {
    try {
      await lookUp(r.id);
      $('person-heading').focus();
    } catch (err) {
      show($('lookup-error'), wordsOf(err, 'person'));
    }
  });
});

async function lookUp(nationalId) {
  const [person, evidence] = await Promise.all([
    api('GET', `/v1/pensioners/${encodeURIComponent(nationalId)}`),
    api('GET', `/v1/pensioners/${encodeURIComponent(nationalId)}/evidence?limit=10`),
  ]);
  if (current?.nationalId !== nationalId) {
    show($('check-done'), '');
    show($('flag-done'), '');
    show($('check-error'), '');
    show($('flag-error'), '');
  }
  current = { nationalId, person, evidence };
  renderPerson();
}

function statusSentence(c) {
  const base = statusWords(c.status);
  if (c.status === 'deceased' && c.deathDate) return `${base}（死亡日期 ${plainDate(c.deathDate)}）`;
  return base;
}

function placeOf(ev, recent) {
  const same = recent.find((r) => r.source === ev.source && r.kind === ev.kind && new Date(r.occurredAt).getTime() === new Date(ev.occurredAt).getTime());
  return same?.locationName ?? null;
}

function renderPerson() {
  const { person: p, evidence } = current;
  const c = p.certification ?? {};
  $('p-name').textContent = p.name;
  $('p-id').textContent = p.nationalId;
  $('p-region').textContent = evidence.regionName || p.regionCode;
  $('p-status').textContent = statusSentence(c);
  $('p-status').dataset.status = c.status ?? '';
  $('p-until').textContent = c.status === 'deceased' ? '—' : plainDate(c.certifiedUntil);
  $('p-method').textContent = c.certifiedAt ? `${methodWords(c.method)}（${plainDate(c.certifiedAt)}）` : '—';
  if (c.openCheck) {
    const u = urgencyOf({ ...c.openCheck, certificationStatus: c.status, deadline: c.status === 'deceased' ? null : c.certifiedUntil, attempts: 0 });
    $('p-check').textContent = `${reasonWords(c.openCheck.reason)}（${u.level}：${u.why.join('；')}）`;
  } else $('p-check').textContent = '无';

  const newestFirst = [...(c.evidence ?? [])].sort((a, b) => Date.parse(b.occurredAt) - Date.parse(a.occurredAt));
  const why = distinctEvidence(newestFirst, (ev) => placeOf(ev, evidence.items)).map((ev) =>
    el('li', { text: evidenceWords(ev, placeOf(ev, evidence.items)) }),
  );
  if (why.length === 0) {
    why.push(
      el('li', { text: c.method === 'legacy' ? `沿用原系统的认证记录（${plainDate(c.certifiedAt)}），目前还没有新的生活轨迹数据。` : '暂无可用的认证依据。' }),
    );
  }
  $('p-why').replaceChildren(...why);
  const recent = distinctEvidence(evidence.items, (ev) => ev.locationName).map((ev) =>
    el('li', { text: evidenceWords(ev, ev.locationName) + (ev.deathDate ? `（死亡日期 ${plainDate(ev.deathDate)}）` : '') }),
  );
  if (recent.length === 0) recent.push(el('li', { text: '没有收到过此人的记录。' }));
  $('p-recent').replaceChildren(...recent);
  $('person').hidden = false;
}

// ---- 登记核验结果 -----------------------------------------------------------------------

function syncDeathField(form, fieldId) {
  const deceased = form.querySelector('[name=outcome]:checked, select[name=outcome]')?.value === 'deceased';
  $(fieldId).hidden = !deceased;
}
$('check-form').addEventListener('change', () => syncDeathField($('check-form'), 'check-death-field'));

$('check-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  show($('check-error'), '');
  show($('check-done'), '');
  if (!current) return;
  const f = e.currentTarget;
  const outcome = f.querySelector('[name=outcome]:checked').value;
  const body = { servicePointId: servicePointId(), outcome, method: $('check-method').value };
  if (!body.servicePointId) {
    show($('check-error'), '登记核验结果必须填写网点编号：请在页面顶部填写网点编号并点“保存”（本机会记住）。');
    $('service-point').focus();
    return;
  }
  if (outcome === 'deceased') {
    if (!$('check-death-date').value) {
      show($('check-error'), '结果选“已去世”时，请填写死亡日期。');
      $('check-death-date').focus();
      return;
    }
    body.deathDate = $('check-death-date').value;
  }
  const note = $('check-note').value.trim();
  if (note) body.note = note;
  await busy($('check-submit'), async () => {
    try {
      const res = await api('POST', `/v1/pensioners/${encodeURIComponent(current.nationalId)}/in-person-checks`, body);
      // 成功后才清空表单。
      $('check-note').value = '';
      $('check-death-date').value = '';
      const status = res.certification ? statusSentence(res.certification) : '';
      show($('check-done'), `已登记：${OUTCOME[outcome]}。${status ? `现在的状态：${status}。` : ''}`);
      await lookUp(current.nationalId).catch(() => {});
      loadQueue(false);
    } catch (err) {
      show($('check-error'), wordsOf(err, 'person'));
    }
  });
});

// ---- 标记疑点 ---------------------------------------------------------------------------

$('flag-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  show($('flag-error'), '');
  show($('flag-done'), '');
  if (!current) return;
  const body = { reason: $('flag-reason').value };
  const note = $('flag-note').value.trim();
  if (note) body.note = note;
  if (servicePointId()) body.servicePointId = servicePointId();
  await busy($('flag-submit'), async () => {
    try {
      const check = await api('POST', `/v1/pensioners/${encodeURIComponent(current.nationalId)}/flags`, body);
      $('flag-note').value = '';
      show($('flag-done'), `已标记疑点“${reasonWords(check.reason)}”，已加入待核查任务（${urgencyOf(check).level}）。`);
      await lookUp(current.nationalId).catch(() => {});
      loadQueue(false);
    } catch (err) {
      show($('flag-error'), wordsOf(err, 'person'));
    }
  });
});

// ---- 待核查任务 -------------------------------------------------------------------------

let nextCursor = null;
const drafts = new Map(); // 任务id → 处理表单里已填写的内容（刷新列表也不丢）

$('queue-filter').addEventListener('submit', (e) => {
  e.preventDefault();
  loadQueue(false);
});
$('queue-more').addEventListener('click', () => loadQueue(true));

/** 读任务列表；失败时返回错误（并显示在列表上方），成功返回 null。 */
async function loadQueue(more) {
  show($('queue-error'), '');
  if (!store.getItem('staffKey')) return null;
  const params = new URLSearchParams({ limit: '20' });
  const status = $('queue-status').value;
  if (status) params.set('status', status);
  if (more && nextCursor) params.set('cursor', nextCursor);
  try {
    const page = await api('GET', `/v1/manual-checks?${params}`);
    const items = page.items.map(queueItem);
    if (more) $('queue').append(...items);
    else $('queue').replaceChildren(...items);
    nextCursor = page.nextCursor;
    $('queue-more').hidden = !nextCursor;
    $('queue-empty').hidden = $('queue').children.length > 0;
    return null;
  } catch (err) {
    show($('queue-error'), wordsOf(err, 'check'));
    return err;
  }
}

function queueItem(c) {
  const li = el('li', { class: `task ${c.status}`, 'data-id': c.id });
  fillItem(li, c);
  return li;
}

/** 任务里工作人员办事要看的：怎么联系、在哪、最近在哪出现过、截止到哪天、联系过几次。 */
function taskFacts(c) {
  const facts = el('dl', { class: 'task-facts' });
  const add = (label, value) => facts.append(el('dt', { text: label }), el('dd', { text: value }));
  add('电话', c.phone ?? '未登记');
  add('所在地区', c.regionName ?? c.regionCode);
  add('住址', c.address ? [c.address.village, c.address.street].filter(Boolean).join(' ') : '未登记');
  if (c.certificationStatus) add('认证状态', statusWords(c.certificationStatus));
  if (c.deadline) add('认证截止', plainDate(c.deadline));
  // 到期核查先等两次提醒短信（visitFrom 之前不必上门）。
  if (c.visitFrom) add('上门时间', `提醒中，${plainDate(c.visitFrom)}起可上门`);
  add('联系次数', c.attempts > 0 ? `已联系 ${c.attempts} 次未联系上` : '还没有联系过');
  const recent = c.recentEvidence ?? [];
  if (recent.length) {
    add('最近记录', '');
    facts.lastChild.append(el('ul', { class: 'why' }, ...recent.map((ev) => el('li', { text: evidenceWords(ev, ev.locationName) }))));
  } else if (c.recentEvidence) add('最近记录', '近期没有收到此人的任何记录');
  return facts;
}

function fillItem(li, c) {
  li.className = `task ${c.status}`;
  const u = urgencyOf(c);
  const title = el('p', { class: 'task-title' }, el('span', { class: `urgency ${u.cls}`, text: u.level }), ' ', el('strong', { text: reasonWords(c.reason) }));
  const why = el('p', { class: 'task-why', text: `为什么${u.level}：${u.why.join('；')}` });
  const who = el('p', { text: `${c.name}\u3000${c.nationalId}` });
  let state = CHECK_STATUS[c.status] ?? '';
  if (c.status === 'claimed') state = c.claimedByYou ? `您已认领，请在 ${plainTime(c.claimExpiresAt)} 前处理` : '其他工作人员已认领';
  const meta = el('p', { class: 'meta', text: `开始于 ${plainTime(c.openedAt)} · ${state}` });
  const err = el('p', { class: 'error', role: 'alert', hidden: true });
  const parts = [title, why, who, taskFacts(c), meta];
  if (c.status === 'open') {
    parts.push(
      el(
        'button',
        { type: 'button', class: 'claim', 'aria-label': `认领：${reasonWords(c.reason)}，${c.name}`, onclick: (e) => claim(li, c, e.currentTarget, err) },
        '认领',
      ),
    );
  } else if (c.status === 'claimed' && c.claimedByYou) {
    parts.push(resolveForm(li, c, err));
  }
  parts.push(err);
  li.replaceChildren(...parts);
}

async function claim(li, c, button, err) {
  show(err, '');
  const body = servicePointId() ? { servicePointId: servicePointId() } : {};
  await busy(button, async () => {
    try {
      // 认领的答复不带联系方式和记录：沿用列表里的。
      const claimed = await api('POST', `/v1/manual-checks/${c.id}/claim`, body);
      fillItem(li, { ...c, ...claimed });
      li.querySelector('select, input, textarea, button')?.focus();
    } catch (e) {
      show(err, wordsOf(e, 'check'));
    }
  });
}

function resolveForm(li, c, err) {
  const id = (s) => `r-${c.id}-${s}`;
  const d = drafts.get(c.id) ?? { outcome: 'alive', method: 'home_visit', deathDate: '', note: '' };
  const outcome = el(
    'select',
    { id: id('outcome'), name: 'outcome' },
    ...['alive', 'deceased', 'unreachable'].map((v) => el('option', { value: v, selected: d.outcome === v }, OUTCOME[v])),
  );
  const method = el(
    'select',
    { id: id('method'), name: 'method' },
    el('option', { value: 'home_visit', selected: d.method === 'home_visit' }, '上门走访'),
    el('option', { value: 'id_document', selected: d.method === 'id_document' }, '查验本人身份证件'),
    el('option', { value: 'biometric', selected: d.method === 'biometric' }, '人脸识别比对'),
  );
  const death = el('input', { id: id('death'), name: 'deathDate', type: 'date', value: d.deathDate });
  const note = el('textarea', { id: id('note'), name: 'note', rows: 2, maxlength: 1000 });
  note.value = d.note;
  const deathField = el('div', { class: 'field', hidden: d.outcome !== 'deceased' }, el('label', { for: id('death'), text: '死亡日期' }), death);
  const methodField = el('div', { class: 'field', hidden: d.outcome === 'unreachable' }, el('label', { for: id('method'), text: '核验方式' }), method);
  const submit = el('button', { type: 'submit' }, '提交处理结果');
  const form = el(
    'form',
    { class: 'resolve', novalidate: true, 'aria-label': `处理任务：${reasonWords(c.reason)}，${c.name}` },
    el('div', { class: 'field' }, el('label', { for: id('outcome'), text: '处理结果' }), outcome),
    methodField,
    deathField,
    el('div', { class: 'field' }, el('label', { for: id('note'), text: '备注（可不填）' }), note),
    submit,
  );
  const save = () => {
    drafts.set(c.id, { outcome: outcome.value, method: method.value, deathDate: death.value, note: note.value });
    deathField.hidden = outcome.value !== 'deceased';
    methodField.hidden = outcome.value === 'unreachable';
  };
  form.addEventListener('input', save);
  form.addEventListener('change', save);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    show(err, '');
    save();
    const body = { outcome: outcome.value };
    if (outcome.value !== 'unreachable') body.method = method.value;
    if (outcome.value === 'deceased') {
      if (!death.value) {
        show(err, '结果选“已去世”时，请填写死亡日期。');
        death.focus();
        return;
      }
      body.deathDate = death.value;
    }
    if (note.value.trim()) body.note = note.value.trim();
    if (servicePointId()) body.servicePointId = servicePointId();
    await busy(submit, async () => {
      try {
        const done = await api('POST', `/v1/manual-checks/${c.id}/resolve`, body);
        drafts.delete(c.id);
        const now = done.certification ? { certificationStatus: done.certification.status, deadline: done.certification.certifiedUntil } : {};
        fillItem(li, { ...c, ...done, ...now });
        const msg =
          done.status === 'resolved'
            ? `已办结：${OUTCOME[done.outcome] ?? '已处理'}。${done.certification ? `现在的状态：${statusSentence(done.certification)}。` : ''}`
            : `已记录“联系不上”，任务已放回队列，紧急程度：${urgencyOf({ ...c, ...done }).level}。`;
        li.append(el('p', { class: 'done', role: 'status', text: msg }));
        li.setAttribute('tabindex', '-1');
        li.focus();
        if (current) lookUp(current.nationalId).catch(() => {});
      } catch (e2) {
        show(err, wordsOf(e2, 'check'));
      }
    });
  });
  return form;
}

// ---- 启动 -------------------------------------------------------------------------------

$('service-point').value = remembered.getItem('servicePointId') ?? '';
validateLookup();
syncDeathField($('check-form'), 'check-death-field');
verifyKey();
document.body.dataset.ready = 'true';
