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

/** 涡阳县 (Guoyang county) and 亳州市 (Bozhou city): 行政区划代码. */
export const REGION = { bozhou: '341600', guoyang: '341621', chengguan: '341621100' } as const;

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
      // 代办员 at the Chengguan town service point (便民服务中心).
      { realm, username: 'daiban01', password: DEMO_PASSWORD, name: '刘代办', kind: 'agent', roles: ['applicant', 'agent'], positions: [], phone: '13800000005', servicePoint: '城关镇便民服务中心', region: REGION.chengguan },
    ];
  }
  const wjw = 'gy-wjw'; // 涡阳县卫生健康委员会
  const mzj = 'gy-mzj'; // 涡阳县民政局
  const staff = (username: string, name: string, department: string, positions: string[], roles: string[] = ['staff']): DemoAccount =>
    ({ realm, username, password: DEMO_PASSWORD, name, kind: 'staff', roles, department, positions, region: REGION.guoyang });
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
    { realm, username: 'supervisor01', password: DEMO_PASSWORD, name: '孙监察', kind: 'supervisor', roles: ['supervisor'], positions: [], region: REGION.bozhou },
    { realm, username: 'admin01', password: DEMO_PASSWORD, name: '系统管理员', kind: 'admin', roles: ['sys_admin'], positions: [], region: REGION.bozhou },
  ];
}
