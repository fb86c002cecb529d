/**
 * The payment provider interface (网上缴费) and the built-in demo provider. The demo stands in for a
 * bank or a unified payment platform (统一支付平台) and behaves like one: it keeps its own ledger
 * (demo_pay_* tables, never read by the hall's payment code), shows a cashier page, notifies the
 * merchant asynchronously by HTTP POST to the callback URL, signs every notification with its
 * Ed25519 key, re-sends a notification until the merchant answers `success` (so the merchant sees
 * duplicates, as with real providers), refunds once per refund number, and writes a daily
 * statement file (对账单, CSV) for reconciliation.
 */
import { generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Problems, type HttpApp, type HttpPlugin } from '@hall/http';
import type { Logger } from '@hall/logging';
import type { Db } from './db.js';

/** What a provider tells the merchant; signed over the exact body bytes. */
export interface ProviderNotification {
  notifyId: string;
  kind: 'trade.paid' | 'trade.refunded';
  tradeNo: string;
  merchantOrderId: string;
  amountFen: number;
  refundNo?: string;
  at: string;
}

export interface PaymentProvider {
  readonly name: string;
  /** Opens (or returns the already open) trade for a merchant order; the payer goes to `payUrl`. */
  createTrade(args: { orderId: string; amountFen: number; subject: string; notifyUrl: string }): Promise<{ tradeNo: string; payUrl: string }>;
  /** Asks for a refund of a paid trade; idempotent per `refundNo`. The result arrives as a notification. */
  refund(args: { tradeNo: string; refundNo: string; amountFen: number; reason: string }): Promise<void>;
  /** The notification if its signature is the provider's, else null. */
  verifyNotification(rawBody: string, signatureHeader: string | undefined): ProviderNotification | null;
  /** The statement of one day (China date 'YYYY-MM-DD') as the provider's CSV file. */
  statement(day: string): Promise<string>;
}

export const SIGNATURE_HEADER = 'x-pay-signature';
export const STATEMENT_HEADER = 'trade_no,merchant_order_id,type,amount_fen,at';

const chinaDay = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
const dayBounds = (day: string) => { const start = new Date(`${day}T00:00:00+08:00`); return { start, end: new Date(start.getTime() + 86_400_000) }; };

export function signBody(body: string, key: KeyObject): string {
  return `ed25519=${sign(null, Buffer.from(body, 'utf8'), key).toString('base64')}`;
}

export interface DemoProvider extends PaymentProvider {
  /** The provider's public key (what a merchant is configured with). */
  publicKey: KeyObject;
  registerRoutes(app: HttpApp): Promise<void>;
  /** Starts re-sending due notifications in the background. */
  start(): void;
  stop(): Promise<void>;
  /** Sends what is due now; returns how many were delivered. */
  deliverDue(): Promise<number>;
}

/**
 * The demo provider over the service's database (its own tables). `cashierBase` is where its pages
 * are served (the portal's own origin in the demo).
 */
