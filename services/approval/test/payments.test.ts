/**
 * 网上缴费 on the extranet side, against the real approval service (Postgres, extranet NATS, S3):
 * a case entering its item's payment step opens a payment order from the item's 收费标准 and sends
 * payment.ordered outbound; the case never proceeds unpaid — not on a settlement of another
 * amount, not on nothing — and proceeds once on the matching payment.settled (as the inbound lane
 * delivers it), however often that message arrives.
 */
import { randomUUID } from 'node:crypto';
import { startApproval, publicationOf, staffToken, call, submit, outboxOf, waitFor, type Harness } from './helpers.js';
import { feeLinesOf } from '../src/payment-orders.js';

const EIA = '440400-STHJ-XZSP-001';
let h: Harness;
const t = {} as Record<'window' | 'approver', string>;

beforeAll(async () => {
  // Waived fees are released every 100 ms (1 s by default): the waiver tests wait for the sweep, not for time.
  h = await startApproval({ PAYMENT_WAIVER_SWEEP_INTERVAL_MS: '100' });
  t.window = staffToken(h, '受理', 'zh-sthj', ['acceptance']);
  t.approver = staffToken(h, '审批', 'zh-sthj', ['approval']);
}, 90_000);
afterAll(async () => { await h?.close(); }, 30_000);

const statusOf = async (caseId: string) => (await h.svc.ctx.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).status;

describe('fee lines of 收费标准', () => {
  it('reads amounts in yuan per part and nothing from 不收费', () => {
    expect(feeLinesOf('通行证（卡式）60元；个人旅游签注每次15元')).toEqual([
      { code: 'fee-1', name: '通行证（卡式）60元', amountFen: 6000 },
      { code: 'fee-2', name: '个人旅游签注每次15元', amountFen: 1500 },
    ]);
    expect(feeLinesOf('工本费 12.5 元')).toEqual([{ code: 'fee-1', name: '工本费 12.5 元', amountFen: 1250 }]);
    expect(feeLinesOf('不收费（工本费已取消）')).toEqual([]);
    expect(feeLinesOf(undefined)).toEqual([]);
  });
});

