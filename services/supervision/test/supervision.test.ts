import { randomUUID } from 'node:crypto';
import { buildMessage } from '@hall/contracts';
import { startSupervision, caseTransitioned, applicationSubmitted, newCaseNumber, waitFor, type Harness } from './helpers.js';

let h: Harness;
let supervisor: { authorization: string };
beforeAll(async () => {
  h = await startSupervision();
  supervisor = { authorization: `Bearer ${h.env.token({ sub: 'sup-1', name: '陈监察', roles: ['supervisor'] })}` };
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const rows = (ids: string[]) => waitFor(async () => {
  const r = await h.svc.ctx.prisma.processEvent.findMany({ where: { messageId: { in: ids } } });
  return r.length === ids.length && new Map(r.map((x) => [x.messageId, x]));
  // In CI this runs beside whole-platform suites on two cores (30 events took over 10 s at load 20).
}, 60_000);
const get = (url: string) => h.svc.app.inject({ method: 'GET', url, headers: supervisor });
const minutes = (base: Date, n: number) => new Date(base.getTime() + n * 60_000);

describe('supervision', () => {
  it('should record each process event with its 7+1 stage', async () => {
    const caseNumber = newCaseNumber();
    const caseId = randomUUID();
    const applicationId = randomUUID();
    const t0 = new Date('2026-11-20T01:00:00.000Z');
    const submitted = applicationSubmitted(applicationId, t0);
    const steps = [
      { action: 'receive', to: 'received', stage: '网上受理' },
      { action: 'accept', to: 'accepted', stage: '受理' },
      { action: 'approve', to: 'approved', stage: '审批过程' },
      { action: 'complete', to: 'completed', stage: '办结' },
    ] as const;
    const transitions = steps.map((s, i) => caseTransitioned(caseNumber, s.action, s.to, minutes(t0, i + 1), { caseId, applicationId }));
    const issued = buildMessage('certificate.issued', {
      zone: 'extranet', correlationId: applicationId, occurredAt: minutes(t0, 4),
      payload: { certificateId: '1.2.156.3005.2.11100000000017.11341621003000001X.000001.1.Q', caseId, caseNumber, applicationId, certificateType: 'birth-service-certificate', issuedAt: minutes(t0, 4).toISOString(), signature: 'c2ln', algorithm: 'Ed25519' },
    });
    for (const m of [submitted, ...transitions, issued]) await h.publish(m);

    const byId = await rows([submitted.id, ...transitions.map((m) => m.id), issued.id]);
    transitions.forEach((m, i) => expect(byId.get(m.id)).toMatchObject({ type: 'case.transitioned', caseNumber, department: 'gy-wjw', stage: steps[i]!.stage, correlationId: applicationId, occurredAt: minutes(t0, i + 1) }));
    // The inbound application arrives over the IN stream, before any case exists.
    expect(byId.get(submitted.id)).toMatchObject({ type: 'application.submitted', correlationId: applicationId, caseNumber: null, occurredAt: t0 });
    expect(byId.get(submitted.id)!.payload).toMatchObject({ applicationId, receiptNo: 'SB2026112600000001' });
    expect(byId.get(issued.id)).toMatchObject({ type: 'certificate.issued', caseNumber, stage: null });
  });

  it.each([
    ['reject', 'rejected', '受理'],
    ['deny', 'denied', '审批过程'],
    // An action the stage table does not know yet is still recorded, just without a stage.
    ['pay', 'payment_pending', null],
  ] as const)('should file a %s transition under stage %s', async (action, to, stage) => {
    const m = caseTransitioned(newCaseNumber(), action, to, new Date());
    await h.publish(m);
    expect((await rows([m.id])).get(m.id)!.stage).toBe(stage);
  });

  it('should see what the inbound lane quarantined, with the reason but without the refused bytes', async () => {
    const m = buildMessage('relay.message.quarantined', {
      zone: 'extranet', correlationId: 'relay:inbound',
      payload: { lane: 'inbound', sourceSeq: 42, messageId: randomUUID(), messageType: 'application.submitted', reason: 'attachment materials/x does not match its SHA-256', bytes: 17, sha256: 'a'.repeat(64), raw: '{"secret":"341621199203150020"}', at: new Date().toISOString() },
    });
    await h.publish(m);
    const row = (await rows([m.id])).get(m.id);
    expect(row!.type).toBe('relay.message.quarantined');
    expect(row!.payload).toMatchObject({ lane: 'inbound', reason: 'attachment materials/x does not match its SHA-256', messageType: 'application.submitted' });
    expect(JSON.stringify(row!.payload)).not.toContain('341621199203150020');
    const listed = (await get('/v1/events?type=relay.message.quarantined')).json();
    expect(listed.items.map((e: { messageId: string }) => e.messageId)).toContain(m.id);
    expect(listed.items.every((e: { type: string }) => e.type === 'relay.message.quarantined')).toBe(true);
  });

  it('should record an event delivered twice only once', async () => {
    const m = caseTransitioned(newCaseNumber(), 'accept', 'accepted', new Date());
    await h.publish(m);
    expect((await h.publish(m)).duplicate).toBe(true); // the stream drops the same Nats-Msg-Id
    const copy = await h.publishCopy(m); // a copy the stream cannot recognise: supervision must
    await h.handled('X', copy);
    expect(await h.svc.ctx.prisma.processEvent.count({ where: { messageId: m.id } })).toBe(1);

    const submitted = applicationSubmitted(randomUUID(), new Date());
    await h.publish(submitted);
    await h.handled('IN', await h.publishCopy(submitted));
    expect(await h.svc.ctx.prisma.processEvent.count({ where: { messageId: submitted.id } })).toBe(1);
  });

  it('should return a case timeline in the order things happened, not the order they arrived', async () => {
    const caseNumber = newCaseNumber();
    const caseId = randomUUID();
    const t0 = new Date('2026-11-21T02:00:00.000Z');
    const events = [
      caseTransitioned(caseNumber, 'complete', 'completed', minutes(t0, 30), { caseId }),
      caseTransitioned(caseNumber, 'accept', 'accepted', minutes(t0, 10), { caseId }),
      caseTransitioned(caseNumber, 'receive', 'received', minutes(t0, 0), { caseId }),
      caseTransitioned(caseNumber, 'approve', 'approved', minutes(t0, 20), { caseId }),
    ];
    for (const m of events) await h.publish(m);
    await rows(events.map((m) => m.id));
    // Another case's event in between must not show up.
    const other = caseTransitioned(newCaseNumber(), 'accept', 'accepted', minutes(t0, 15));
    await h.publish(other);
    await rows([other.id]);

    const r = await get(`/v1/cases/${caseNumber}/timeline`);
    expect(r.statusCode).toBe(200);
    const body = r.json<{ caseNumber: string; events: { messageId: string; stage: string; occurredAt: string; payload: { action: string } }[] }>();
    expect(body.caseNumber).toBe(caseNumber);
    expect(body.events.map((e) => e.stage)).toEqual(['网上受理', '受理', '审批过程', '办结']);
    expect(body.events.map((e) => e.payload.action)).toEqual(['receive', 'accept', 'approve', 'complete']);
    expect(body.events.map((e) => e.occurredAt)).toEqual([0, 10, 20, 30].map((n) => minutes(t0, n).toISOString()));
  });

  it('should answer 404 with a problem for a case it has never seen', async () => {
    const r = await get(`/v1/cases/${newCaseNumber()}/timeline`);
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.json()).toMatchObject({ status: 404, code: 'case_not_found' });
  });

  it('should page through all events, newest first', async () => {
    const t0 = new Date('2030-01-01T00:00:00.000Z'); // later than anything else in this file: these are the first page
    const mine = Array.from({ length: 5 }, (_, i) => caseTransitioned(newCaseNumber(), 'accept', 'accepted', minutes(t0, i)));
    for (const m of mine) await h.publish(m);
    await rows(mine.map((m) => m.id));
    const total = await h.svc.ctx.prisma.processEvent.count();

    const p1 = (await get('/v1/events?page=1&pageSize=3')).json();
    const p2 = (await get('/v1/events?page=2&pageSize=3')).json();
    expect(p1).toMatchObject({ total, page: 1, pageSize: 3 });
    expect(p1.items.map((e: { messageId: string }) => e.messageId)).toEqual([mine[4]!.id, mine[3]!.id, mine[2]!.id]);
    expect(p2.items.map((e: { messageId: string }) => e.messageId)).toEqual([mine[1]!.id, mine[0]!.id, expect.any(String)]);
    const defaults = (await get('/v1/events')).json();
    expect(defaults).toMatchObject({ page: 1, pageSize: 20 });
    expect(defaults.items).toHaveLength(Math.min(20, total));
    expect((await get('/v1/events?pageSize=101')).statusCode).toBe(400);
    expect((await get('/v1/events?page=0')).statusCode).toBe(400);
  });

  it('should page through events that share a timestamp without repeating or skipping any', async () => {
    const at = new Date('2031-01-01T00:00:00.000Z');
    const same = Array.from({ length: 30 }, () => caseTransitioned(newCaseNumber(), 'accept', 'accepted', at));
    await Promise.all(same.map((m) => h.publish(m)));
    await rows(same.map((m) => m.id));
    const seen: string[] = [];
    for (let page = 1; page <= 5; page++) {
      const items = (await get(`/v1/events?page=${page}&pageSize=6`)).json().items as { messageId: string }[];
      seen.push(...items.map((e) => e.messageId));
    }
    expect(seen.sort()).toEqual(same.map((m) => m.id).sort());
  });
});
