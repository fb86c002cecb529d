/**
 * Demo data per realm (idempotent). Passwords are for the local demo only; a deployment creates
 * accounts through registration and the admin API and never seeds. ID numbers and credit codes
 * below carry valid check characters but belong to nobody.
 */
export const DEMO_PASSWORD = 'Hall#2026';

export interface DemoAccount {
  realm: string; username: string; password: string; name: string; kind: string;
  roles: string[]; department?: string; positions: string[]; region?: string;
  idNumber?: string; phone?: string; servicePoint?: string;
}

/** 涡阳县 (Guoyang county), 亳州市 (Bozhou city) and 珠海市 (Zhuhai city): 行政区划代码. */
export const REGION = { bozhou: '341600', guoyang: '341621', chengguan: '341621100', zhuhai: '440400' } as const;

/**
 * The positions a department's workflows use, held by two accounts: the window (窗口: 受理 and
 * 办结送达) and the approver (审查 and 审批, and 评审 where a committee reviews). Two rather than
 * one per position: every account costs a scrypt hash on the staff realm's first start.
 */
export const DEMO_STAFF_ROLES = [
  { suffix: 'window', label: '窗口', positions: ['acceptance', 'delivery'] },
  { suffix: 'approver', label: '审批', positions: ['review', 'approval'] },
] as const;

/**
 * Every department that owns or takes part in a demo item (services/catalog/src/demo-catalog.ts),
 * with its staff: `<prefix>-window`, `<prefix>-approver` (plus `extra` positions) and a department
 * admin `<prefix>-admin`. 卫健委 and 民政局 keep their older accounts (window01, approver01, …) and
 * get only what they lacked.
 */
export const DEMO_DEPARTMENTS: { code: string; name: string; short: string; region: string; extra?: string[]; existing?: boolean }[] = [
  { code: 'gy-wjw', name: '涡阳县卫生健康委员会', short: '涡阳卫健', region: REGION.guoyang, existing: true },
  { code: 'gy-mzj', name: '涡阳县民政局', short: '涡阳民政', region: REGION.guoyang, existing: true },
  { code: 'gy-cl', name: '涡阳县残疾人联合会', short: '涡阳残联', region: REGION.guoyang },
  { code: 'gy-scj', name: '涡阳县市场监督管理局', short: '涡阳市监', region: REGION.guoyang },
  { code: 'gy-rsj', name: '涡阳县人力资源和社会保障局', short: '涡阳人社', region: REGION.guoyang },
  { code: 'gy-zjj', name: '涡阳县住房和城乡建设局', short: '涡阳住建', region: REGION.guoyang },
  { code: 'gy-sthj', name: '亳州市涡阳县生态环境分局', short: '涡阳生态', region: REGION.guoyang },
  { code: 'gy-zrzy', name: '涡阳县自然资源和规划局', short: '涡阳自然资源', region: REGION.guoyang },
  { code: 'gy-slj', name: '涡阳县水利局', short: '涡阳水利', region: REGION.guoyang },
  { code: 'gy-fgw', name: '涡阳县发展和改革委员会', short: '涡阳发改', region: REGION.guoyang },
  { code: 'gy-jyj', name: '涡阳县教育局', short: '涡阳教育', region: REGION.guoyang },
  { code: 'zh-rsj', name: '珠海市人力资源和社会保障局', short: '珠海人社', region: REGION.zhuhai, extra: ['expert'] },
  { code: 'zh-gaj', name: '珠海市公安局', short: '珠海公安', region: REGION.zhuhai },
  { code: 'zh-zjj', name: '珠海市住房和城乡建设局', short: '珠海住建', region: REGION.zhuhai },
  { code: 'zh-scj', name: '珠海市市场监督管理局', short: '珠海市监', region: REGION.zhuhai },
  { code: 'zh-sw', name: '国家税务总局珠海市税务局', short: '珠海税务', region: REGION.zhuhai },
  { code: 'zh-sthj', name: '珠海市生态环境局', short: '珠海生态', region: REGION.zhuhai },
  { code: 'zh-zrzy', name: '珠海市自然资源局', short: '珠海自然资源', region: REGION.zhuhai },
  { code: 'zh-swj', name: '珠海市水务局', short: '珠海水务', region: REGION.zhuhai },
  { code: 'zh-wjj', name: '珠海市卫生健康局', short: '珠海卫健', region: REGION.zhuhai },
  { code: 'zh-mzj', name: '珠海市民政局', short: '珠海民政', region: REGION.zhuhai },
  { code: 'zh-cl', name: '珠海市残疾人联合会', short: '珠海残联', region: REGION.zhuhai },
  { code: 'zh-gjj', name: '珠海市住房公积金管理中心', short: '珠海公积金', region: REGION.zhuhai },
  { code: 'zh-jtj', name: '珠海市交通运输局', short: '珠海交通', region: REGION.zhuhai },
];

/** `gy-cl` → `gycl`: the prefix of a department's demo usernames. */
export const demoUsernamePrefix = (department: string) => department.replace(/-/g, '');
/** A department's demo admin (`gycl-admin`; 卫健委's is `wjwadmin`). */
export const demoAdminUsername = (department: string) => (department === 'gy-wjw' ? 'wjwadmin' : `${demoUsernamePrefix(department)}-admin`);