export function createDemoProvider(opts: { db: Db; logger: Logger; retryMs?: number; privateKey?: KeyObject; publicKey?: KeyObject }): DemoProvider {
  const db = opts.db;
  const log = opts.logger.child({ component: 'demo-pay' });
  const pair = opts.privateKey && opts.publicKey ? { privateKey: opts.privateKey, publicKey: opts.publicKey } : generateKeyPairSync('ed25519');
  const retryMs = opts.retryMs ?? 1000;

  async function notice(tx: Parameters<Parameters<Db['$transaction']>[0]>[0], tradeNo: string, n: Omit<ProviderNotification, 'notifyId'>): Promise<void> {
    const notifyId = `N${Date.now().toString(36)}${randomUUID().slice(0, 8)}`;
    await tx.demoPayNotice.create({ data: { id: notifyId, tradeNo, kind: n.kind, body: { notifyId, ...n } as object } });
  }

  async function deliverDue(): Promise<number> {
    const due = await db.demoPayNotice.findMany({ where: { deliveredAt: null, nextAttemptAt: { lte: new Date() } }, orderBy: { nextAttemptAt: 'asc' }, take: 20 });
    let delivered = 0;
    for (const n of due) {
      const trade = await db.demoPayTrade.findUnique({ where: { tradeNo: n.tradeNo } });
      if (!trade) continue;
      const body = JSON.stringify(n.body);
      let ok = false;
      try {
        const r = await fetch(trade.notifyUrl, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(body, pair.privateKey) }, body, signal: AbortSignal.timeout(5000) });
        ok = r.ok && (await r.text()).trim() === 'success';
      } catch (err) {
        log.warn({ err, notifyId: n.id }, 'notification not delivered; will retry');
      }
      await db.demoPayNotice.update({
        where: { id: n.id },
        data: ok ? { deliveredAt: new Date(), attempts: { increment: 1 } } : { attempts: { increment: 1 }, nextAttemptAt: new Date(Date.now() + Math.min(60_000, retryMs * 2 ** Math.min(n.attempts, 6))) },
      });
      if (ok) delivered++;
    }
    return delivered;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  return {
    name: 'demo',
    publicKey: pair.publicKey,

    async createTrade(args) {
      const existing = await db.demoPayTrade.findUnique({ where: { merchantOrderId: args.orderId } });
      const trade = existing ?? await db.demoPayTrade.create({ data: { tradeNo: `DP${Date.now()}${Math.floor(Math.random() * 1e6).toString().padStart(6, '0')}`, merchantOrderId: args.orderId, amountFen: args.amountFen, subject: args.subject, notifyUrl: args.notifyUrl } });
      if (trade.amountFen !== args.amountFen) throw Problems.conflict('payment_amount_changed', '缴费金额与已创建的支付交易不一致');
      return { tradeNo: trade.tradeNo, payUrl: `/demo-pay/cashier/${trade.tradeNo}` };
    },

    async refund(args) {
      await db.$transaction(async (tx) => {
        const rows = await tx.$queryRawUnsafe<{ status: string; refund_no: string | null; amount_fen: number; merchant_order_id: string }[]>(
          'SELECT status, refund_no, amount_fen, merchant_order_id::text FROM demo_pay_trade WHERE trade_no = $1 FOR UPDATE', args.tradeNo);
        const t = rows[0];
        if (!t) throw new Error(`unknown trade ${args.tradeNo}`);
        if (t.refund_no === args.refundNo) return; // the same refund asked again: nothing more to do
        if (t.status !== 'paid') throw new Error(`trade ${args.tradeNo} is ${t.status}, cannot refund`);
        if (args.amountFen !== t.amount_fen) throw new Error('demo provider refunds the whole amount only');
        const at = new Date();
        await tx.demoPayTrade.update({ where: { tradeNo: args.tradeNo }, data: { status: 'refunded', refundNo: args.refundNo, refundedAt: at } });
        await notice(tx, args.tradeNo, { kind: 'trade.refunded', tradeNo: args.tradeNo, merchantOrderId: t.merchant_order_id, amountFen: t.amount_fen, refundNo: args.refundNo, at: at.toISOString() });
      });
      void this.deliverDue().catch(() => undefined);
    },

    verifyNotification(rawBody, header) {
      const m = /^ed25519=([A-Za-z0-9+/=]{40,200})$/.exec(header ?? '');
      if (!m) return null;
      let good = false;
      try { good = verify(null, Buffer.from(rawBody, 'utf8'), pair.publicKey, Buffer.from(m[1]!, 'base64')); } catch { good = false; }
      if (!good) return null;
      try { return JSON.parse(rawBody) as ProviderNotification; } catch { return null; }
    },

    async statement(day) {
      const { start, end } = dayBounds(day);
      const paid = await db.demoPayTrade.findMany({ where: { paidAt: { gte: start, lt: end } }, orderBy: { paidAt: 'asc' } });
      const refunded = await db.demoPayTrade.findMany({ where: { refundedAt: { gte: start, lt: end } }, orderBy: { refundedAt: 'asc' } });
      const lines = [STATEMENT_HEADER,
        ...paid.map((t) => `${t.tradeNo},${t.merchantOrderId},pay,${t.amountFen},${t.paidAt!.toISOString()}`),
        ...refunded.map((t) => `${t.tradeNo},${t.merchantOrderId},refund,${t.amountFen},${t.refundedAt!.toISOString()}`)];
      return lines.join('\n') + '\n';
    },

    async registerRoutes(app) {
      const page = (title: string, inner: string) => `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}h1{font-size:1.3rem}.amt{font-size:2rem;color:#b00020}button,a.btn{font-size:1.1rem;padding:.7rem 1.4rem;background:#0b57d0;color:#fff;border:0;border-radius:6px;text-decoration:none;display:inline-block}button:focus,a:focus{outline:3px solid #f9ab00}</style></head><body><main>${inner}</main></body></html>`;
      const esc = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
      const P = Type.Object({ tradeNo: Type.String({ pattern: '^DP[0-9]{10,30}$' }) });
      app.get('/demo-pay/cashier/:tradeNo', { schema: { params: P } }, async (req, reply) => {
        const t = await db.demoPayTrade.findUnique({ where: { tradeNo: req.params.tradeNo } });
        if (!t) throw Problems.notFound('trade_not_found', '支付交易不存在');
        const body = t.status === 'created'
          ? `<h1>演示支付平台 · 收银台</h1><p>${esc(t.subject)}</p><p>交易号：${t.tradeNo}</p><p class="amt">¥${(t.amountFen / 100).toFixed(2)}</p>
<form method="post" action="/demo-pay/cashier/${t.tradeNo}/pay"><button type="submit" id="demo-pay-confirm">确认支付</button></form>`
          : `<h1>该交易已支付</h1><p><a class="btn" href="/#/payments">返回网上办事大厅</a></p>`;
        return reply.type('text/html; charset=utf-8').send(page('演示支付平台', body));
      });
      // The cashier's form posts application/x-www-form-urlencoded (no script runs on the page); nothing in it is read.
      const cashier: HttpPlugin = async (scope) => {
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, body, done) => done(null, body));
      scope.post('/demo-pay/cashier/:tradeNo/pay', { schema: { params: P } }, async (req, reply) => {
        const paidNow = await db.$transaction(async (tx) => {
          const rows = await tx.$queryRawUnsafe<{ status: string; amount_fen: number; merchant_order_id: string }[]>('SELECT status, amount_fen, merchant_order_id::text FROM demo_pay_trade WHERE trade_no = $1 FOR UPDATE', req.params.tradeNo);
          const t = rows[0];
          if (!t) throw Problems.notFound('trade_not_found', '支付交易不存在');
          if (t.status !== 'created') return false;
          const at = new Date();
          await tx.demoPayTrade.update({ where: { tradeNo: req.params.tradeNo }, data: { status: 'paid', paidAt: at } });
          await notice(tx, req.params.tradeNo, { kind: 'trade.paid', tradeNo: req.params.tradeNo, merchantOrderId: t.merchant_order_id, amountFen: t.amount_fen, at: at.toISOString() });
          return true;
        });
        // Asynchronous, like a real provider: the payer sees the result page before the merchant hears of it.
        if (paidNow) setTimeout(() => void deliverDue().catch(() => undefined), 50);
        return reply.type('text/html; charset=utf-8').send(page('支付成功', `<h1 id="demo-pay-done">支付成功</h1><p>支付结果将通知网上办事大厅，请稍候查看缴费状态。</p><p><a class="btn" href="/#/payments">返回网上办事大厅</a></p>`));
      });
      };
      await app.register(cashier);
    },

    deliverDue,
    start() {
      if (timer) return;
      timer = setInterval(() => { if (!running) running = deliverDue().catch((err) => log.error({ err }, 'notifier failed')).finally(() => { running = undefined; }); }, retryMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

export { chinaDay, dayBounds };
