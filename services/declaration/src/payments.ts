/**
 * 网上缴费 on the portal (internet zone). The extranet opens a payment order when a case reaches the
 * payment step of its item (payment.ordered, OUTBOUND lane); the applicant pays it through a
 * payment provider (payments-provider.ts: the interface and the built-in demo provider). The
 * provider's signed, asynchronous, possibly repeated notification is the only thing that marks an
 * order paid: it is verified, recorded once per notification id, applied once per order state, and
 * emits payment.settled (INBOUND lane), on which the case continues. A withdrawn or refused case
 * whose fee was paid is refunded (once, by refund number), and payment.refunded goes inbound. A daily
 * reconciliation compares the provider's statement file with the hall's books and records every
 * mismatch. Paid orders have an e-receipt (电子票据) as a PDF.
 */
import fs from 'node:fs';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemSchema, type HttpApp, type HttpPlugin } from '@hall/http';
import { requireRealm } from '@hall/auth';
import { buildMessage, type CaseStatusChanged, type FeeLine, type PaymentOrdered } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import { createClock, type ServiceContext } from '@hall/service';
import type { FastifyRequest } from 'fastify';
import type { Db } from './db.js';
import type { Acting } from './acting.js';
import type { Prisma } from './generated/prisma/client.js';
import { createDemoProvider, chinaDay, dayBounds, SIGNATURE_HEADER, STATEMENT_HEADER, type DemoProvider, type PaymentProvider } from './payments-provider.js';
import { renderReceiptPdf } from './payments-receipt.js';

type Tx = Prisma.TransactionClient;
type OrderRow = NonNullable<Awaited<ReturnType<Db['paymentOrder']['findFirst']>>>;

/** The clock of the daily reconciliation (tests set it). */
export const paymentsClock = createClock();

const STATUS_TEXT: Record<string, string> = { pending: '待缴费', paid: '已缴费', refunding: '退费中', refunded: '已退费' };
/** Case statuses after which a paid fee is returned. */
export const REFUND_ON: Record<string, string> = { withdrawn: '申请已撤回，退还已缴费用', denied: '不予许可，退还已缴费用', rejected: '不予受理，退还已缴费用' };

export class ApplicationNotYetKnown extends Error {}

/** payment.ordered arrived: the order joins the applicant's list (the application tells whose it is). */
export async function applyPaymentOrdered(tx: Tx, p: PaymentOrdered['payload']): Promise<void> {
  const app = await tx.application.findUnique({ where: { id: p.applicationId } });
  if (!app) throw new ApplicationNotYetKnown(`application ${p.applicationId} unknown`);
  await tx.paymentOrder.upsert({
    where: { id: p.orderId },
    create: {
      id: p.orderId, applicationId: p.applicationId, accountId: app.accountId, caseNumber: p.caseNumber, itemCode: p.itemCode, itemName: p.itemName,
      department: p.department, departmentName: p.departmentName ?? null, lines: p.lines as object, amountFen: p.amountFen, orderedAt: new Date(p.orderedAt),
    },
    update: {},
  });
}

/** A case ended without the service it was paid for: its paid order is marked for refund (the worker asks the provider). */
export async function applyCaseStatusForPayments(tx: Tx, p: CaseStatusChanged['payload']): Promise<void> {
  const reason = REFUND_ON[p.status];
  if (!reason) return;
  const orders = await tx.paymentOrder.findMany({ where: { applicationId: p.applicationId, status: 'paid' } });
  for (const o of orders) await tx.paymentOrder.update({ where: { id: o.id }, data: { status: 'refunding', refundNo: refundNoOf(o.id), refundReason: reason, updatedAt: new Date() } });
}

/** One refund number per order: asking again can never refund twice. */
export const refundNoOf = (orderId: string) => `RF${orderId.replace(/-/g, '').slice(0, 24).toUpperCase()}`;
const receiptNoOf = (orderId: string, at: Date) => `PJ${chinaDay(at).replace(/-/g, '')}${createHash('sha256').update(orderId).digest('hex').slice(0, 10).toUpperCase()}`;

export interface Mismatch { kind: 'missing_in_hall' | 'missing_at_provider' | 'amount_mismatch'; tradeNo: string; type: 'pay' | 'refund'; provider?: number; hall?: number }

