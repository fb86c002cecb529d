/**
 * Access rules of the zone topology, observed on real nats-servers: every refusal below is the
 * server's own (an error from the server, not a reading of the config).
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Status } from '@nats-io/nats-core';
import { startNatsZone, type NatsZoneServer } from '@hall/testkit';
import { consume, createPublisher, userSpec, zoneTopology, zoneUsers, type Zone } from '../src/index.js';
import { applicationSubmitted, caseTransitioned, logger, userConnection, waitFor } from './helpers.js';

/** NATS subject matching, as the server does it, for the test's own expectations. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

function collectErrors(nc: NatsConnection): string[] {
  const errors: string[] = [];
  void (async () => {
    for await (const s of nc.status() as AsyncIterable<Status>) if (s.type === 'error') errors.push(s.error.message);
  })();
  return errors;
}

describe('zone topology access', () => {
  const servers = {} as Record<Zone, NatsZoneServer>;
  const open: NatsConnection[] = [];
  const conn = async (zone: Zone, user: string) => {
    const nc = await userConnection(servers[zone], user, `${zone}-${user}`);
    open.push(nc);
    return nc;
  };

  beforeAll(async () => {
    [servers.internet, servers.extranet] = await Promise.all([startNatsZone({ zone: 'internet' }), startNatsZone({ zone: 'extranet' })]);
  });
  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close()));
    await Promise.all([servers.internet?.stop(), servers.extranet?.stop()]);
  });

  it('should not let internet-zone credentials connect to the extranet server', async () => {
    const d = servers.internet.users.declaration!;
    await expect(userConnection({ ...servers.extranet, users: { declaration: d } }, 'declaration')).rejects.toThrow(/Authorization Violation/);
    // and the reverse: the extranet provisioner is nobody on the internet server
    const p = servers.extranet.users.provisioner!;
    await expect(userConnection({ ...servers.internet, users: { provisioner: p } }, 'provisioner')).rejects.toThrow(/Authorization Violation/);
    expect(servers.extranet.logs()).toMatch(/authentication error - User "declaration"/);
  });

  it('should not let a service publish outside its subjects (server refuses and reports it)', async () => {
    const nc = await conn('extranet', 'catalog');
    const errors = collectErrors(nc);
    // catalog may publish catalog subjects only; a case event is someone else's
    await expect(createPublisher(nc).publish(caseTransitioned())).rejects.toThrow(/Permissions Violation for Publish to "hall\.x\.case\.transitioned"/);
    await waitFor(() => errors.some((e) => e.includes('Permissions Violation for Publish to "hall.x.case.transitioned"')), 3000, 'status error');
    await waitFor(() => /Publish Violation - User "catalog", Subject "hall\.x\.case\.transitioned"/.test(servers.extranet.logs()), 3000, 'server log');
    // the connection survives the refusal
    expect(nc.isClosed()).toBe(false);
  });

  it('should not let a consumer user create or delete streams', async () => {
    const nc = await conn('extranet', 'approval');
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    await expect(jsm.streams.add({ name: 'EVIL', subjects: ['evil.>'] })).rejects.toThrow(/Permissions Violation for Publish to "\$JS\.API\.STREAM\.CREATE\.EVIL"/);
    await expect(jsm.streams.delete('X')).rejects.toThrow(/Permissions Violation/);
  });

  it('should not let the inbound relay sender publish to hall.in.> nor read other streams or inboxes', async () => {
    const nc = await conn('internet', 'relay-in-sender');
    const errors = collectErrors(nc);
    const admin = await jetstreamManager(await conn('internet', 'provisioner'));
    const before = (await admin.streams.info('IN')).state.messages;
    await expect(createPublisher(nc).publish(applicationSubmitted())).rejects.toThrow(/Permissions Violation for Publish to "hall\.in\.application\.submitted"/);
    expect((await admin.streams.info('IN')).state.messages).toBe(before);
    // it consumes IN only
    await expect(consume({ nc, stream: 'OUT', durable: 'sneak', logger, handler: async () => undefined })).rejects.toThrow(/Permissions Violation/);
    // and cannot listen to everybody's replies and pulled messages
    nc.subscribe('_INBOX.>');
    await waitFor(() => errors.some((e) => e.includes('Permissions Violation for Subscription to "_INBOX.>"')), 3000, 'subscription refusal');
  });

  describe.each(['internet', 'extranet'] as const)('%s zone: each user can do exactly what the topology says', (zone) => {
    const probes = () => zoneTopology(zone).streams.map((s) => s.subjects[0]!.replace('>', 'probe'));
    const extra: Record<Zone, string[]> = { internet: [], extranet: ['hall.x.certificate.requested', 'hall.x.certificate.issued'] };

    it.each(zoneUsers(zone))('%s', async (user) => {
      const spec = userSpec(zone, user);
      const nc = await conn(zone, user);
      const js = jetstream(nc);
      const subjects = [...probes(), ...extra[zone], ...spec.publish.map((p) => p.replace('>', 'probe'))];
      for (const subject of subjects) {
        const allowed = spec.publish.some((p) => matches(p, subject));
        const attempt = js.publish(subject, '{}', { timeout: 2000 });
        if (allowed) await expect(attempt).resolves.toMatchObject({ duplicate: false });
        else await expect(attempt).rejects.toThrow(/Permissions Violation for Publish/);
      }
      // the provisioner manages JetStream as a whole; consuming is for service users
      if (spec.manageStreams) return;
      for (const stream of zoneTopology(zone).streams.map((s) => s.name)) {
        const attempt = consume({ nc, stream, durable: `probe-${user}`, logger, handler: async () => undefined });
        if (spec.consumes.includes(stream)) await (await attempt).stop();
        else await expect(attempt).rejects.toThrow(/Permissions Violation/);
      }
    });
  });
});
