/**
 * 网上缴费, extranet side (issue 13). When a case enters its item's payment step (fees.ts calls
 * `orderPayment` in the engine's transaction), a payment order is written with the item's fee lines
 * and payment.ordered is enqueued (OUTBOUND lane → the applicant's 缴费 list). The case waits in
 * payment_pending; it moves on only when payment.settled (INBOUND lane, from the portal's verified
 * provider notification) names this order with exactly its amount — then the engine's
 * `completePaymentStep` runs. payment.refunded marks the order refunded.
 *
 * The fee lines come from the item's 收费标准 (guide.fees): each part separated by `；` or `;` that
 * names an amount in yuan (`60元`, `15.5 元`) is one line; a text without amounts (不收费) has none.
 */
import { randomUUID } from 'node:crypto';
import { buildMessage, type FeeLine, type ItemPublished, type PaymentRefunded, type PaymentSettled } from '@hall/contracts';
import { consume, enqueue, handleOnce } from '@hall/messaging';
import type { ServiceContext } from '@hall/service';
import type { Db } from './db.js';
import { completePaymentStep, EngineError } from './engine.js';
import type { CaseRow, Tx } from './transitions.js';
import type { Step } from './workflow.js';

/** The fee lines of an item's 收费标准 text (see the module comment for the rule). */
export function feeLinesOf(text: string | undefined): FeeLine[] {
  if (!text) return [];
  const lines: FeeLine[] = [];
  for (const [i, part] of text.split(/[；;]/).map((s) => s.trim()).filter(Boolean).entries()) {
    const m = /(\d+(?:\.\d{1,2})?)\s*元/.exec(part);
    if (!m) continue;
    const amountFen = Math.round(Number(m[1]) * 100);
    if (amountFen <= 0) continue;
    lines.push({ code: `fee-${i + 1}`, name: part.slice(0, 200), amountFen });
  }
  return lines;
}

export const PAYMENT_ACTOR = { id: 'payment', name: '网上缴费' };

/**
 * Fee waivers by policy (减免政策): an applicant who claims one of these in the form field
 * `feeWaiver` pays nothing; the order is recorded as waived (the reviewing staff check the claim
 * with the other materials before the decision), no payment.ordered is sent, and the case moves on.
 */
export const FEE_WAIVER_POLICIES: Record<string, string> = {
  subsistence: '最低生活保障对象免缴',
  extreme_poverty: '特困供养人员免缴',
  disability: '持证残疾人免缴',
};


/** Opens the order of a case that entered its payment step; returns null when the item names no fee. */
export async function orderPayment(tx: Tx, c: CaseRow, step: Pick<Step, 'key' | 'name'>, now: Date): Promise<string | null> {
  const item = await tx.itemDefinition.findUnique({ where: { code_version: { code: c.itemCode, version: c.itemVersion } } });
  const publication = item?.publication as ItemPublished['payload'] | undefined;
  const lines = feeLinesOf(publication?.guide?.fees);
  if (lines.length === 0) return null;
  const existing = await tx.paymentOrder.findUnique({ where: { caseId_stepKey: { caseId: c.id, stepKey: step.key } } });
  if (existing) return existing.id;
  const amountFen = lines.reduce((s, l) => s + l.amountFen, 0);
  const id = randomUUID();
  const claim = (c.form as Record<string, unknown> | null)?.feeWaiver;
  if (typeof claim === 'string' && FEE_WAIVER_POLICIES[claim]) {
    await tx.paymentOrder.create({ data: { id, caseId: c.id, applicationId: c.applicationId, caseNumber: c.caseNumber, stepKey: step.key, lines: lines as object, amountFen, status: 'waived', waiver: claim, orderedAt: now } });
    return id;
  }
  await tx.paymentOrder.create({ data: { id, caseId: c.id, applicationId: c.applicationId, caseNumber: c.caseNumber, stepKey: step.key, lines: lines as object, amountFen, orderedAt: now } });
  await enqueue(tx, buildMessage('payment.ordered', {
    zone: 'extranet', correlationId: c.applicationId, occurredAt: now,
    payload: {
      orderId: id, applicationId: c.applicationId, caseNumber: c.caseNumber, itemCode: c.itemCode, itemName: c.itemName, department: c.department,
      ...(item?.departmentName ? { departmentName: item.departmentName } : {}), lines, amountFen, orderedAt: now.toISOString(),
    },
  }));
  return id;
}

