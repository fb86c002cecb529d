import { randomUUID } from 'node:crypto';
import { buildMessage } from '@hall/contracts';
import { sha256Hex } from '@hall/storage';
import type { NatsConnection, Publisher } from '@hall/messaging';
import { startLane, applicationSubmitted, sourceAttachment, publisherAs, publishRaw, waitFor, PNG, type LaneHarness } from './helpers.js';

let h: LaneHarness;
let declaration: { nc: NatsConnection; pub: Publisher };
beforeAll(async () => {
  h = await startLane('inbound');
  // On the internet server only declaration writes hall.in.*: the lane's traffic comes from it.
  declaration = await publisherAs(h, 'source', 'declaration');
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const SUBJECT = 'hall.in.application.submitted';
const ledger = (messageId: string) => h.svc.ctx.prisma.ledgerEntry.findMany({ where: { lane: 'inbound', messageId } });
const forwarded = async (messageId: string) => (await h.dest.admin.messages('IN')).filter((m) => m.headers['Nats-Msg-Id'] === messageId);
const quarantined = (where: { messageId?: string; sourceSeq?: bigint }) => waitFor(() => h.svc.ctx.prisma.quarantineEntry.findFirst({ where: { lane: 'inbound', ...where } }));

describe('relay inbound lane', () => {
  it('should relay an application with its material: same Nats-Msg-Id, byte-identical file, ledger row', async () => {
    const att = await sourceAttachment(h, PNG);
    const msg = applicationSubmitted([att]);
    const ack = await declaration.pub.publish(msg);

    const [entry] = await waitFor(async () => { const rows = await ledger(msg.id); return rows.length > 0 && rows; });
    expect(entry).toMatchObject({ status: 'relayed', type: 'application.submitted', sourceSeq: BigInt(ack.seq), reason: null });
    const copies = await forwarded(msg.id);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.subject).toBe(SUBJECT);
    expect(JSON.parse(copies[0]!.data.toString('utf8'))).toEqual(msg);

    const copied = await h.dest.store.getBuffer(att.key);
    expect(copied.equals(PNG)).toBe(true);
    const stat = await h.dest.store.stat(att.key);
    expect(stat).toMatchObject({ size: PNG.length, contentType: 'image/png', metadata: expect.objectContaining({ sha256: att.sha256 }) });
  });

  it('should forward a message that reaches the source stream twice only once', async () => {
    const msg = applicationSubmitted();
    const first = await declaration.pub.publish(msg);
    // The same id again through the publisher: the source stream itself drops it.
    expect((await declaration.pub.publish(msg)).duplicate).toBe(true);
    // A second copy without Nats-Msg-Id (an outbox re-send after the dedupe window looks like this):
    // the source stream now holds it twice, so the lane sees it twice.
    const second = await publishRaw(declaration.nc, SUBJECT, JSON.stringify(msg));
    expect(second).toBeGreaterThan(first.seq);
    await h.handled(second);

    expect(await forwarded(msg.id)).toHaveLength(1);
    const rows = await ledger(msg.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'relayed', sourceSeq: BigInt(first.seq) });
  });

  it('should quarantine an attachment whose bytes do not match its SHA-256, and forward nothing', async () => {
    const att = await sourceAttachment(h, PNG, { sha256: sha256Hex(Buffer.from('another file')) });
    const msg = applicationSubmitted([att]);
    const ack = await declaration.pub.publish(msg);

    const q = await quarantined({ messageId: msg.id });
    expect(q.reason).toBe(`attachment ${att.key} does not match its SHA-256`);
    expect(q.sourceSeq).toBe(BigInt(ack.seq));
    expect(JSON.parse(q.raw)).toEqual(msg);
    expect(await ledger(msg.id)).toEqual([expect.objectContaining({ status: 'quarantined', reason: q.reason })]);
    expect(await forwarded(msg.id)).toHaveLength(0);
    expect(await h.dest.store.stat(att.key)).toBeNull();
  });

  it('should quarantine text declared as image/png, and forward nothing', async () => {
    const text = Buffer.from('这不是身份证照片，只是一段文字。'.repeat(20));
    const att = await sourceAttachment(h, text, { contentType: 'image/png' });
    const msg = applicationSubmitted([att]);
    await declaration.pub.publish(msg);

    const q = await quarantined({ messageId: msg.id });
    expect(q.reason).toBe(`attachment ${att.key} is unrecognised, declared image/png`);
    expect(await forwarded(msg.id)).toHaveLength(0);
    expect(await h.dest.store.stat(att.key)).toBeNull();
  });

  it('should quarantine an application whose material is missing from the source store instead of retrying it forever', async () => {
    const att = { key: `materials/${randomUUID()}/never-uploaded`, sha256: sha256Hex(PNG), size: PNG.length, contentType: 'image/png' };
    const msg = applicationSubmitted([att]);
    await declaration.pub.publish(msg);
    const q = await quarantined({ messageId: msg.id });
    expect(q.reason).toBe(`attachment ${att.key} is missing from the source store`);
    expect(await forwarded(msg.id)).toHaveLength(0);
  });

  it('should quarantine an application that claims to come from the extranet', async () => {
    const msg = applicationSubmitted([], { zone: 'extranet' });
    await declaration.pub.publish(msg);
    const q = await quarantined({ messageId: msg.id });
    expect(q.reason).toBe('message from zone extranet on a lane leaving internet');
    expect(await forwarded(msg.id)).toHaveLength(0);
  });

  const foreign = () => buildMessage('case.status.changed', {
    zone: 'internet', correlationId: 'smuggled',
    payload: { applicationId: randomUUID(), caseNumber: 'GY-WJW-20261126-000001', status: 'completed', at: new Date().toISOString() },
  });
  it.each([
    ['bytes that are not JSON', SUBJECT, () => Buffer.from(`not json ${randomUUID()}`), /^contract: /],
    ['binary bytes with NUL characters', SUBJECT, () => Buffer.concat([PNG, Buffer.from([0, 0, 0]), Buffer.from(randomUUID())]), /^contract: /],
    ['an application.submitted that breaks its contract', SUBJECT, () => JSON.stringify({ ...applicationSubmitted(), payload: { applicationId: 'x' } }), /violates its contract/],
    ['a valid case.status.changed smuggled onto hall.in.application.submitted', SUBJECT, () => JSON.stringify(foreign()), /arrived on hall\.in\.application\.submitted, expected hall\.out\.case\.status\.changed/],
    ['a valid case.status.changed on a hall.in subject of its own', 'hall.in.case.status.changed', () => JSON.stringify(foreign()), /arrived on hall\.in\.case\.status\.changed/],
  ])('should quarantine %s and never forward it', async (_what, subject, body, reason) => {
    const data = body();
    const before = (await h.dest.admin.info('IN')).state.messages;
    const seq = await publishRaw(declaration.nc, subject, data);
    await h.handled(seq);

    const q = await quarantined({ sourceSeq: BigInt(seq) });
    expect(q.reason).toMatch(reason);
    // Kept whole for inspection; bytes Postgres text cannot hold are kept as base64.
    const kept = q.raw.startsWith('base64:') ? Buffer.from(q.raw.slice('base64:'.length), 'base64') : Buffer.from(q.raw, 'utf8');
    expect(kept.equals(Buffer.from(data))).toBe(true);
    const id = typeof data === 'string' ? (JSON.parse(data) as { id: string }).id : undefined;
    if (id) {
      expect(q.messageId).toBe(id);
      expect(await ledger(id)).toEqual([expect.objectContaining({ status: 'quarantined' })]);
    }
    expect((await h.dest.admin.info('IN')).state.messages).toBe(before);
  });

  it('GET /v1/lane should count relayed and quarantined messages and report the last source sequence', async () => {
    const get = async () => (await h.svc.app.inject({ method: 'GET', url: '/v1/lane' })).json<{ lane: string; relayed: number; quarantined: number; lastSourceSeq: string | null }>();
    const before = await get();
    expect(before.lane).toBe('inbound');

    const good = applicationSubmitted([await sourceAttachment(h, PNG)]);
    await declaration.pub.publish(good);
    const bad = applicationSubmitted([await sourceAttachment(h, Buffer.from('plain text, not a picture'))]);
    const last = await declaration.pub.publish(bad);
    await h.handled(last.seq);

    const after = await get();
    expect(after.relayed).toBe(before.relayed + 1);
    expect(after.quarantined).toBe(before.quarantined + 1);
    expect(after.lastSourceSeq).toBe(String(last.seq));
    // Matches the tables: counts are not kept separately from the ledger.
    expect(after.relayed).toBe(await h.svc.ctx.prisma.ledgerEntry.count({ where: { lane: 'inbound', status: 'relayed' } }));
  });
});
