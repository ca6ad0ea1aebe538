// Tables for invented Chinese names and department-side labels (hospitals, banks).
// Every character here is in GBK, so bank files can be encoded without loss.
import { Rng, WeightedPicker } from './prng.ts';

// Common surnames with rough relative frequencies (Sichuan-flavoured).
const SURNAMES: readonly [string, number][] = [
  ['王', 60],
  ['李', 60],
  ['张', 55],
  ['刘', 45],
  ['陈', 45],
  ['杨', 35],
  ['黄', 25],
  ['赵', 20],
  ['吴', 18],
  ['周', 20],
  ['徐', 14],
  ['孙', 12],
  ['马', 12],
  ['朱', 11],
  ['胡', 12],
  ['郭', 10],
  ['何', 14],
  ['高', 10],
  ['林', 8],
  ['罗', 16],
  ['郑', 8],
  ['梁', 7],
  ['谢', 10],
  ['宋', 7],
  ['唐', 12],
  ['许', 6],
  ['韩', 5],
  ['冯', 7],
  ['邓', 10],
  ['曹', 6],
  ['彭', 8],
  ['曾', 9],
  ['肖', 7],
  ['田', 6],
  ['董', 5],
  ['袁', 7],
  ['潘', 4],
  ['蒋', 7],
  ['蔡', 5],
  ['余', 7],
  ['杜', 6],
  ['叶', 4],
  ['程', 4],
  ['苏', 4],
  ['魏', 4],
  ['吕', 3],
  ['丁', 3],
  ['任', 5],
  ['姚', 3],
  ['卢', 4],
  ['钟', 5],
  ['谭', 5],
  ['廖', 6],
  ['熊', 4],
  ['雷', 5],
  ['向', 4],
  ['龚', 3],
  ['牟', 2],
  ['侯', 3],
  ['敬', 1],
  ['蒲', 2],
  ['冉', 1],
  ['母', 1],
  ['游', 2],
];

const MALE_SYLLABLES = [
  '国',
  '建',
  '明',
  '华',
  '德',
  '福',
  '贵',
  '文',
  '志',
  '永',
  '富',
  '强',
  '军',
  '平',
  '成',
  '顺',
  '清',
  '光',
  '学',
  '忠',
  '全',
  '海',
  '元',
  '发',
  '昌',
  '树',
  '正',
  '林',
  '银',
  '才',
];
const FEMALE_SYLLABLES = [
  '秀',
  '英',
  '兰',
  '芳',
  '珍',
  '淑',
  '桂',
  '凤',
  '玉',
  '琼',
  '素',
  '翠',
  '莲',
  '梅',
  '霞',
  '春',
  '华',
  '琴',
  '蓉',
  '惠',
  '碧',
  '群',
  '仙',
  '菊',
  '萍',
  '芝',
  '清',
  '云',
  '明',
  '书',
];

const surnamePicker = new WeightedPicker(
  SURNAMES.map(([s]) => s),
  SURNAMES.map(([, w]) => w),
);

export function inventName(rng: Rng, sex: 'male' | 'female'): string {
  const syllables = sex === 'male' ? MALE_SYLLABLES : FEMALE_SYLLABLES;
  const surname = surnamePicker.pick(rng);
  const first = rng.pick(syllables);
  if (rng.chance(0.18)) return surname + first; // single-character given name
  let second = rng.pick(syllables);
  if (second === first && rng.chance(0.7)) second = rng.pick(syllables);
  return surname + first + second;
}

const VILLAGE_SYLLABLES = [
  '石',
  '桥',
  '河',
  '坝',
  '沟',
  '湾',
  '山',
  '水',
  '龙',
  '凤',
  '柏',
  '杨',
  '桃',
  '花',
  '新',
  '和',
  '平',
  '安',
  '兴',
  '盛',
  '丰',
  '乐',
  '红',
  '光',
  '白',
  '马',
  '金',
  '竹',
  '林',
  '田',
];

export function villageName(rng: Rng): string {
  return `${rng.pick(VILLAGE_SYLLABLES)}${rng.pick(VILLAGE_SYLLABLES)}村`;
}

export const BANKS = ['中国农业银行', '中国工商银行', '中国建设银行', '中国银行', '中国邮政储蓄银行', '四川农商银行', '成都银行'] as const;

/** Big hospitals by region code; other regions get their people's hospital. */
export const NAMED_HOSPITALS: Readonly<Record<string, readonly string[]>> = {
  '510107': ['四川大学华西医院', '成都市第三人民医院'],
  '510105': ['四川省人民医院', '成都中医药大学附属医院'],
  '510104': ['成都市第二人民医院'],
  '510106': ['成都市第五人民医院'],
  '510108': ['成都市第七人民医院'],
  '510302': ['自贡市第一人民医院'],
  '510703': ['绵阳市中心医院'],
  '511002': ['内江市第一人民医院'],
  '511302': ['南充市中心医院'],
  '513401': ['凉山彝族自治州第一人民医院'],
};

export const HOSPITAL_DEPARTMENTS = ['心血管内科', '呼吸内科', '老年科', '骨科', '内分泌科', '消化内科', '神经内科', '普外科', '眼科'] as const;
export const OUTPATIENT_DEPARTMENTS = ['全科门诊', '内科门诊', '慢病门诊', '中医科', '眼科门诊', '口腔科'] as const;

export const PRISONS = ['四川省成都监狱', '四川省锦江监狱', '四川省川西监狱', '四川省嘉州监狱'] as const;
export const FEMALE_PRISON = '四川省女子监狱';
