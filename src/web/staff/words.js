// 把接口返回的代码说成大白话。
export const STATUS_FALLBACK = '状态未知，请联系社保局';
export const STATUS = {
  certified: '认证有效',
  due: '即将到期，需要认证',
  suspended: '认证已过期，养老金暂停发放',
  death_reported: '有死亡记录，正在核实，养老金暂停发放',
  deceased: '已去世，养老金已停发',
  detained: '被羁押（还没判决），养老金暂停发放',
  ineligible: '暂不符合领取条件（如正在服刑，或刑满释放后还没申请恢复发放）',
  under_review: '记录有冲突，待人工复核，养老金暂缓发放',
};

export const METHOD = {
  auto: '大数据比对自动认证',
  in_person: '网点当面核验',
  home_visit: '上门走访核验',
  self_service: '本人自助刷脸认证',
  legacy: '原系统认证记录',
};

// Kinds a later policy adds show as their department's name until they are given words here.
export const KIND = {
  'hospital.admission': '住院登记',
  'hospital.discharge': '住院结算',
  'hospital.outpatient': '门诊就医',
  'travel.rail_boarding': '实名乘坐火车',
  'travel.flight_boarding': '实名乘坐飞机',
  'travel.ticket_purchase': '购买车票或机票',
  'bank.counter': '银行柜台凭证件办理业务',
  'bank.cash_point': '助农取款点插卡取款',
  'bank.atm': 'ATM取款',
  'bank.mobile_face': '手机银行刷脸',
  'health.elderly_checkup': '老年人健康体检',
  'health.family_doctor_visit': '家庭医生随访',
  'health.vaccination': '接种疫苗',
  'medical_insurance.pharmacy_purchase': '药店医保电子凭证购药',
  'medical_insurance.clinic_settlement': '诊所医保电子凭证结算',
  'civil_affairs.assistance_visit': '民政救助走访',
  'civil_affairs.allowance_verification': '民政补贴核查',
  'community.ledger_confirmation': '村（居）委会台账确认',
  'transit.bus_card': '刷公交卡',
  'death.household_deregistration': '户籍注销（死亡）',
  'death.cremation': '火化记录',
  'death.death_certificate': '死亡医学证明',
  'judicial.pretrial_detention': '被羁押（审前）',
  'judicial.acquittal': '宣告无罪',
  'judicial.custodial_sentence_start': '开始服刑',
  'judicial.release': '刑满释放',
  'service_point.in_person': '网点工作人员当面核验',
  'service_point.home_visit': '工作人员上门走访核验',
  'service_point.deceased': '工作人员确认已去世',
  'due_process.death_confirmation': '另一位工作人员确认已去世',
  'due_process.death_reversal': '社保局撤销死亡记录',
  'due_process.resumption': '刑满释放后申请恢复发放',
  'due_process.reinstatement': '社保局恢复领取资格',
  'due_process.appeal_certification': '申诉成立，社保局确认认证',
  'self_service.face': '本人自助刷脸认证',
  'self_service.face_failed': '自助刷脸认证未通过',
};

export const REASON = {
  reported_death: '有人反映本人已去世',
  suspected_misuse: '疑似他人冒领',
  moved_away: '可能已迁居外地',
  other: '其他疑点',
  certification_due: '认证即将到期，近期没有生活轨迹数据',
  self_service_failed: '本人自助刷脸认证未通过',
  conflicting_death_record: '已有死亡记录，但之后又有本人实名活动记录',
  suspected_card_misuse: '已有死亡记录，之后仍有刷卡取款等记录，疑似他人冒用',
  due: '认证即将到期，缺少数据',
  suspended: '认证已过期',
  death_verification: '有死亡记录，需要核实是否属实',
  no_evidence: '长期没有生活轨迹数据',
};

/** 数据来源（部门）。 */
export const SOURCE = {
  hospital: '医院住院结算',
  travel: '铁路民航实名出行',
  bank: '银行网点',
  health: '卫健（体检、家庭医生、疫苗）',
  medical_insurance: '医保电子凭证',
  civil_affairs: '民政救助',
  community: '村（居）委会台账',
  transit: '公交卡',
  death: '死亡登记（户籍、火化、医学证明）',
  judicial: '司法（羁押、服刑）',
  service_point: '服务网点核验',
  due_process: '社保局复核决定',
  self_service: '本人自助认证',
};

