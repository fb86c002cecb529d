import { Messages } from '@hall/contracts';
import { generatePasswords, renderNatsServerConfig, TOPOLOGY, userPermissions, zoneUsers, ZONES } from '../src/index.js';

describe('topology', () => {
  it('lists the users of each zone', () => {
    expect(zoneUsers('internet')).toEqual(['provisioner', 'declaration', 'identity', 'relay-in-sender', 'relay-out-receiver']);
    expect(zoneUsers('extranet')).toEqual([
      'provisioner', 'catalog', 'approval', 'certificate', 'supervision', 'exchange', 'identity', 'relay-in-receiver', 'relay-out-sender',
    ]);
  });

  it('routes every message type to a stream of the zone that produces it', () => {
    // hall.in.* and hall.i.* are produced in the internet zone, hall.out.* and hall.x.* in the extranet.
    for (const def of Object.values(Messages)) {
      const zone = def.subject.startsWith('hall.in.') || def.subject.startsWith('hall.i.') ? 'internet' : 'extranet';
      const prefix = def.subject.split('.').slice(0, 2).join('.');
      expect(TOPOLOGY[zone].streams.some((s) => s.subjects.includes(`${prefix}.>`))).toBe(true);
    }
  });

  it('generates distinct random passwords for every user', () => {
    const a = generatePasswords('extranet');
    const b = generatePasswords('extranet');
    expect(Object.keys(a)).toEqual(zoneUsers('extranet'));
    expect(a.approval).toMatch(/^[0-9a-f]{48}$/);
    expect(a.approval).not.toBe(b.approval);
  });

  it('gives each user only its own inbox and denies hall.> to users that publish nothing', () => {
    for (const zone of ZONES) {
      for (const user of zoneUsers(zone)) {
        const p = userPermissions(zone, user);
        expect(p.subscribe.allow).toEqual([`_INBOX_${user}.>`]);
        expect(p.publish.allow.length > 0 || p.publish.deny?.includes('>')).toBe(true);
      }
    }
    expect(userPermissions('internet', 'relay-in-sender').publish.deny).toEqual(['hall.>']);
    expect(userPermissions('extranet', 'exchange').publish.deny).toEqual(['hall.>']);
    expect(userPermissions('internet', 'relay-in-sender').publish.allow).toEqual([
      '$JS.API.CONSUMER.CREATE.IN.>', '$JS.API.CONSUMER.INFO.IN.>', '$JS.API.CONSUMER.MSG.NEXT.IN.>', '$JS.ACK.IN.>',
      // udp transport: re-reads IN by sequence, and one durable on its own reconciliation reports (never the rest of OUT)
      '$JS.API.STREAM.INFO.IN', '$JS.API.STREAM.MSG.GET.IN',
      '$JS.API.CONSUMER.CREATE.OUT.relay-inbound-reconciliation.hall.out.relay.inbound.reconciliation',
      '$JS.API.CONSUMER.INFO.OUT.relay-inbound-reconciliation', '$JS.API.CONSUMER.MSG.NEXT.OUT.relay-inbound-reconciliation',
      '$JS.ACK.OUT.relay-inbound-reconciliation.>',
    ]);
    expect(userPermissions('internet', 'relay-in-sender', '2.10.22').publish.allow).toContain('$JS.API.CONSUMER.DURABLE.CREATE.IN.>');
  });

  it('renders a loopback server config with every user and the JetStream store', () => {
    const passwords = generatePasswords('internet');
    const conf = renderNatsServerConfig({ zone: 'internet', host: '127.0.0.1', port: 14222, storeDir: '/tmp/js', passwords, monitorPort: 18222 });
    expect(conf).toContain('listen: "127.0.0.1:14222"');
    expect(conf).toContain('http: "127.0.0.1:18222"');
    expect(conf).toContain('store_dir: "/tmp/js"');
    for (const u of zoneUsers('internet')) expect(conf).toContain(`user: "${u}", password: "${passwords[u]}"`);
  });

  it('writes sync_interval only for servers that know it (2.10+)', () => {
    const base = { zone: 'extranet' as const, host: '127.0.0.1', port: 1, storeDir: '/tmp/x', passwords: generatePasswords('extranet'), syncAlways: true };
    expect(renderNatsServerConfig({ ...base, serverVersion: '2.9.10' })).toMatch(/# sync_interval: always {2}-- omitted/);
    expect(renderNatsServerConfig({ ...base, serverVersion: '2.10.22' })).toMatch(/^ {2}sync_interval: always$/m);
  });

  it('refuses to render a user without a password', () => {
    expect(() => renderNatsServerConfig({ zone: 'internet', host: '127.0.0.1', port: 1, storeDir: '/x', passwords: {} })).toThrow(/no password/);
  });
});