/** Compares the provider's statement of `day` with the hall's paid and refunded orders of that day. */
export async function reconcileDay(db: Db, provider: PaymentProvider, day: string): Promise<{ matched: number; mismatches: Mismatch[] }> {
  const csv = await provider.statement(day);
  const lines = csv.trim().split('\n');
  if (lines[0] !== STATEMENT_HEADER) throw new Error('statement file has an unknown header');
  const theirs = new Map<string, number>();
  for (const l of lines.slice(1)) {
    const [tradeNo, , type, amount] = l.split(',');
    theirs.set(`${type}:${tradeNo}`, Number(amount));
  }
  const { start, end } = dayBounds(day);
  const ours = new Map<string, number>();
  for (const o of await db.paymentOrder.findMany({ where: { provider: provider.name, paidAt: { gte: start, lt: end } } })) ours.set(`pay:${o.tradeNo}`, o.amountFen);
  for (const o of await db.paymentOrder.findMany({ where: { provider: provider.name, status: 'refunded', refundedAt: { gte: start, lt: end } } })) ours.set(`refund:${o.tradeNo}`, o.amountFen);
  const mismatches: Mismatch[] = [];
  let matched = 0;
  for (const [k, amount] of theirs) {
    const [type, tradeNo] = k.split(':') as ['pay' | 'refund', string];
    if (!ours.has(k)) mismatches.push({ kind: 'missing_in_hall', tradeNo, type, provider: amount });
    else if (ours.get(k) !== amount) mismatches.push({ kind: 'amount_mismatch', tradeNo, type, provider: amount, hall: ours.get(k)! });
    else matched++;
  }
  for (const [k, amount] of ours) if (!theirs.has(k)) { const [type, tradeNo] = k.split(':') as ['pay' | 'refund', string]; mismatches.push({ kind: 'missing_at_provider', tradeNo, type, hall: amount }); }
  await db.paymentReconciliation.create({ data: { day, provider: provider.name, sha256: createHash('sha256').update(csv).digest('hex'), matched, mismatches: mismatches as unknown as object } });
  return { matched, mismatches };
}

/** The applied outcome of one verified provider notification. */
async function applyNotification(tx: Tx, n: { notifyId: string; kind: string; tradeNo: string; merchantOrderId: string; amountFen: number; refundNo?: string; at: string }, providerName: string, body: object): Promise<string> {
  const inserted = await tx.$executeRawUnsafe('INSERT INTO payment_notification (notify_id, order_id, kind, body, outcome) VALUES ($1, $2::uuid, $3, $4::jsonb, $5) ON CONFLICT (notify_id) DO NOTHING', n.notifyId, n.merchantOrderId, n.kind, JSON.stringify(body), 'pending');
  if (inserted === 0) return 'duplicate';
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>('SELECT id::text AS id FROM payment_order WHERE id = $1::uuid FOR UPDATE', n.merchantOrderId);
  const o = rows[0] ? await tx.paymentOrder.findUnique({ where: { id: n.merchantOrderId } }) : null;
  let outcome = 'ignored';
  if (!o) outcome = 'unknown_order';
  else if (o.amountFen !== n.amountFen || (o.tradeNo && o.tradeNo !== n.tradeNo)) outcome = 'mismatch';
  else if (n.kind === 'trade.paid' && o.status === 'pending') {
    const at = new Date(n.at);
    const receiptNo = receiptNoOf(o.id, at);
    await tx.paymentOrder.update({ where: { id: o.id }, data: { status: 'paid', provider: providerName, tradeNo: n.tradeNo, paidAt: at, receiptNo, updatedAt: new Date() } });
    await enqueue(tx, buildMessage('payment.settled', {
      zone: 'internet', correlationId: o.applicationId,
      payload: { orderId: o.id, applicationId: o.applicationId, caseNumber: o.caseNumber, amountFen: o.amountFen, provider: providerName, providerTradeNo: n.tradeNo, receiptNo, paidAt: at.toISOString() },
    }));
    outcome = 'paid';
  } else if (n.kind === 'trade.refunded' && (o.status === 'paid' || o.status === 'refunding')) {
    const at = new Date(n.at);
    const reason = o.refundReason ?? '退费';
    await tx.paymentOrder.update({ where: { id: o.id }, data: { status: 'refunded', refundNo: n.refundNo ?? o.refundNo, refundReason: reason, refundedAt: at, updatedAt: new Date() } });
    await enqueue(tx, buildMessage('payment.refunded', {
      zone: 'internet', correlationId: o.applicationId,
      payload: { orderId: o.id, applicationId: o.applicationId, caseNumber: o.caseNumber, amountFen: o.amountFen, providerRefundNo: n.refundNo ?? o.refundNo ?? refundNoOf(o.id), reason, refundedAt: at.toISOString() },
    }));
    outcome = 'refunded';
  }
  await tx.paymentNotification.update({ where: { notifyId: n.notifyId }, data: { outcome } });
  return outcome;
}

