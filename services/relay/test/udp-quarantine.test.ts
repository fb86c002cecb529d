/**
 * Checks at the udp receiver: whatever it refuses ends in quarantine with the reason, in its
 * database and on the destination zone's QUARANTINE stream, and is never forwarded.
 */
import { randomUUID } from 'node:crypto';
import { buildMessage } from '@hall/contracts';
import { createPublisher, type NatsConnection } from '@hall/messaging';
import { sha256Hex } from '@hall/storage';
import { startUdpLanes, readStream, type UdpLanes } from './udp-harness.js';
import { application } from './fixtures.js';
import { publishRaw, waitFor, PNG } from './helpers.js';

let lanes: UdpLanes;
let declaration: NatsConnection;
beforeAll(async () => {
  // A clean link: the inbound lane alone (no re-sends needed, so no reports to carry back).
  lanes = await startUdpLanes({ halves: ['inbound-sender', 'inbound-receiver'] });
  declaration = await lanes.connect('internet', 'declaration');
}, 120_000);
afterAll(async () => { await lanes?.close(); }, 60_000);

/** A minimal ZIP (empty archive): real bytes of a type no material may have. */
const ZIP = Buffer.from('504b0506000000000000000000000000000000000000', 'hex');

async function upload(body: Buffer, contentType: string, declared: Partial<{ sha256: string }> = {}) {
  const key = `materials/${randomUUID()}/file`;
  await lanes.zones.internet.store.put(key, body, { contentType, metadata: { sha256: sha256Hex(body) } });
  return { key, sha256: declared.sha256 ?? sha256Hex(body), size: body.length, contentType };
}

