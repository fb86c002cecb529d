/**
 * Case status by case number (办件编号), the read the data-exchange service forwards with a
 * client's token: staff of the case's department, or a client with case:status; the applicant's
 * name only to staff and to clients with case:applicant.
 */
import { randomUUID } from 'node:crypto';
import { startApproval, type Harness } from './helpers.js';

let h: Harness;
const CASE_NUMBER = 'GY-WJW-20261126-000777';
beforeAll(async () => {
  h = await startApproval();
  const at = new Date();
  await h.svc.ctx.prisma.case.create({
    data: {
      id: randomUUID(), caseNumber: CASE_NUMBER, applicationId: randomUUID(), receiptNo: 'SB2026112600000077', itemCode: 'T-ITEM-002', itemVersion: 1, itemName: '生育登记', department: 'gy-wjw',
      applicant: { accountId: randomUUID(), name: '周梦婕', kind: 'person' }, form: {}, materials: [], status: 'received', receivedAt: at, updatedAt: at,
    },
  });
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const client = (scopes: string[]) => bearer(h.env.token({ sub: 'client-dept-y', realm: 'client', name: '公安局业务系统', roles: [], scopes }));
const status = (headers: Record<string, string> = {}, caseNumber = CASE_NUMBER) => h.svc.app.inject({ method: 'GET', url: `/v1/cases/by-number/${caseNumber}/status`, headers });

describe('case status by case number', () => {
  it("should answer a client with case:status, without the applicant's name", async () => {
    const r = await status(client(['case:status']));
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ caseNumber: CASE_NUMBER, status: 'received', statusText: '待受理', itemName: '生育登记', department: 'gy-wjw', certificateId: null });
    expect(r.json()).not.toHaveProperty('applicantName');
  });

  it("should add the applicant's name for a client with case:applicant, and for staff of the department", async () => {
    expect((await status(client(['case:status', 'case:applicant']))).json().applicantName).toBe('周梦婕');
    const staff = bearer(h.env.token({ sub: 'clerk-1', name: '窗口', roles: ['staff'], department: 'gy-wjw' }));
    expect((await status(staff)).json().applicantName).toBe('周梦婕');
  });

  it('should not answer staff of another department, a client without the scope, an applicant or an anonymous caller', async () => {
    expect((await status(bearer(h.env.token({ sub: 'clerk-2', name: '他部门', roles: ['staff'], department: 'gy-mzj' })))).statusCode).toBe(404);
    expect((await status(client(['catalog:read']))).statusCode).toBe(403);
    expect((await status(bearer(h.env.token({ sub: 'a-1', realm: 'public', name: '周梦婕' })))).statusCode).toBe(403);
    expect((await status()).statusCode).toBe(401);
  });

  it('should answer 404 case_not_found for an unknown case number', async () => {
    const r = await status(client(['case:status']), 'GY-WJW-20261126-999999');
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('case_not_found');
  });
});