/** 代码样子的文字（只有字母、数字和 _ . : -，如 foo_bar）不给人看；人写的文字原样显示。 */
const CODE_LIKE = /^[A-Za-z0-9_.:-]+$/;

/** 任务原因：已知代码译成大白话；未知代码说“其他原因”；工作人员自己写的原因原样显示。 */
export function reasonWords(reason) {
  if (Object.hasOwn(REASON, reason)) return REASON[reason];
  return CODE_LIKE.test(reason) ? '其他原因' : reason;
}

export function sourceWords(source) {
  const base = String(source).split(':')[0];
  return Object.hasOwn(SOURCE, base) ? SOURCE[base] : '其他部门';
}

/** 一条记录的内容：“住院结算”；新政策加的种类还没有译名时，说来源部门。 */
export function kindWords(source, kind) {
  const k = `${source}.${kind}`;
  return Object.hasOwn(KIND, k) ? KIND[k] : `${sourceWords(source)}的记录`;
}

export const OUTCOME = { alive: '本人健在', deceased: '已去世', unreachable: '联系不上', certified: '已通过其他途径认证' };

export const CHECK_STATUS = { open: '待处理', claimed: '已认领', resolved: '已办结' };

/** 状态的短说法（图表、统计用）。 */
export const STATUS_SHORT = {
  certified: '认证有效',
  due: '即将到期',
  suspended: '已过期暂停发放',
  death_reported: '死亡待核实',
  under_review: '待人工复核',
  detained: '被羁押',
  ineligible: '暂不符合领取条件',
  deceased: '已去世',
};

const SH = 'Asia/Shanghai';

