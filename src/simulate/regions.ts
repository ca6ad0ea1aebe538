// Region codes (GB/T 2260, county level) used by the simulator, with their Chinese names.
// `name` is the short label the simulated records use (city-qualified outside Chengdu),
// `fullName` the official province-less name, kept equal to src/domain/regions.ts by a unit
// test. Only the simulator's own counties are here: the service names regions from the
// domain table, never from this list.

export type RegionKind = 'urban' | 'suburban' | 'rural';

export interface RegionInfo {
  code: string;
  name: string;
  fullName: string;
  city: string;
  kind: RegionKind;
  /** Relative share of pensioners living there (synthetic, roughly by population). */
  weight: number;
}

export const SICHUAN_REGIONS: readonly RegionInfo[] = [
  { code: '510104', name: '锦江区', fullName: '成都市锦江区', city: '成都市', kind: 'urban', weight: 6 },
  { code: '510105', name: '青羊区', fullName: '成都市青羊区', city: '成都市', kind: 'urban', weight: 6 },
  { code: '510106', name: '金牛区', fullName: '成都市金牛区', city: '成都市', kind: 'urban', weight: 8 },
  { code: '510107', name: '武侯区', fullName: '成都市武侯区', city: '成都市', kind: 'urban', weight: 8 },
  { code: '510108', name: '成华区', fullName: '成都市成华区', city: '成都市', kind: 'urban', weight: 7 },
  { code: '510112', name: '龙泉驿区', fullName: '成都市龙泉驿区', city: '成都市', kind: 'suburban', weight: 6 },
  { code: '510113', name: '青白江区', fullName: '成都市青白江区', city: '成都市', kind: 'suburban', weight: 3 },
  { code: '510114', name: '新都区', fullName: '成都市新都区', city: '成都市', kind: 'suburban', weight: 6 },
  { code: '510115', name: '温江区', fullName: '成都市温江区', city: '成都市', kind: 'suburban', weight: 4 },
  { code: '510116', name: '双流区', fullName: '成都市双流区', city: '成都市', kind: 'suburban', weight: 6 },
  { code: '510117', name: '郫都区', fullName: '成都市郫都区', city: '成都市', kind: 'suburban', weight: 5 },
  { code: '510121', name: '金堂县', fullName: '成都市金堂县', city: '成都市', kind: 'rural', weight: 5 },
  { code: '510129', name: '大邑县', fullName: '成都市大邑县', city: '成都市', kind: 'rural', weight: 3 },
  { code: '510131', name: '蒲江县', fullName: '成都市蒲江县', city: '成都市', kind: 'rural', weight: 2 },
  { code: '510181', name: '都江堰市', fullName: '成都市都江堰市', city: '成都市', kind: 'suburban', weight: 4 },
  { code: '510182', name: '彭州市', fullName: '成都市彭州市', city: '成都市', kind: 'rural', weight: 5 },
  { code: '510183', name: '邛崃市', fullName: '成都市邛崃市', city: '成都市', kind: 'rural', weight: 4 },
  { code: '510184', name: '崇州市', fullName: '成都市崇州市', city: '成都市', kind: 'rural', weight: 4 },
  { code: '510185', name: '简阳市', fullName: '成都市简阳市', city: '成都市', kind: 'rural', weight: 6 },
  { code: '510302', name: '自贡自流井区', fullName: '自贡市自流井区', city: '自贡市', kind: 'urban', weight: 6 },
  { code: '510703', name: '绵阳涪城区', fullName: '绵阳市涪城区', city: '绵阳市', kind: 'urban', weight: 6 },
  { code: '511002', name: '内江市中区', fullName: '内江市市中区', city: '内江市', kind: 'urban', weight: 5 },
  { code: '511302', name: '南充顺庆区', fullName: '南充市顺庆区', city: '南充市', kind: 'urban', weight: 6 },
  { code: '513401', name: '西昌市', fullName: '凉山彝族自治州西昌市', city: '凉山彝族自治州', kind: 'rural', weight: 5 },
];