describe('udp receiver quarantine', () => {
  it('should quarantine a non-whitelisted type, a malformed message, a forged hash and a forbidden file type, each with its reason', async () => {
    const pub = createPublisher(declaration);
    const forged = application([await upload(PNG, 'image/png', { sha256: sha256Hex(Buffer.from('the file the applicant claims')) })]);
    const zipped = application([await upload(ZIP, 'application/zip')]);
    const textAsPng = application([await upload(Buffer.from('这不是图片'.repeat(30)), 'image/png')]);
    const good = application([await upload(PNG, 'image/png')]);
    // An item whose id-card material accepts PDF only, published by the extranet's own catalog.
    const catalog = createPublisher(await lanes.connect('extranet', 'catalog'));
    await catalog.publish(buildMessage('catalog.item.published', { zone: 'extranet', correlationId: 'T-PDF-ONLY@1', payload: {
      code: 'T-PDF-ONLY', version: 1, name: '仅收PDF的事项', powerType: '行政确认', department: 'gy-wjw', departmentName: '涡阳县卫生健康委员会', hall: '涡阳县网上办事大厅', level: '县区',
      promisedDays: 5, statutoryDays: 20, guide: {}, formSchema: { type: 'object' }, publishedAt: new Date().toISOString(),
      materials: [{ code: 'id-card', name: '身份证', required: true, allowedTypes: ['application/pdf'], maxSizeBytes: 1024 * 1024 }],
    } }));
    await waitFor(() => lanes.halves['inbound-receiver'].db.itemMaterialType.findFirst({ where: { itemCode: 'T-PDF-ONLY' } }), { what: "the receiver's material types of item T-PDF-ONLY", timeoutMs: 20_000, everyMs: 50 });
    const pngForPdfOnly = application([await upload(PNG, 'image/png')]);
    pngForPdfOnly.payload.itemCode = 'T-PDF-ONLY';
    const broken = { ...application(), payload: { applicationId: 'not-a-uuid' } };
    const foreign = buildMessage('case.status.changed', { zone: 'internet', correlationId: 'x', payload: { applicationId: randomUUID(), caseNumber: 'GY-WJW-20261126-000009', status: 'completed', at: new Date().toISOString() } });

    const cases: { name: string; seq: number; id?: string; reason: RegExp }[] = [];
    cases.push({ name: 'not on the whitelist', seq: await publishRaw(declaration, 'hall.in.case.status.changed', JSON.stringify(foreign)), id: foreign.id, reason: /^type case\.status\.changed is not on the inbound lane's whitelist$/ });
    cases.push({ name: 'not JSON', seq: await publishRaw(declaration, 'hall.in.application.submitted', `{"id": "${randomUUID()}", broken`), reason: /^contract: / });
    cases.push({ name: 'breaks its contract', seq: await publishRaw(declaration, 'hall.in.application.submitted', JSON.stringify(broken)), id: broken.id, reason: /violates its contract/ });
    cases.push({ name: 'forged hash', seq: (await pub.publish(forged)).seq, id: forged.id, reason: new RegExp(`^attachment ${forged.attachments![0]!.key} does not match its SHA-256$`) });
    cases.push({ name: 'forbidden file type', seq: (await pub.publish(zipped)).seq, id: zipped.id, reason: /is application\/zip, a type the inbound lane does not accept$/ });
    cases.push({ name: 'a type the item does not accept for that material', seq: (await pub.publish(pngForPdfOnly)).seq, id: pngForPdfOnly.id, reason: /is image\/png, not allowed for material id-card of item T-PDF-ONLY@1 \(allowed: application\/pdf\)$/ });
    cases.push({ name: 'text declared as a picture', seq: (await pub.publish(textAsPng)).seq, id: textAsPng.id, reason: /is unrecognised, declared image\/png$/ });
    const goodSeq = (await pub.publish(good)).seq;

    const receiver = lanes.halves['inbound-receiver'];
    await waitFor(async () => (await receiver.db.laneSequence.count({ where: { lane: 'inbound', seq: { lte: BigInt(goodSeq) } } })) >= goodSeq, { what: `receiver accounted for sequences 1..${goodSeq}`, timeoutMs: 60_000, everyMs: 50 });

    for (const c of cases) {
      const q = await receiver.db.quarantineEntry.findFirst({ where: { lane: 'inbound', sourceSeq: BigInt(c.seq) } });
      expect({ name: c.name, reason: q?.reason }).toEqual({ name: c.name, reason: expect.stringMatching(c.reason) });
      if (c.id) expect(q!.messageId).toBe(c.id);
      expect(await receiver.db.laneSequence.findUnique({ where: { lane_seq: { lane: 'inbound', seq: BigInt(c.seq) } } })).toMatchObject({ outcome: 'quarantined' });
    }
    // Announced on the extranet QUARANTINE stream (outbox), with the same reasons.
    const provisioner = await lanes.connect('extranet', 'provisioner');
    const events = await waitFor(async () => {
      const e = await readStream(lanes.zones.extranet.admin, provisioner, 'QUARANTINE');
      return e.length >= cases.length && e;
    }, { what: `${cases.length} announcements on the extranet QUARANTINE stream`, timeoutMs: 60_000 });
    const payloads = events.map((e) => JSON.parse(e.data.toString('utf8')) as { type: string; zone: string; payload: { sourceSeq: number; reason: string; lane: string } });
    for (const c of cases) {
      const ev = payloads.find((p) => p.payload.sourceSeq === c.seq);
      expect(ev).toMatchObject({ type: 'relay.message.quarantined', zone: 'extranet', payload: { lane: 'inbound', reason: expect.stringMatching(c.reason) } });
    }
    // Nothing refused was forwarded; the good one was, with its file.
    const forwarded = await readStream(lanes.zones.extranet.admin, provisioner, 'IN');
    const ids = new Set(forwarded.map((m) => m.msgId));
    for (const c of cases) if (c.id) expect(ids.has(c.id)).toBe(false);
    expect(ids.has(good.id)).toBe(true);
    expect(await lanes.zones.extranet.store.stat(zipped.attachments![0]!.key)).toBeNull();
    expect((await lanes.zones.extranet.store.getBuffer(good.attachments![0]!.key)).equals(PNG)).toBe(true);

    // Operators: the quarantine list (reasons, no content) and the metric.
    const list = (await (await fetch(`${receiver.url}/v1/quarantine?limit=20`)).json()) as { entries: { reason: string; sourceSeq: string }[] };
    expect(list.entries).toHaveLength(cases.length);
    expect(Object.keys(list.entries[0]!).sort()).toEqual(['at', 'id', 'messageId', 'reason', 'sourceSeq']);
    expect((await lanes.metrics('inbound-receiver')).relay_lane_quarantined_total).toBe(cases.length);
  }, 120_000);
});