/** The demo data-exchange client of another department (its secret is for the demo only). */
export const DEMO_CLIENT = {
  clientId: 'gy-gaj-exchange', clientSecret: 'Exchange#Demo-2026-secret', name: '涡阳县公安局数据交换', department: 'gy-gaj',
  scopes: ['certificate:verify', 'case:status', 'catalog:read', 'basedata:population'],
};

/** The demo company (法人), its legal representative, its handler (经办人) and a consent to the agent. */
export const DEMO_COMPANY = { creditCode: '91341621MA2T5CXK09', name: '涡阳县梦婕农业发展有限公司', legalRep: 'wangjun', handler: 'chenjing' };
export const DEMO_CONSENT = { citizen: 'lisi', agent: 'daiban01' };

export function demoAccounts(realm: 'public' | 'staff'): DemoAccount[] {
  if (realm === 'public') {
    return [
      // 周梦婕, the Guoyang villager of the Bozhou case who applied for a 生育证 online.
      { realm, username: 'zhoumengjie', password: DEMO_PASSWORD, name: '周梦婕', kind: 'person', roles: ['applicant'], positions: [], idNumber: '341621199203150020', phone: '13800000001' },
      { realm, username: 'lisi', password: DEMO_PASSWORD, name: '李四', kind: 'person', roles: ['applicant'], positions: [], idNumber: '341621195807080010', phone: '13800000002' },
      { realm, username: 'wangjun', password: DEMO_PASSWORD, name: '王军', kind: 'person', roles: ['applicant'], positions: [], idNumber: '341621197511230015', phone: '13800000003' },
      { realm, username: 'chenjing', password: DEMO_PASSWORD, name: '陈静', kind: 'person', roles: ['applicant'], positions: [], idNumber: '341621198809120040', phone: '13800000004' },
      // A resident of 香洲区, for the Zhuhai hall's items.
      { realm, username: 'huangmin', password: DEMO_PASSWORD, name: '黄敏', kind: 'person', roles: ['applicant'], positions: [], idNumber: '440402199006150120', phone: '13800000006' },
      // 代办员 at the Chengguan town service point (便民服务中心).
      { realm, username: 'daiban01', password: DEMO_PASSWORD, name: '刘代办', kind: 'agent', roles: ['applicant', 'agent'], positions: [], phone: '13800000005', servicePoint: '城关镇便民服务中心', region: REGION.chengguan },
    ];
  }
  const wjw = 'gy-wjw'; // 涡阳县卫生健康委员会
  const mzj = 'gy-mzj'; // 涡阳县民政局
  const staff = (username: string, name: string, department: string, positions: string[], roles: string[] = ['staff'], region: string = REGION.guoyang): DemoAccount =>
    ({ realm, username, password: DEMO_PASSWORD, name, kind: 'staff', roles, department, positions, region });
  // The other departments: window, approver and admin each. (卫健委 and 民政局 are listed below.)
  const byDepartment = DEMO_DEPARTMENTS.filter((d) => !d.existing).flatMap((d) => [
    ...DEMO_STAFF_ROLES.map((r) => staff(`${demoUsernamePrefix(d.code)}-${r.suffix}`, `${d.short}${r.label}员`, d.code, [...r.positions, ...(r.suffix === 'approver' ? d.extra ?? [] : [])], ['staff'], d.region)),
    staff(demoAdminUsername(d.code), `${d.short}部门管理员`, d.code, [], ['staff', 'dept_admin'], d.region),
  ]);
  return [
    staff('window01', '王受理', wjw, ['acceptance']),
    staff('reviewer01', '吴审查', wjw, ['review']),
    staff('approver01', '赵审批', wjw, ['review', 'approval']),
    staff('window02', '郑受理', mzj, ['acceptance']),
    staff('reviewer02', '冯审查', mzj, ['review']),
    staff('approver02', '褚审批', mzj, ['approval']),
    staff('other01', '钱其他', mzj, ['acceptance', 'approval']),
    staff('delivery01', '林送达', wjw, ['delivery']),
    // 政务公开 editor and the department's complaint handler (投诉办理).
    staff('editor01', '何公开', wjw, [], ['staff', 'openness_editor']),
    staff('complaint01', '许投诉', wjw, [], ['staff', 'complaint_handler']),
    staff('wjwadmin', '卫部门管理员', wjw, [], ['staff', 'dept_admin']),
    staff('gymzj-delivery', '涡阳民政送达员', mzj, ['delivery']),
    staff(demoAdminUsername(mzj), '涡阳民政部门管理员', mzj, [], ['staff', 'dept_admin']),
    ...byDepartment,
    { realm, username: 'supervisor01', password: DEMO_PASSWORD, name: '孙监察', kind: 'supervisor', roles: ['supervisor'], positions: [], region: REGION.bozhou },
    { realm, username: 'admin01', password: DEMO_PASSWORD, name: '系统管理员', kind: 'admin', roles: ['sys_admin'], positions: [], region: REGION.bozhou },
  ];
}