const OrderView = Type.Object({
  orderId: Type.String(), applicationId: Type.String(), caseNumber: Type.String(), itemCode: Type.String(), itemName: Type.String(), departmentName: Type.Union([Type.String(), Type.Null()]),
  lines: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), amountFen: Type.Integer() })), amountFen: Type.Integer(), amountText: Type.String(),
  status: Type.String(), statusText: Type.String(), receiptNo: Type.Union([Type.String(), Type.Null()]), paidAt: Type.Union([Type.String(), Type.Null()]), refundedAt: Type.Union([Type.String(), Type.Null()]), orderedAt: Type.String(),
});
const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;
const viewOf = (o: OrderRow) => ({
  orderId: o.id, applicationId: o.applicationId, caseNumber: o.caseNumber, itemCode: o.itemCode, itemName: o.itemName, departmentName: o.departmentName,
  lines: o.lines as FeeLine[], amountFen: o.amountFen, amountText: yuan(o.amountFen), status: o.status, statusText: STATUS_TEXT[o.status] ?? o.status,
  receiptNo: o.receiptNo, paidAt: o.paidAt?.toISOString() ?? null, refundedAt: o.refundedAt?.toISOString() ?? null, orderedAt: o.orderedAt.toISOString(),
});

export interface PaymentsConfig { PAYMENT_DEMO_PRIVATE_KEY_FILE?: string; PAYMENT_NOTIFY_BASE_URL?: string }

/** The running payment side of one declaration instance (tests reach it through `paymentsOf`). */
export interface Payments { provider: DemoProvider; reconcile(day: string): ReturnType<typeof reconcileDay>; refundDue(): Promise<number> }
const instances = new WeakMap<object, Payments>();
export const paymentsOf = (app: object): Payments => { const p = instances.get(app); if (!p) throw new Error('payments not registered'); return p; };