/** 2026-03-05 → 2026年3月5日 */
export function plainDate(date) {
  if (!date) return '—';
  const [y, m, d] = date.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

export function plainTime(iso) {
  return new Intl.DateTimeFormat('zh-CN', { timeZone: SH, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(
    new Date(iso),
  );
}

/** 上海时间的日期：2026-03-05T02:00:00Z → 2026-03-05 */
export function shanghaiDay(iso) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: SH, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** 一条依据：“2026年3月5日 住院结算，成都市锦江区”（ev.date 或 ev.occurredAt）。 */
export function evidenceWords(ev, placeName) {
  const what = kindWords(ev.source, ev.kind);
  const where = placeName ? `，${placeName}` : '';
  return `${plainDate(ev.date ?? shanghaiDay(ev.occurredAt))} ${what}${where}`;
}

/** 同一天、同一件事、同一地点的记录只留一条（如一天取款三次）；保持原有顺序。 */
export function distinctEvidence(items, placeOf) {
  const seen = new Set();
  return items.filter((ev) => {
    const k = evidenceWords(ev, placeOf(ev));
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const LEVEL_WORDS = { urgent: '紧急', soon: '较急', normal: '一般' };
const LEVEL_CLASS = { 紧急: 'urgent', 较急: 'high', 一般: 'normal' };

/** 不用看数字：按数字分三档（70分及以上紧急，45分及以上较急，与服务器的分档相同）。 */
export function levelOf(priority) {
  return priority >= 70 ? '紧急' : priority >= 45 ? '较急' : '一般';
}

/** 服务器说明排序原因时用的代码（urgency.reasons）。 */
const URGENCY_WHY = {
  lapsed: '认证已过期，养老金已暂停发放',
  lapse_near: '认证快到期了',
  low_score: '生活轨迹数据少，难以确认本人健在',
  no_strong_evidence: '一年内没有可靠的本人活动记录',
  failed_attempts: '之前联系不上或刷脸没有通过',
  advanced_age: '年纪大',
  reference_evidence: '有一些参考记录（已降低紧急程度）',
  flagged: '工作人员标记了疑点',
};

const REASON_WHY = {
  conflicting_death_record: '已登记死亡却又有本人活动，须尽快核实，避免错发或错停',
  suspected_card_misuse: '已登记死亡后仍有人用卡，可能正在多发养老金',
  reported_death: '有人反映本人已去世，可能正在多发养老金',
  suspected_misuse: '疑似他人冒领',
  self_service_failed: '本人刷脸没有通过，需要当面确认',
};

/**
 * 任务有多急、为什么：{ level: '紧急'|'较急'|'一般', cls, why: [...] }。
 * 服务器给了说明（c.urgency = { level: urgent|soon|normal, reasons: [代码…] }）就用服务器的说法，
 * 代码译成大白话（不认识的代码不显示）；没给时（较早的服务器），按优先级数字、任务原因、
 * 认证状态、截止日和联系次数在这里推断。
 */
export function urgencyOf(c) {
  const given = c.urgency;
  if (given && typeof given === 'object' && Object.hasOwn(LEVEL_WORDS, given.level)) {
    const level = LEVEL_WORDS[given.level];
    const words = { ...REASON_WHY, ...URGENCY_WHY };
    const why = (Array.isArray(given.reasons) ? given.reasons : []).filter((r) => Object.hasOwn(words, r)).map((r) => words[r]);
    if (c.attempts > 0) why.push(`已${c.attempts}次联系不上`);
    if (why.length > 0) return { level, cls: LEVEL_CLASS[level], why };
  }
  // 服务器给的等级照用，即使原因要页面自己说。
  const level = given && Object.hasOwn(LEVEL_WORDS, given.level) ? LEVEL_WORDS[given.level] : levelOf(c.priority);
  const why = [];
  if (Object.hasOwn(REASON_WHY, c.reason)) why.push(REASON_WHY[c.reason]);
  // 日期按服务器说的状态讲，不用本机时钟数天数。
  if (c.certificationStatus === 'suspended') why.push(`认证已过期${c.deadline ? `（${plainDate(c.deadline)}到期）` : ''}，养老金已暂停发放`);
  else if (c.certificationStatus === 'under_review') why.push('记录有冲突，养老金暂缓发放');
  else if (c.certificationStatus === 'death_reported') why.push('有死亡记录待核实，养老金暂停发放');
  else if (c.certificationStatus === 'due' && c.deadline) why.push(`认证即将到期（${plainDate(c.deadline)}），到期后暂停发放`);
  if (c.attempts > 0) why.push(`已${c.attempts}次联系不上`);
  if (why.length === 0) why.push(level === '一般' ? '按到期先后处理' : '按系统评估的风险排在前面');
  return { level, cls: LEVEL_CLASS[level], why };
}

/** 接口错误 → 给人看的话。 */
export function errorWords(status, body, action) {
  const code = body?.error?.code;
  const known = {
    unauthorized: '工作密钥无效或已停用，请重新输入工作密钥。',
    forbidden: '这个工作密钥没有权限做这件事。',
    invalid_national_id: '身份号码不正确，请与证件逐位核对。',
    claimed_by_other: '这条任务已经被其他工作人员认领了，请刷新列表后选择别的任务。',
    claim_expired: '您的认领已超时失效，请重新认领后再提交（填写的内容已保留）。',
    not_claimed: '请先认领这条任务，再提交处理结果。',
    check_resolved: '这条任务已经办结了，请刷新列表。',
    missing_death_date: '结果选“已去世”时，请填写死亡日期。',
    invalid_death_date: '死亡日期不正确：不能晚于今天，也不能早于出生日期。',
    rate_limited: '操作太频繁了，请稍等几秒再试。',
  };
  if (code && known[code]) return known[code];
  if (status === 404) return action === 'check' ? '没有找到这条任务，可能已不在您负责的地区。' : '没有找到此人：号码没有登记，或此人不在您负责的地区。';
  if (status === 400) return `填写的内容有误，请检查后再提交。（${body?.error?.message ?? '格式不正确'}）`;
  if (status >= 500) return '服务器暂时出了问题，请稍后再试。您填写的内容已保留。';
  return `操作没有成功（${status}），请稍后再试。您填写的内容已保留。`;
}
