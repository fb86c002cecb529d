/**
 * The four rates (四率) per department or hall and period:
 *   事项进驻率 entry rate        = items handled online / items in the power list (published, not retired, at the period's end)
 *   网上办理率 online rate       = cases filed online (an application.submitted exists) / cases received in the period
 *   限时办结率 on-time rate      = cases completed within their promised limit (working days, pauses excluded) / cases completed in the period
 *   服务满意率 satisfaction rate = evaluations of level ≥ 3 (基本满意 or better) / evaluations in the period
 * Each rate is returned with its numerator and denominator; null when nothing was counted.
 */
import { chinaDate } from '@hall/calendar';
import type { Db } from './db.js';

export type GroupBy = 'department' | 'hall';
export type Bucket = 'all' | 'month' | 'day';
export interface Ratio { numerator: number; denominator: number; rate: number | null }
export interface RateRow { group: string; groupName: string; period: string; entry: Ratio; online: Ratio; onTime: Ratio; satisfaction: Ratio }

const DAY_MS = 86_400_000;
const startOf = (date: string) => new Date(`${date}T00:00:00+08:00`);
const endOf = (date: string) => new Date(startOf(date).getTime() + DAY_MS);
const bucketOf = (date: string, b: Bucket) => (b === 'all' ? 'all' : b === 'month' ? date.slice(0, 7) : date);

function periods(from: string, to: string, b: Bucket): { key: string; last: string }[] {
  if (b === 'all') return [{ key: 'all', last: to }];
  const out = new Map<string, string>();
  for (let t = startOf(from).getTime(); t < endOf(to).getTime(); t += DAY_MS) {
    const d = chinaDate(new Date(t));
    out.set(bucketOf(d, b), d);
  }
  return [...out].map(([key, last]) => ({ key, last }));
}

class Counter {
  private m = new Map<string, { n: number; d: number }>();
  add(key: string, hit: boolean) { const c = this.m.get(key) ?? { n: 0, d: 0 }; c.d++; if (hit) c.n++; this.m.set(key, c); }
  get(key: string): Ratio { const c = this.m.get(key); return c ? { numerator: c.n, denominator: c.d, rate: c.d ? Math.round((c.n / c.d) * 10_000) / 10_000 : null } : { numerator: 0, denominator: 0, rate: null }; }
  keys() { return [...this.m.keys()]; }
}

export async function computeRates(db: Db, q: { from: string; to: string; groupBy: GroupBy; bucket: Bucket; group?: string }): Promise<RateRow[]> {
  const lo = startOf(q.from), hi = endOf(q.to);
  const ps = periods(q.from, q.to, q.bucket);
  const items = await db.item.findMany();
  const hallOfItem = new Map(items.map((i) => [i.code, i.hall]));
  const names = new Map<string, string>();
  for (const i of items) { names.set(i.department, i.departmentName); names.set(i.hall, i.hall); }
  const key = (g: string, p: string) => `${g}\u0000${p}`;
  const groups = new Set<string>();

  const entry = new Counter();
  for (const p of ps) {
    const end = endOf(p.last);
    for (const i of items) {
      if (i.firstPublishedAt >= end || (i.retiredAt && i.retiredAt < end)) continue;
      const g = q.groupBy === 'department' ? i.department : i.hall;
      groups.add(g);
      entry.add(key(g, p.key), i.online);
    }
  }

  const online = new Counter();
  const onTime = new Counter();
  const cases = await db.supervisedCase.findMany({ where: { OR: [{ receivedAt: { gte: lo, lt: hi } }, { completedAt: { gte: lo, lt: hi } }] } });
  for (const c of cases) {
    const g = q.groupBy === 'department' ? c.department : (c.hall ?? hallOfItem.get(c.itemCode) ?? '未知大厅');
    groups.add(g);
    if (c.receivedAt >= lo && c.receivedAt < hi) online.add(key(g, bucketOf(chinaDate(c.receivedAt), q.bucket)), c.online);
    if (c.completedAt && c.completedAt >= lo && c.completedAt < hi && c.withinLimit !== null) onTime.add(key(g, bucketOf(chinaDate(c.completedAt), q.bucket)), c.withinLimit);
  }

  const satisfaction = new Counter();
  const evaluations = await db.processEvent.findMany({ where: { type: 'evaluation.submitted', occurredAt: { gte: new Date(lo.getTime() - 31 * DAY_MS), lt: new Date(hi.getTime() + 31 * DAY_MS) } } });
  for (const e of evaluations) {
    const p = e.payload as { department: string; itemCode: string; level: number; evaluatedAt: string };
    const at = new Date(p.evaluatedAt);
    if (at < lo || at >= hi) continue;
    const g = q.groupBy === 'department' ? p.department : (hallOfItem.get(p.itemCode) ?? '未知大厅');
    groups.add(g);
    satisfaction.add(key(g, bucketOf(chinaDate(at), q.bucket)), p.level >= 3);
  }

  const rows: RateRow[] = [];
  for (const g of [...groups].sort()) {
    if (q.group && g !== q.group) continue;
    for (const p of ps) {
      const k = key(g, p.key);
      rows.push({ group: g, groupName: names.get(g) ?? g, period: p.key, entry: entry.get(k), online: online.get(k), onTime: onTime.get(k), satisfaction: satisfaction.get(k) });
    }
  }
  return rows;
}