describe('payment step', () => {
  it('orders the fee, never proceeds unpaid, and continues once on the matching settlement', async () => {
    const code = 'T-FEE-001';
    const p = {
      ...publicationOf(EIA), code, certificateType: undefined, promisedDays: 10,
      guide: { ...publicationOf(EIA).guide, fees: '通行证（卡式）60元；个人旅游签注每次15元' },
      workflow: { steps: [
        { key: 'accept', name: '受理', position: 'acceptance', limitDays: 1 },
        { key: 'decide', name: '决定', position: 'approval', limitDays: 2 },
        { key: 'pay', name: '缴纳证件费', position: 'system', limitDays: 5, kind: 'payment' },
        { key: 'complete', name: '办结', position: 'system', limitDays: 0 },
      ] },
    };
    const { certificateType: _c, ...payload } = p;
    await h.publish('catalog', 'catalog.item.published', payload);
    await waitFor(() => h.svc.ctx.prisma.itemDefinition.findUnique({ where: { code_version: { code, version: 1 } } }));

    const { app, c } = await submit(h, p, {});
    await call(h, 'POST', `/v1/cases/${c.id}/accept`, t.window);
    expect((await call(h, 'POST', `/v1/cases/${c.id}/approve`, t.approver)).body.status).toBe('payment_pending');

    const ordered = await outboxOf(h, 'payment.ordered', app.applicationId);
    expect(ordered).toHaveLength(1);
    expect(ordered[0]).toMatchObject({ applicationId: app.applicationId, caseNumber: c.caseNumber, amountFen: 7500, lines: [{ amountFen: 6000 }, { amountFen: 1500 }] });
    const orderId: string = ordered[0].orderId;
    const order = await h.svc.ctx.prisma.paymentOrder.findUniqueOrThrow({ where: { id: orderId } });
    expect(order).toMatchObject({ caseId: c.id, stepKey: 'pay', status: 'ordered', amountFen: 7500 });

    // No staff action moves a case past its payment step.
    expect((await call(h, 'POST', `/v1/cases/${c.id}/approve`, t.approver)).status).toBeGreaterThanOrEqual(400);
    const settled = (amountFen: number) => ({ orderId, applicationId: app.applicationId, caseNumber: c.caseNumber, amountFen, provider: 'demo', providerTradeNo: 'DP1764200000000000001', receiptNo: 'PJ20261127ABCDEF0123', paidAt: new Date().toISOString() });
    // A settlement for less than the order: the case stays where it is.
    const short = randomUUID();
    await h.publish('relay-in-receiver', 'payment.settled', settled(100), 'internet', short);
    await waitFor(async () => ((await h.svc.ctx.prisma.$queryRawUnsafe<unknown[]>("SELECT 1 FROM inbox WHERE consumer = 'approval-payments' AND message_id = $1", short)).length ? true : null));
    expect(await statusOf(c.id)).toBe('payment_pending');

    const good = randomUUID();
    await h.publish('relay-in-receiver', 'payment.settled', settled(7500), 'internet', good);
    await waitFor(async () => ((await statusOf(c.id)) === 'completed' ? true : null));
    // The same settlement again (a redelivery under a new id) changes nothing.
    const redelivered = randomUUID();
    await h.publish('relay-in-receiver', 'payment.settled', settled(7500), 'internet', redelivered);
    await h.handled('approval-payments', redelivered);
    expect((await outboxOf(h, 'case.status.changed', app.applicationId)).map((s) => s.status)).toEqual(['received', 'accepted', 'approved', 'payment_pending', 'paid', 'completed']);
    expect(await h.svc.ctx.prisma.paymentOrder.findUniqueOrThrow({ where: { id: orderId } })).toMatchObject({ status: 'paid', receiptNo: 'PJ20261127ABCDEF0123' });
  }, 60_000);

  it('waives the fee by policy: no order is sent and the case moves on', async () => {
    const { app, c } = await submit(h, { code: 'T-FEE-001', version: 1 }, { feeWaiver: 'disability' });
    await call(h, 'POST', `/v1/cases/${c.id}/accept`, t.window);
    await call(h, 'POST', `/v1/cases/${c.id}/approve`, t.approver);
    await waitFor(async () => ((await statusOf(c.id)) === 'completed' ? true : null));
    expect(await outboxOf(h, 'payment.ordered', app.applicationId)).toHaveLength(0);
    expect(await h.svc.ctx.prisma.paymentOrder.findFirstOrThrow({ where: { caseId: c.id } })).toMatchObject({ status: 'waived', waiver: 'disability', amountFen: 7500 });
    const paid = (await outboxOf(h, 'case.status.changed', app.applicationId)).find((s) => s.status === 'paid');
    expect(paid.note).toContain('持证残疾人免缴');
  }, 30_000);

  it('does not waive on a claim that names no policy', async () => {
    const { app, c } = await submit(h, { code: 'T-FEE-001', version: 1 }, { feeWaiver: 'friend-of-the-director' });
    await call(h, 'POST', `/v1/cases/${c.id}/accept`, t.window);
    await call(h, 'POST', `/v1/cases/${c.id}/approve`, t.approver);
    // A waiver sweep has run since: a case with a real waiver, at its payment step after ours, is
    // released by a sweep, whose one query saw our case too.
    const marker = await submit(h, { code: 'T-FEE-001', version: 1 }, { feeWaiver: 'disability' });
    await call(h, 'POST', `/v1/cases/${marker.c.id}/accept`, t.window);
    await call(h, 'POST', `/v1/cases/${marker.c.id}/approve`, t.approver);
    await waitFor(async () => ((await statusOf(marker.c.id)) === 'completed' ? true : null), { what: 'the waiver sweep to release the marker case' });
    expect(await statusOf(c.id)).toBe('payment_pending');
    expect(await outboxOf(h, 'payment.ordered', app.applicationId)).toHaveLength(1);
  }, 30_000);
});