/** What a settled payment does: the case continues, once, and only for the order's exact amount. */
export async function settle(db: Db, m: PaymentSettled, log: ServiceContext<unknown, Db>['logger']): Promise<void> {
  const p = m.payload;
  const order = await db.paymentOrder.findUnique({ where: { id: p.orderId } });
  if (!order) throw new Error(`payment order ${p.orderId} unknown`); // retried: the order may still be on its way
  if (order.amountFen !== p.amountFen || order.applicationId !== p.applicationId) {
    log.error({ orderId: p.orderId, ordered: order.amountFen, settled: p.amountFen }, 'settled payment does not match its order; the case does not proceed');
    await handleOnce(db, 'approval-payments', m.id, async () => undefined);
    return;
  }
  try {
    await completePaymentStep(db, order.caseId, { reference: p.receiptNo, actor: PAYMENT_ACTOR });
  } catch (err) {
    // Already moved on (a redelivery after the step completed): only the order row is left to mark.
    if (!(err instanceof EngineError)) throw err;
    log.info({ orderId: p.orderId, err: err.message }, 'payment step was not waiting; marking the order only');
  }
  await handleOnce(db, 'approval-payments', m.id, async (tx) => {
    await tx.paymentOrder.updateMany({ where: { id: order.id, status: 'ordered' }, data: { status: 'paid', receiptNo: p.receiptNo, tradeNo: p.providerTradeNo, paidAt: new Date(p.paidAt) } });
  });
}

/** Moves on every case whose fee was waived and that still waits at its payment step; returns how many. */
export async function releaseWaived(db: Db): Promise<number> {
  const waiting = await db.$queryRawUnsafe<{ case_id: string; waiver: string }[]>(
    `SELECT o.case_id::text AS case_id, o.waiver FROM payment_order o JOIN "case" c ON c.id = o.case_id WHERE o.status = 'waived' AND c.status = 'payment_pending' LIMIT 50`);
  let moved = 0;
  for (const w of waiting) {
    try {
      await completePaymentStep(db, w.case_id, { reference: FEE_WAIVER_POLICIES[w.waiver] ?? '免缴', actor: PAYMENT_ACTOR });
      moved++;
    } catch (err) {
      if (!(err instanceof EngineError)) throw err;
    }
  }
  return moved;
}

/** Consumes payment.settled and payment.refunded, and releases waived cases every `waiverSweepMs`. */
export async function startPaymentConsumers(ctx: ServiceContext<unknown, Db>, waiverSweepMs: number): Promise<() => Promise<void>> {
  const db = ctx.prisma;
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void releaseWaived(db).then((n) => { if (n) ctx.outbox.notify(); }).catch((err) => ctx.logger.error({ err }, 'waived payments sweep failed')).finally(() => { sweeping = false; });
  }, waiverSweepMs);
  timer.unref();
  const consumer = await consume({
    nc: ctx.nc, stream: 'IN', durable: 'approval-payments', filterSubjects: ['hall.in.payment.>'], logger: ctx.logger,
    handler: async (m) => {
      if (m.type === 'payment.settled') await settle(db, m as PaymentSettled, ctx.logger);
      else if (m.type === 'payment.refunded') {
        const p = (m as PaymentRefunded).payload;
        await handleOnce(db, 'approval-payments', m.id, async (tx) => { await tx.paymentOrder.updateMany({ where: { id: p.orderId, status: 'paid' }, data: { status: 'refunded', refundedAt: new Date(p.refundedAt) } }); });
      }
      ctx.outbox.notify();
    },
  });
  return async () => { clearInterval(timer); await consumer.stop(); };
}
