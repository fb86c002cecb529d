import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { ContractError } from '@hall/contracts';
import { startNatsZone, type NatsZoneServer } from '@hall/testkit';
import { createPublisher } from '../src/index.js';
import { caseTransitioned, userConnection } from './helpers.js';

describe('createPublisher', () => {
  let server: NatsZoneServer;
  let approval: NatsConnection;
  let admin: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    server = await startNatsZone({ zone: 'extranet' });
    approval = await userConnection(server, 'approval');
    admin = await userConnection(server, 'provisioner');
    jsm = await jetstreamManager(admin);
  });
  afterAll(async () => {
    await Promise.all([approval?.close(), admin?.close()]);
    await server?.stop();
  });

  it('stores a message once when it is published twice (dedupe by Nats-Msg-Id)', async () => {
    const pub = createPublisher(approval);
    const msg = caseTransitioned();
    const before = (await jsm.streams.info('X')).state.messages;
    const first = await pub.publish(msg);
    const second = await pub.publish(msg);
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ seq: first.seq, duplicate: true });
    expect((await jsm.streams.info('X')).state.messages).toBe(before + 1);

    const stored = await jsm.streams.getMessage('X', { seq: first.seq });
    expect(stored!.subject).toBe('hall.x.case.transitioned');
    expect(stored!.header.get('Nats-Msg-Id')).toBe(msg.id);
    expect(stored!.header.get('Hall-Type')).toBe('case.transitioned');
    expect(stored!.header.get('Hall-Correlation-Id')).toBe(msg.correlationId);
    expect(stored!.json()).toEqual(msg);
  });

  it('rejects a message that breaks its contract before sending anything', async () => {
    const pub = createPublisher(approval);
    const before = (await jsm.streams.info('X')).state.messages;
    const bad = { ...caseTransitioned(), payload: { caseId: 'nope' } };
    await expect(pub.publish(bad)).rejects.toBeInstanceOf(ContractError);
    await expect(pub.publish({ type: 'no.such.type' })).rejects.toBeInstanceOf(ContractError);
    expect((await jsm.streams.info('X')).state.messages).toBe(before);
  });
});
