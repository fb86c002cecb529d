import { randomUUID } from 'node:crypto';
import { buildMessage } from '@hall/contracts';
import { startLane, publisherAs, waitFor, type LaneHarness } from './helpers.js';

let h: LaneHarness;
beforeAll(async () => { h = await startLane('outbound'); }, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const ITEM = {
  code: 'T-ITEM-OUT', version: 1, name: '生育登记', powerType: '行政确认', department: 'gy-wjw', departmentName: '涡阳县卫生健康委员会', hall: '涡阳县网上办事大厅', level: '县区',
  promisedDays: 5, statutoryDays: 20, guide: {}, formSchema: { type: 'object' }, materials: [], publishedAt: new Date().toISOString(),
};

describe('relay outbound lane', () => {
  it('should carry each whitelisted extranet OUT message to the internet OUT stream under its own id', async () => {
    const applicationId = randomUUID();
    // Each from the extranet user that produces it in the platform.
    const sent = [
      { as: 'catalog', message: buildMessage('catalog.item.published', { zone: 'extranet', correlationId: ITEM.code, payload: ITEM }) },
      { as: 'approval', message: buildMessage('case.status.changed', { zone: 'extranet', correlationId: applicationId, payload: { applicationId, caseNumber: 'GY-WJW-20261126-000001', status: 'received', at: new Date().toISOString() } }) },
      { as: 'certificate', message: buildMessage('certificate.notice', { zone: 'extranet', correlationId: applicationId, payload: { certificateId: '1.2.156.3005.2.11100000000017.11341621003000001X.000001.1.Q', applicationId, caseNumber: 'GY-WJW-20261126-000001', certificateType: 'birth-service-certificate', issuedAt: new Date().toISOString(), sha256: 'a'.repeat(64) } }) },
    ];
    for (const { as, message } of sent) await (await publisherAs(h, 'source', as)).pub.publish(message);

    const rows = await waitFor(async () => {
      const r = await h.svc.ctx.prisma.ledgerEntry.findMany({ where: { lane: 'outbound', messageId: { in: sent.map((s) => s.message.id) } } });
      return r.length === sent.length && r;
    });
    expect(rows.every((r) => r.status === 'relayed')).toBe(true);
    const arrived = await h.dest.admin.messages('OUT');
    for (const { message } of sent) {
      const copies = arrived.filter((m) => m.headers['Nats-Msg-Id'] === message.id);
      expect(copies).toHaveLength(1);
      expect(JSON.parse(copies[0]!.data.toString('utf8'))).toEqual(message);
    }
    expect(arrived.map((m) => m.subject).sort()).toEqual(['hall.out.case.status.changed', 'hall.out.catalog.item.published', 'hall.out.certificate.notice']);
    expect((await h.svc.app.inject({ method: 'GET', url: '/v1/lane' })).json()).toMatchObject({ lane: 'outbound', relayed: 3, quarantined: 0 });
  });

  it('should quarantine an OUT message that claims to come from the internet', async () => {
    const applicationId = randomUUID();
    const msg = buildMessage('case.status.changed', { zone: 'internet', correlationId: applicationId, payload: { applicationId, caseNumber: 'GY-WJW-20261126-000002', status: 'accepted', at: new Date().toISOString() } });
    await (await publisherAs(h, 'source', 'approval')).pub.publish(msg);
    const q = await waitFor(() => h.svc.ctx.prisma.quarantineEntry.findFirst({ where: { lane: 'outbound', messageId: msg.id } }));
    expect(q.reason).toBe('message from zone internet on a lane leaving extranet');
    expect((await h.dest.admin.messages('OUT')).some((m) => m.headers['Nats-Msg-Id'] === msg.id)).toBe(false);
  });
});