/** Regions outside Sichuan: travel destinations and home of some non-pensioners. */
export const OTHER_REGIONS: readonly RegionInfo[] = [
  { code: '500112', name: '重庆渝北区', fullName: '重庆市渝北区', city: '重庆市', kind: 'urban', weight: 5 },
  { code: '110106', name: '北京丰台区', fullName: '北京市丰台区', city: '北京市', kind: 'urban', weight: 1 },
  { code: '110115', name: '北京大兴区', fullName: '北京市大兴区', city: '北京市', kind: 'urban', weight: 1 },
  { code: '310115', name: '上海浦东新区', fullName: '上海市浦东新区', city: '上海市', kind: 'urban', weight: 2 },
  { code: '440111', name: '广州白云区', fullName: '广州市白云区', city: '广州市', kind: 'urban', weight: 2 },
  { code: '530111', name: '昆明官渡区', fullName: '昆明市官渡区', city: '昆明市', kind: 'urban', weight: 1 },
  { code: '530114', name: '昆明呈贡区', fullName: '昆明市呈贡区', city: '昆明市', kind: 'urban', weight: 1 },
  { code: '520115', name: '贵阳观山湖区', fullName: '贵阳市观山湖区', city: '贵阳市', kind: 'urban', weight: 2 },
  { code: '610112', name: '西安未央区', fullName: '西安市未央区', city: '西安市', kind: 'urban', weight: 2 },
];

export const ALL_REGIONS: readonly RegionInfo[] = [...SICHUAN_REGIONS, ...OTHER_REGIONS];

const BY_CODE = new Map(ALL_REGIONS.map((r) => [r.code, r]));

/** Region code → short Chinese display name. */
export const REGION_NAMES: Readonly<Record<string, string>> = Object.freeze(Object.fromEntries(ALL_REGIONS.map((r) => [r.code, r.name])));

export function regionInfo(code: string): RegionInfo | undefined {
  return BY_CODE.get(code);
}

/** Short display name of a region code, or the code itself when unknown. */
export function regionName(code: string): string {
  return BY_CODE.get(code)?.name ?? code;
}

/** Rail stations and airports by the region they stand in. */
export const STATIONS: readonly { region: string; name: string; kind: 'rail' | 'air' }[] = [
  { region: '510108', name: '成都东站', kind: 'rail' },
  { region: '510106', name: '成都站', kind: 'rail' },
  { region: '510107', name: '成都南站', kind: 'rail' },
  { region: '510105', name: '成都西站', kind: 'rail' },
  { region: '510117', name: '犀浦站', kind: 'rail' },
  { region: '510181', name: '都江堰站', kind: 'rail' },
  { region: '510185', name: '简阳南站', kind: 'rail' },
  { region: '510302', name: '自贡站', kind: 'rail' },
  { region: '510703', name: '绵阳站', kind: 'rail' },
  { region: '511002', name: '内江北站', kind: 'rail' },
  { region: '511302', name: '南充北站', kind: 'rail' },
  { region: '513401', name: '西昌西站', kind: 'rail' },
  { region: '500112', name: '重庆北站', kind: 'rail' },
  { region: '110106', name: '北京西站', kind: 'rail' },
  { region: '610112', name: '西安北站', kind: 'rail' },
  { region: '530114', name: '昆明南站', kind: 'rail' },
  { region: '520115', name: '贵阳北站', kind: 'rail' },
  { region: '510116', name: '成都双流国际机场', kind: 'air' },
  { region: '510185', name: '成都天府国际机场', kind: 'air' },
  { region: '513401', name: '西昌青山机场', kind: 'air' },
  { region: '510703', name: '绵阳南郊机场', kind: 'air' },
  { region: '110115', name: '北京大兴国际机场', kind: 'air' },
  { region: '310115', name: '上海浦东国际机场', kind: 'air' },
  { region: '440111', name: '广州白云国际机场', kind: 'air' },
  { region: '530111', name: '昆明长水国际机场', kind: 'air' },
];
