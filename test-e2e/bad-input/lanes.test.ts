/**
 * Bad-input suite, relay-lane messages: random and mutated envelopes of every message type on a
 * lane's whitelist (contracts registry), plus unknown types, raw bytes, malformed, deeply nested
 * and oversize JSON, published straight into JetStream:
 *  - into each relay lane's source stream: every message is either relayed (only if it keeps its
 *    contract and is on the lane's whitelist) or quarantined; none is lost, the lane keeps going;
 *  - into the consumers of approval (IN) and declaration (OUT): a message that breaks its contract
 *    changes no row; the consumer keeps consuming (a valid message afterwards is processed).
 * Reproduce: FUZZ_SEED=<seed printed below> FUZZ_RUNS=<runs> pnpm -s test:jest test-e2e/bad-input/lanes.test.ts
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Messages, buildMessage, subjectOf, validateMessage, type MessageType } from '@hall/contracts';
import { waitFor } from '@hall/testkit';
import type { NatsConnection } from '@nats-io/nats-core';
import { fuzzSeed, snapshotter } from '../src/fuzz.js';
import { hostileValue } from '../src/hostile.js';

const SEED = fuzzSeed();
const RUNS = Math.max(20, Number(process.env.FUZZ_RUNS ?? 40) * 2);
beforeAll(() => { process.stdout.write(`bad-input lanes: seed ${SEED}, ${RUNS} messages per target (FUZZ_SEED=${SEED} FUZZ_RUNS=${process.env.FUZZ_RUNS ?? 40} to reproduce)\n`); });

/** A contract-shaped value for a TypeBox schema: required fields filled with values of their type. */
function shape(s: any): unknown {
  if (s.default !== undefined) return structuredClone(s.default);
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.anyOf) return shape(s.anyOf[0]);
  switch (s.type) {
    case 'object': return Object.fromEntries(Object.entries(s.properties ?? {}).filter(([k]) => (s.required ?? []).includes(k)).map(([k, v]) => [k, shape(v)]));
    case 'array': return Array.from({ length: s.minItems ?? 0 }, () => shape(s.items));
    case 'integer': case 'number': return s.minimum ?? 1;
    case 'boolean': return false;
    case 'null': return null;
    case 'string':
      if (s.format === 'uuid') return randomUUID();
      if (s.format === 'date-time') return new Date().toISOString();
      if (s.format === 'date') return '2026-11-27';
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
    default: return null;
  }
}

/** A contract-shaped envelope of the type (not necessarily valid: patterns are not satisfied). */
function sample(type: MessageType): Record<string, unknown> {
  const m = shape(Messages[type].schema) as Record<string, unknown>;
  return { ...m, id: randomUUID(), type, correlationId: randomUUID(), occurredAt: new Date().toISOString() };
}

function paths(v: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) { out.push([...prefix, k]); paths(c, [...prefix, k], out); }
  return out;
}
function mutate(v: Record<string, unknown>, path: string[], value: unknown, remove: boolean): Record<string, unknown> {
  const copy = structuredClone(v);
  let at: any = copy;
  for (const k of path.slice(0, -1)) at = at[k];
  if (remove) delete at[path.at(-1)!]; else at[path.at(-1)!] = value;
  return copy;
}

interface Hostile { subject: string; data: Uint8Array; label: string }
const enc = new TextEncoder();

/** Hostile messages for subjects of the given types (as their publisher may send them). */
function hostileMessages(types: MessageType[], subjectPrefix: string, valid: Record<string, unknown>[] = []): fc.Arbitrary<Hostile> {
  const subject = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...types).map((t) => subjectOf(t)) }, { weight: 1, arbitrary: fc.constantFrom(`${subjectPrefix}unknown.type`, `${subjectPrefix}x`) });
  const json = (v: unknown) => enc.encode(JSON.stringify(v) ?? 'null');
  // Mutations of contract-shaped samples, and of real valid messages (some mutations keep them valid:
  // a name with combining marks is still a string, and must then be relayed and processed).
  const bases = fc.oneof(fc.constantFrom(...types).map((t) => ({ t: t as string, base: sample(t) })), ...(valid.length ? [fc.constantFrom(...valid).map((v) => ({ t: String(v.type), base: { ...structuredClone(v), id: randomUUID() } }))] : []));
  const mutated = bases.chain(({ t, base }) => {
    const ps = paths(base);
    // Mostly on the subject of the base's own type, so that mutations that keep the contract are relayed.
    return fc.tuple(fc.constantFrom(...ps), hostileValue, fc.boolean(), fc.boolean()).map(([p, val, remove, own]) => ({
      data: json(mutate(base, p, val, remove)), label: `${t} with ${p.join('.')} ${remove ? 'removed' : 'mutated'}`, ...(own && t in Messages ? { subject: subjectOf(t as MessageType) } : {}),
    }));
  });
  return fc.tuple(subject, fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 1, arbitrary: fc.constantFrom(...types).map((t) => ({ data: json({ ...sample(t), type: 'case.transitioned' }), label: `${t} claiming another type` })) },
    { weight: 1, arbitrary: fc.constantFrom(...types).map((t) => ({ data: json({ ...sample(t), zone: 'mars', version: 99 }), label: `${t} with unknown zone and version` })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ data: json(v), label: 'random json' })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ data: b, label: 'random bytes' })) },
    { weight: 1, arbitrary: fc.constantFrom('{', '{"id":', '[[[[[[[[[[', `${'['.repeat(50_000)}${']'.repeat(50_000)}`, '{"__proto__":{"polluted":true},"type":"application.submitted"}', '\uFEFF{}', '').map((s) => ({ data: enc.encode(s), label: 'malformed json' })) },
    { weight: 1, arbitrary: fc.constant({ data: json({ ...sample(types[0]!), payload: { pad: 'x'.repeat(900_000) } }), label: 'oversize payload' }) },
  )).map(([s, m]) => ({ subject: s, ...m } as Hostile));
}