export async function registerPayments(app: HttpApp, ctx: ServiceContext<PaymentsConfig, Db>, acting: (req: FastifyRequest) => Promise<Acting>): Promise<void> {
  const db = ctx.prisma;
  const keyFile = ctx.config.PAYMENT_DEMO_PRIVATE_KEY_FILE;
  const keys = keyFile ? (() => { const privateKey = createPrivateKey(fs.readFileSync(keyFile, 'utf8')); return { privateKey, publicKey: createPublicKey(privateKey) }; })() : {};
  const provider = createDemoProvider({ db, logger: ctx.logger, ...keys });
  const applicant = [app.authenticate, requireRealm('public')];
  const notifyUrl = () => {
    if (ctx.config.PAYMENT_NOTIFY_BASE_URL) return `${ctx.config.PAYMENT_NOTIFY_BASE_URL.replace(/\/$/, '')}/v1/payments/notify/${provider.name}`;
    const addr = app.server.address();
    return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 80}/v1/payments/notify/${provider.name}`;
  };
  // A payment order belongs to the application's owner: the applicant, or the party a handler,
  // legal representative or agent acts for (X-On-Behalf-Of, acting.ts).
  const owner = async (req: FastifyRequest) => (await acting(req)).ownerId;
  const owned = async (accountId: string, id: string) => {
    const o = await db.paymentOrder.findFirst({ where: { id, accountId } });
    if (!o) throw Problems.notFound('payment_not_found', '缴费单不存在');
    return o;
  };

  async function refundDue(): Promise<number> {
    const due = await db.paymentOrder.findMany({ where: { status: 'refunding' }, take: 20 });
    for (const o of due) {
      try { await provider.refund({ tradeNo: o.tradeNo!, refundNo: o.refundNo ?? refundNoOf(o.id), amountFen: o.amountFen, reason: o.refundReason ?? '退费' }); }
      catch (err) { ctx.logger.warn({ err, orderId: o.id }, 'refund request failed; will retry'); }
    }
    return due.length;
  }
  instances.set(app, { provider, reconcile: (day) => reconcileDay(db, provider, day), refundDue });

  await provider.registerRoutes(app);

  app.get('/v1/payments', { preHandler: applicant, schema: { response: { 200: Type.Object({ items: Type.Array(OrderView) }) } } }, async (req) => ({
    items: (await db.paymentOrder.findMany({ where: { accountId: await owner(req) }, orderBy: [{ orderedAt: 'desc' }, { id: 'asc' }], take: 100 })).map(viewOf),
  }));

  const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
  app.get('/v1/payments/:id', { preHandler: applicant, schema: { params: IdParams, response: { 200: OrderView, 404: ProblemSchema } } }, async (req) => viewOf(await owned(await owner(req), req.params.id)));

  app.post('/v1/payments/:id/pay', { preHandler: applicant, schema: { params: IdParams, response: { 200: Type.Object({ payUrl: Type.String(), tradeNo: Type.String() }), 404: ProblemSchema, 409: ProblemSchema } } }, async (req) => {
    const o = await owned(await owner(req), req.params.id);
    if (o.status !== 'pending') throw Problems.conflict('payment_not_pending', '该缴费单已缴费或已退费，无需再次支付');
    const trade = await provider.createTrade({ orderId: o.id, amountFen: o.amountFen, subject: `${o.itemName}（${o.caseNumber}）`, notifyUrl: notifyUrl() });
    await db.paymentOrder.updateMany({ where: { id: o.id, status: 'pending' }, data: { provider: provider.name, tradeNo: trade.tradeNo, updatedAt: new Date() } });
    return trade;
  });

  app.get('/v1/payments/:id/receipt.pdf', { preHandler: applicant, schema: { params: IdParams, response: { 200: Type.Any(), 404: ProblemSchema, 409: ProblemSchema } } }, async (req, reply) => {
    const o = await owned(await owner(req), req.params.id);
    if (!o.receiptNo || !o.paidAt) throw Problems.conflict('payment_not_paid', '尚未缴费，暂无电子票据');
    const a = await db.application.findUnique({ where: { id: o.applicationId } });
    const pdf = await renderReceiptPdf({
      receiptNo: o.receiptNo, payer: a?.applicantName ?? '', itemName: o.itemName, caseNumber: o.caseNumber, payee: o.departmentName ?? o.department,
      lines: o.lines as FeeLine[], amountFen: o.amountFen, paidAt: o.paidAt, tradeNo: o.tradeNo ?? '', refunded: o.status === 'refunded' ? o.refundedAt : null,
    });
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${o.receiptNo}.pdf"`).send(pdf);
  });

  // The provider's callback: the raw body is what was signed, so it is read as text here.
  const notify: HttpPlugin = async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
    scope.post('/v1/payments/notify/:provider', { schema: { params: Type.Object({ provider: Type.String({ maxLength: 32 }) }), response: { 200: Type.String(), 400: ProblemSchema, 404: ProblemSchema } } }, async (req, reply) => {
      if (req.params.provider !== provider.name) throw Problems.notFound('provider_not_found', '支付渠道不存在');
      const raw = typeof req.body === 'string' ? req.body : '';
      const sig = req.headers[SIGNATURE_HEADER];
      const n = provider.verifyNotification(raw, Array.isArray(sig) ? sig[0] : sig);
      if (!n) {
        req.log.warn({ reason: 'signature' }, 'payment notification refused');
        throw Problems.badRequest('signature_invalid', '支付通知签名无效');
      }
      if (typeof n.notifyId !== 'string' || !/^[0-9a-f-]{36}$/.test(n.merchantOrderId) || !Number.isInteger(n.amountFen)) throw Problems.badRequest('notification_invalid', '支付通知内容无效');
      const outcome = await db.$transaction((tx) => applyNotification(tx, n, provider.name, JSON.parse(raw) as object));
      if (outcome === 'paid' || outcome === 'refunded') ctx.outbox.notify();
      req.log.info({ notifyId: n.notifyId, outcome }, 'payment notification handled');
      return reply.type('text/plain; charset=utf-8').send('success');
    });
  };
  await app.register(notify);
}

/** Background work: the provider's notifier, refunds that are due, and the daily reconciliation of yesterday. */
export async function startPayments(app: HttpApp, ctx: ServiceContext<unknown, Db>): Promise<void> {
  const p = paymentsOf(app);
  p.provider.start();
  let lastDay = '';
  const tick = async () => {
    try {
      await p.refundDue();
      // After 01:00 China time, yesterday's statement is final.
      const now = paymentsClock.now();
      const china = new Date(now.getTime() + 8 * 3600_000);
      const yesterday = chinaDay(new Date(now.getTime() - 86_400_000));
      if (china.getUTCHours() >= 1 && yesterday !== lastDay) {
        const done = await ctx.prisma.paymentReconciliation.findFirst({ where: { day: yesterday, provider: p.provider.name } });
        if (!done) {
          const r = await p.reconcile(yesterday);
          if (r.mismatches.length) ctx.logger.warn({ day: yesterday, mismatches: r.mismatches }, 'reconciliation found mismatches');
        }
        lastDay = yesterday;
      }
    } catch (err) {
      ctx.logger.error({ err }, 'payments worker failed; retrying');
    }
  };
  const timer = setInterval(() => void tick(), 2000);
  timer.unref();
  ctx.onStop(async () => { clearInterval(timer); await p.provider.stop(); });
}
