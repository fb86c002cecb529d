// What the demo seeds, for the start banner (kept in sync with services/identity/src/seed.ts).
export const DEMO_ACCOUNTS_HELP = [
  '演示账号（密码均为 Hall#2026）：',
  '  互联网（申请人）  zhoumengjie 周梦婕 / lisi 李四',
  '  政务外网（工作人员）window01 受理岗 / approver01 审批岗 / supervisor01 监察',
  '演示事项：生育登记（生育服务证办理），涡阳县卫生健康委员会',
].join('\n');
