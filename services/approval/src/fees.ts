/**
 * The payment step (待缴费) of a workflow: the extension point for fees (issue 13).
 *
 * The engine calls `enterPaymentStep` when a case reaches a step of kind `payment` (the step's task
 * is already written, status 'waiting'); it must leave the case in payment_pending and may order the
 * payment (e.g. enqueue a payment order in the same transaction). When the fees are settled, call
 * `completePaymentStep(db, caseId, { reference, actor })` from engine.ts: status paid, then the case
 * moves on to the next step.
 */
import { transition, SYSTEM, type CaseRow, type Tx } from './transitions.js';
import type { Step } from './workflow.js';
import { orderPayment } from './payment-orders.js';

export async function enterPaymentStep(tx: Tx, caseRow: CaseRow, step: Step, now = new Date()): Promise<CaseRow> {
  const pending = await transition(tx, caseRow, {
    action: 'payment_request', to: 'payment_pending', actor: SYSTEM, stage: '审批过程', at: now, step: step.key,
    note: `请缴纳费用（${step.name}），缴费后继续办理`,
  });
  // Issue 13: the payment order (payment.ordered, OUTBOUND) in the same transaction; see payment-orders.ts.
  await orderPayment(tx, pending, step, now);
  return pending;
}
