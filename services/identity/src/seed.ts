/**
 * Demo accounts per realm (idempotent). Passwords are for the local demo only; a deployment
 * creates accounts through the admin API (issue: unified identity) and never seeds.
 */
export const DEMO_PASSWORD = 'Hall#2026';

export interface DemoAccount {
  realm: string; username: string; password: string; name: string; kind: string;
  roles: string[]; department?: string; positions: string[]; region?: string;
}

export function demoAccounts(realm: 'public' | 'staff'): DemoAccount[] {
  if (realm === 'public') {
    return [
      // 周梦婕, the Guoyang villager of the Bozhou case who applied for a 生育证 online.
      { realm, username: 'zhoumengjie', password: DEMO_PASSWORD, name: '周梦婕', kind: 'person', roles: ['applicant'], positions: [] },
      { realm, username: 'lisi', password: DEMO_PASSWORD, name: '李四', kind: 'person', roles: ['applicant'], positions: [] },
    ];
  }
  const dept = 'gy-wjw'; // 涡阳县卫生健康委员会
  return [
    { realm, username: 'window01', password: DEMO_PASSWORD, name: '王受理', kind: 'staff', roles: ['staff'], department: dept, positions: ['acceptance'], region: '涡阳县' },
    { realm, username: 'approver01', password: DEMO_PASSWORD, name: '赵审批', kind: 'staff', roles: ['staff'], department: dept, positions: ['review', 'approval'], region: '涡阳县' },
    { realm, username: 'other01', password: DEMO_PASSWORD, name: '钱其他', kind: 'staff', roles: ['staff'], department: 'gy-mzj', positions: ['acceptance', 'approval'], region: '涡阳县' },
    { realm, username: 'supervisor01', password: DEMO_PASSWORD, name: '孙监察', kind: 'supervisor', roles: ['supervisor'], positions: [], region: '亳州市' },
  ];
}
