/** The tamper-evident chain: intact after normal work; a changed or deleted record, or a cut or edited chain entry, is found and located — by the API and by `pnpm supervision:verify-chain`. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanDeadlines } from '../src/monitor.js';
import { startSupervision, caseFlow, itemPublished, evaluation, newCaseNumber, cst, type Harness } from './helpers.js';

let h: Harness;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sup = () => ({ authorization: `Bearer ${h.env.token({ sub: 'sup-1', name: '陈监察', roles: ['supervisor'] })}` });
const verify = async () => (await h.svc.app.inject({ method: 'GET', url: '/v1/chain/verify', headers: sup() })).json();
const cli = () => spawnSync('pnpm', ['-s', 'supervision:verify-chain'], { cwd: root, env: { ...process.env, DATABASE_URL: h.env.databaseUrl }, encoding: 'utf8', timeout: 60_000 });
let n: string;

beforeAll(async () => {
  h = await startSupervision();
  await h.publishItem(itemPublished('CH-1', { promisedDays: 2 }));
  n = newCaseNumber();
  await h.send(...caseFlow(n, [['receive', 'received', cst('2026-11-02 09:00')], ['accept', 'accepted', cst('2026-11-02 09:30')], ['reject', 'rejected', cst('2026-11-02 10:00')]], { itemCode: 'CH-1' }));
  const open = newCaseNumber();
  await h.send(...caseFlow(open, [['receive', 'received', cst('2026-11-02 09:00')], ['accept', 'accepted', cst('2026-11-02 09:30')]], { itemCode: 'CH-1' }));
  await scanDeadlines(h.svc.ctx.prisma, cst('2026-11-09 09:00'));
  await h.send(evaluation(n, 1, cst('2026-11-03 09:00')));
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

describe('audit chain', () => {
  it('should verify intact after events, anomalies, warnings, exports and a rectification', async () => {
    const report = await verify();
    expect(report).toMatchObject({ ok: true, problems: [] });
    const counts = await h.svc.ctx.prisma.$queryRawUnsafe<{ record_type: string }[]>('SELECT DISTINCT record_type FROM supervision_chain ORDER BY 1');
    expect(counts.map((c) => c.record_type)).toEqual(['anomaly', 'item', 'process_event', 'province_exchange', 'rectification', 'warning']);
    const run = cli();
    expect(run.stdout).toContain('审计链完整');
    expect(run.status).toBe(0);
  }, 60_000);

  it('should find a changed record and say which one, and where in the chain it was registered', async () => {
    const ev = (await h.svc.ctx.prisma.processEvent.findFirst({ where: { caseNumber: n, type: 'case.transitioned' }, orderBy: { occurredAt: 'desc' } }))!;
    await h.svc.ctx.prisma.$executeRawUnsafe(`UPDATE process_event SET payload = jsonb_set(payload, '{reason}', '"事后补写的理由"') WHERE message_id = $1`, ev.messageId);
    const entry = await h.svc.ctx.prisma.chainEntry.findFirst({ where: { recordType: 'process_event', recordId: ev.messageId }, orderBy: { seq: 'desc' } });
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ kind: 'record_changed', seq: entry!.seq, recordType: 'process_event', recordId: ev.messageId, message: expect.stringContaining('记录被修改') }]);
  });

  it('should find a deleted record', async () => {
    const a = (await h.svc.ctx.prisma.anomaly.findFirst({ where: { caseNumber: n } }))!;
    await h.svc.ctx.prisma.anomaly.delete({ where: { id: a.id } });
    const report = await verify();
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'record_deleted', recordType: 'anomaly', recordId: a.id }));
    expect(report.problems).toHaveLength(2);
  });

  it('should find a chain entry cut out of the middle, and one edited in place', async () => {
    const entries = await h.svc.ctx.prisma.chainEntry.findMany({ orderBy: { seq: 'asc' } });
    // An entry in the middle whose record has no other entry.
    const once = (e: (typeof entries)[number]) => entries.filter((x) => x.recordType === e.recordType && x.recordId === e.recordId).length === 1;
    const cutAt = entries.findIndex((e, i) => i >= 3 && i + 1 < 6 && once(e));
    const cut = entries[cutAt]!;
    await h.svc.ctx.prisma.chainEntry.delete({ where: { seq: cut.seq } });
    const edited = entries[6]!;
    await h.svc.ctx.prisma.chainEntry.update({ where: { seq: edited.seq }, data: { recordHash: 'f'.repeat(64) } });
    const report = await verify();
    const kinds = report.problems.map((p: { kind: string; seq?: number }) => `${p.kind}@${p.seq ?? '-'}`);
    expect(kinds).toContain(`link_broken@${entries[cutAt + 1]!.seq}`);
    expect(kinds).toContain(`entry_altered@${edited.seq}`);
    // The record whose only entry was cut is now outside the chain.
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'record_unchained', recordType: cut.recordType, recordId: cut.recordId }));

    const run = cli();
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('审计链校验失败');
    expect(run.stdout).toContain(`[link_broken] seq=${entries[cutAt + 1]!.seq}`);
    expect(run.stdout).toContain(`[record_deleted]`);
  }, 60_000);

  it('should not show the chain check to plain staff', async () => {
    const r = await h.svc.app.inject({ method: 'GET', url: '/v1/chain/verify', headers: { authorization: `Bearer ${h.env.token({ sub: 'x', roles: ['staff'], department: 'gy-wjw' })}` } });
    expect(r.statusCode).toBe(403);
  });
});