/** Whether the bytes, as published on the subject, keep their contract (and so may be processed). */
function keepsContract(h: Hostile): boolean {
  try {
    const m = validateMessage(JSON.parse(Buffer.from(h.data).toString('utf8')));
    return subjectOf(m.type) === h.subject;
  } catch { return false; }
}

async function publishRaw(nc: NatsConnection, subject: string, data: Uint8Array): Promise<number> {
  const ack = (await nc.request(subject, data, { timeout: 5000 })).json<{ seq?: number; error?: { description: string } }>();
  if (ack.error || ack.seq === undefined) throw new Error(`publish to ${subject} refused: ${ack.error?.description ?? 'no sequence'}`);
  return ack.seq;
}

describe('bad input, relay-lane messages', () => {
  it.each([
    ['inbound', 'declaration', 'hall.in.'],
    ['outbound', 'approval', 'hall.out.case.'],
  ] as const)('%s lane: every hostile message is relayed only if it keeps its contract, else quarantined; the lane keeps going', async (name, publisher, prefix) => {
    const { startLane } = await import('../../services/relay/test/helpers.js');
    const { LANES } = await import('../../services/relay/src/lanes.js');
    const h = await startLane(name);
    try {
      const lane = LANES[name];
      // Only the types this source-zone user may publish (NATS permissions refuse the rest anyway).
      const mayPublish = (t: MessageType) => (publisher === 'declaration' ? subjectOf(t).startsWith('hall.in.') && !t.startsWith('relay.') : /^hall\.out\.(case|payment|consultation)\./.test(subjectOf(t)));
      const types = lane.types.filter(mayPublish);
      expect(types.length).toBeGreaterThan(0);
      const nc = await h.connect('source', publisher);
      const helpers = await import('../../services/relay/test/helpers.js');
      const valid = name === 'inbound'
        ? [helpers.applicationSubmitted()]
        : [buildMessage('case.status.changed', { zone: 'extranet', correlationId: randomUUID(), payload: { applicationId: randomUUID(), caseNumber: 'GY-WJW-20261127-000001', status: 'accepted', at: new Date().toISOString() } as never })];
      expect(valid.every((v) => validateMessage(v))).toBe(true);
      const msgs = fc.sample(hostileMessages(types, prefix, valid as never), { seed: SEED, numRuns: RUNS });
      let last = 0;
      for (const m of msgs) last = await publishRaw(nc, m.subject, m.data);
      // A valid message after all of them is still relayed.
      const good = name === 'inbound'
        ? (await import('../../services/relay/test/helpers.js')).applicationSubmitted()
        : buildMessage('case.status.changed', { zone: 'extranet', correlationId: randomUUID(), payload: { applicationId: randomUUID(), caseNumber: 'GY-WJW-20261127-000001', status: 'accepted', at: new Date().toISOString() } as never });
      // An empty id: quarantined (once made the quarantine announcement break its own contract, retried forever).
      await publishRaw(nc, subjectOf(good.type), enc.encode(JSON.stringify({ ...good, id: '' })));
      await publishRaw(nc, subjectOf(good.type), enc.encode(JSON.stringify(good)));
      // A valid message whose correlation id holds CR/LF (the contract allows any string): relayed,
      // not retried forever (NATS refuses CR/LF in the header that carries it).
      const crlf = { ...good, id: randomUUID(), correlationId: '周梦婕\r\nSet-Cookie: x=1' };
      expect(validateMessage(crlf)).toBeTruthy();
      last = await publishRaw(nc, subjectOf(good.type), enc.encode(JSON.stringify(crlf)));
      await h.handled(last);

      const relayed = (await h.dest.admin.messages(lane.stream)).filter((s) => !s.subject.includes('reconciliation'));
      const bad: string[] = [];
      for (const s of relayed) {
        try {
          const m = validateMessage(JSON.parse(s.data.toString('utf8')));
          if (!lane.types.includes(m.type) || subjectOf(m.type) !== s.subject) bad.push(`${s.subject}: ${m.type} relayed off its whitelist/subject`);
        } catch (err) { bad.push(`${s.subject}: relayed although it breaks its contract: ${(err as Error).message.slice(0, 200)}`); }
      }
      expect(bad).toEqual([]);
      expect(relayed.some((s) => JSON.parse(s.data.toString('utf8')).id === good.id)).toBe(true);
      expect(relayed.some((s) => JSON.parse(s.data.toString('utf8')).id === crlf.id)).toBe(true);
      const quarantined = await h.svc.ctx.prisma.quarantineEntry.count();
      const expectRelayed = msgs.filter(keepsContract).length + 2;
      process.stdout.write(`lane ${name}: ${msgs.length + 3} published, ${relayed.length} relayed (${expectRelayed} keep their contract), ${quarantined} quarantined\n`);
      // Nothing lost: every message is accounted for (a duplicate id counts once).
      expect(relayed.length + quarantined).toBeGreaterThanOrEqual(msgs.length + 3 - msgs.filter((m, i) => msgs.findIndex((x) => Buffer.from(x.data).equals(Buffer.from(m.data))) !== i).length);
      // Ready again (a readiness check may time out for a moment on a loaded machine).
      await waitFor(async () => (await h.svc.app.inject({ method: 'GET', url: '/ready' })).statusCode === 200, 15_000, 250);
    } finally { await h.close(); }
  }, 180_000);

  it('approval consumer: contract-breaking inbound messages change nothing; consumption goes on', async () => {
    const a = await import('../../services/approval/test/helpers.js');
    const h = await a.startApproval();
    try {
      await h.publish('catalog', 'catalog.item.published', a.ITEM);
      await waitFor(() => h.svc.ctx.prisma.itemDefinition.findFirst(), 20_000);
      const creds = h.env.nats.users['relay-in-receiver']!;
      const { connectNats } = await import('@hall/messaging');
      const { createLogger } = await import('@hall/logging');
      const nc = await connectNats({ servers: h.env.nats.url, user: creds.user, pass: creds.pass, name: 'fuzz', logger: createLogger({ service: 'fuzz', level: 'silent' }) });
      try {
        const snap = await snapshotter(h.env.databaseUrl, ['inbox']);
        const before = await snap.snapshot();
        const types = (['application.submitted', 'application.supplemented', 'application.withdrawn', 'evaluation.submitted'] as MessageType[]).filter((t) => t in Messages);
        const msgs = fc.sample(hostileMessages(types, 'hall.in.').filter((m) => !keepsContract(m)), { seed: SEED, numRuns: RUNS });
        for (const m of msgs) await publishRaw(nc, m.subject, m.data);
        const good = a.application();
        await h.publish('relay-in-receiver', 'application.submitted', good, 'internet');
        await waitFor(() => h.svc.ctx.prisma.case.findUnique({ where: { applicationId: good.applicationId } }), 20_000);
        const after = await snap.snapshot();
        // Only the valid application's case (and its rows) appeared.
        const changed = snap.diff(before, after);
        expect(changed.filter((t) => !['case', 'case_action', 'case_task', 'case_number_counter', 'outbox', 'audit_entry'].includes(t))).toEqual([]);
        expect(await h.svc.ctx.prisma.case.count()).toBe(1);
        await snap.close();
        process.stdout.write(`approval consumer: ${msgs.length} contract-breaking messages refused\n`);
      } finally { await nc.close(); }
    } finally { await h.close(); }
  }, 180_000);

  it('declaration consumer: contract-breaking outbound messages change nothing; consumption goes on', async () => {
    const d = await import('../../services/declaration/test/helpers.js');
    const h = await d.startDeclaration();
    try {
      const creds = h.env.nats.users['relay-out-receiver']!;
      const { connectNats } = await import('@hall/messaging');
      const { createLogger } = await import('@hall/logging');
      const nc = await connectNats({ servers: h.env.nats.url, user: creds.user, pass: creds.pass, name: 'fuzz', logger: createLogger({ service: 'fuzz', level: 'silent' }) });
      try {
        const snap = await snapshotter(h.env.databaseUrl, ['inbox']);
        const before = await snap.snapshot();
        const { LANES } = await import('../../services/relay/src/lanes.js');
        const types = LANES.outbound.types.filter((t) => !t.startsWith('relay.'));
        const msgs = fc.sample(hostileMessages(types, 'hall.out.').filter((m) => !keepsContract(m)), { seed: SEED + 1, numRuns: RUNS });
        for (const m of msgs) await publishRaw(nc, m.subject, m.data);
        await h.publishOutbound('catalog.item.published', d.ITEM);
        await waitFor(async () => (await h.svc.app.inject({ method: 'GET', url: `/v1/items/${d.ITEM.code}` })).statusCode === 200, 20_000);
        const changed = snap.diff(before, await snap.snapshot());
        // item_replica: the valid item; payment_reconciliation: the daily reconciliation job, on its own timer.
        expect(changed.filter((t) => t !== 'item_replica' && t !== 'payment_reconciliation')).toEqual([]);
        await snap.close();
        process.stdout.write(`declaration consumer: ${msgs.length} contract-breaking messages refused\n`);
      } finally { await nc.close(); }
    } finally { await h.close(); }
  }, 180_000);
});
