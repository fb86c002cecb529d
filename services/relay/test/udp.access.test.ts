/**
 * The diode holds because of what each half *is*, observed from outside the code:
 * - the internet-zone sender process has no extranet credential or address in its environment,
 *   has no connection into the extranet, and its credentials are refused by the extranet server;
 * - the extranet receiver holds exactly one UDP socket, unconnected, and never sends on it: the
 *   kernel's view of the process (strace of its send system calls) and the lossy link in front of
 *   it (which counts anything coming back) both see nothing.
 */
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { connect } from '@nats-io/transport-node';
import { createPublisher } from '@hall/messaging';
import { startUdpLanes, type UdpLanes } from './udp-harness.js';
import { application, putMaterials } from './fixtures.js';
import { waitFor } from './helpers.js';

let lanes: UdpLanes;
beforeAll(async () => { lanes = await startUdpLanes({ halves: ['inbound-sender', 'inbound-receiver'] }); }, 120_000);
afterAll(async () => { await lanes?.close(); }, 60_000);

interface SocketRow { proto: 'tcp' | 'udp'; local: { ip: string; port: number }; remote: { ip: string; port: number }; inode: string }

const hexAddr = (s: string) => {
  const [ip, port] = s.split(':') as [string, string];
  const bytes = ip.length === 8 ? ip.match(/../g)!.reverse().map((h) => parseInt(h, 16)).join('.') : ip;
  return { ip: bytes, port: parseInt(port, 16) };
};

/** The sockets a process holds, from /proc: its fds' socket inodes joined with the kernel's tables. */
function socketsOf(pid: number): { rows: SocketRow[]; fdOf: Map<string, number> } {
  const fdOf = new Map<string, number>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) fdOf.set(m[1]!, Number(fd));
    } catch { /* closed meanwhile */ }
  }
  const rows: SocketRow[] = [];
  for (const [proto, file] of [['tcp', 'tcp'], ['tcp', 'tcp6'], ['udp', 'udp'], ['udp', 'udp6']] as const) {
    for (const line of fs.readFileSync(`/proc/${pid}/net/${file}`, 'utf8').trim().split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (fdOf.has(f[9]!)) rows.push({ proto, local: hexAddr(f[1]!), remote: hexAddr(f[2]!), inode: f[9]! });
    }
  }
  return { rows, fdOf };
}

describe('udp lane access', () => {
  it('should give the internet-zone sender no extranet credential, address or connection', async () => {
    const sender = lanes.halves['inbound-sender'];
    const pid = sender.child!.pid!;
    const env = Object.fromEntries(fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    expect(env.ZONE).toBe('internet');
    expect(env.NATS_USER).toBe('relay-in-sender');
    expect(Object.keys(env).filter((k) => k.startsWith('SOURCE_'))).toEqual([]);
    const x = lanes.zones.extranet;
    // (s3rver gives both test stores the same fixed key pair, so the S3 secret cannot tell the zones apart here; the endpoint can.)
    const secrets = [...Object.values(x.nats.users).map((u) => u.pass), x.nats.url, x.s3.endpoint, `:${x.nats.port}`, `:${x.s3.port}`];
    const allValues = Object.values(env).join('\n');
    for (const s of secrets) expect(allValues.includes(s)).toBe(false);

    // Its live connections: only its own zone's NATS, object store and Postgres.
    await putMaterials(lanes.zones.internet.store, 1, () => 300); // some traffic, so S3 connections exist
    const { rows } = socketsOf(pid);
    // Outgoing connections only: those accepted by its own HTTP listener (health checks) are not its doing.
    const remotes = rows.filter((r) => r.proto === 'tcp' && r.remote.port !== 0 && r.local.port !== Number(env.PORT)).map((r) => r.remote.port);
    expect(remotes.length).toBeGreaterThan(0);
    expect(remotes).not.toContain(x.nats.port);
    expect(remotes).not.toContain(x.s3.port);
    expect(remotes.every((p) => [lanes.zones.internet.nats.port, lanes.zones.internet.s3.port, 5432].includes(p))).toBe(true);

    // And what it does hold is worth nothing on the extranet server.
    await expect(connect({ servers: x.nats.url, user: env.NATS_USER, pass: env.NATS_PASS, reconnect: false, timeout: 3000 })).rejects.toThrow(/Authorization Violation/i);
  });

  it('should let the sender read its own reconciliation reports on OUT and nothing else of OUT', async () => {
    const nc = await lanes.connect('internet', 'relay-in-sender');
    const create = (subject: string, filter?: string) =>
      nc.request(subject, JSON.stringify({ stream_name: 'OUT', config: { durable_name: 'relay-inbound-reconciliation', ack_policy: 'explicit', ...(filter ? { filter_subject: filter } : {}) } }), { timeout: 3000 });
    // Its own durable, on its own subject: allowed (the running sender created exactly this).
    const ok = (await create('$JS.API.CONSUMER.CREATE.OUT.relay-inbound-reconciliation.hall.out.relay.inbound.reconciliation', 'hall.out.relay.inbound.reconciliation')).json<{ error?: unknown }>();
    expect(ok.error).toBeUndefined();
    // The same durable widened to the whole stream, or pointed at applicants' case status: refused by the server.
    await expect(create('$JS.API.CONSUMER.CREATE.OUT.relay-inbound-reconciliation')).rejects.toThrow(/Permissions Violation/);
    await expect(create('$JS.API.CONSUMER.CREATE.OUT.relay-inbound-reconciliation.hall.out.case.status.changed', 'hall.out.case.status.changed')).rejects.toThrow(/Permissions Violation/);
    await expect(create('$JS.API.CONSUMER.CREATE.OUT.sneak.hall.out.relay.inbound.reconciliation', 'hall.out.relay.inbound.reconciliation')).rejects.toThrow(/Permissions Violation/);
  });

  it('should never send a packet from the receiver: one unconnected UDP socket, no send system call on it, nothing on the link', async () => {
    const receiver = lanes.halves['inbound-receiver'];
    const pid = receiver.child!.pid!;
    const { rows, fdOf } = socketsOf(pid);
    const udp = rows.filter((r) => r.proto === 'udp');
    expect(udp).toHaveLength(1);
    expect(udp[0]!.local).toEqual({ ip: '127.0.0.1', port: lanes.receiverPorts.inbound });
    expect(udp[0]!.remote).toEqual({ ip: '0.0.0.0', port: 0 }); // not connected to anyone
    const udpFd = fdOf.get(udp[0]!.inode)!;

    // Watch every send-like system call of every thread of the receiver while traffic flows.
    const traceFile = `/tmp/relay-receiver-strace-${pid}.txt`;
    fs.rmSync(traceFile, { force: true }); // no leftover of an earlier run may pass for this one's trace
    const strace = spawn('strace', ['-f', '-qq', '-e', 'trace=sendto,sendmsg,sendmmsg,write,writev', '-o', traceFile, '-p', String(pid)], { stdio: 'ignore' });
    const traced = () => (fs.existsSync(traceFile) ? fs.readFileSync(traceFile, 'utf8') : '');
    // Attached once the receiver's answer to a health check (a write on its HTTP socket) shows up in the trace.
    await waitFor(async () => {
      if (strace.exitCode !== null) throw new Error(`strace exited ${strace.exitCode}`);
      await fetch(`${receiver.url}/health`);
      return /\b(sendto|sendmsg|sendmmsg|write|writev)\(\d+/.test(traced());
    }, { what: 'strace attached to the receiver (a traced write of its health-check answer)', timeoutMs: 10_000, everyMs: 50 });
    // The receiver's reconciliation reports (it publishes them to NATS): the newest one's stream sequence.
    const provisioner = await lanes.connect('extranet', 'provisioner');
    const lastReportSeq = async () => (await provisioner.request('$JS.API.STREAM.MSG.GET.OUT', JSON.stringify({ last_by_subj: 'hall.out.relay.inbound.reconciliation' }), { timeout: 5000 })).json<{ message?: { seq: number } }>().message?.seq ?? 0;
    const reportBefore = await lastReportSeq();
    const files = await putMaterials(lanes.zones.internet.store, 20, (i) => 500 + i * 300);
    const pub = createPublisher(await lanes.connect('internet', 'declaration'));
    const sent: number[] = [];
    for (let i = 0; i < 100; i++) sent.push((await pub.publish(application([files[i % files.length]!.ref]))).seq);
    const last = sent[sent.length - 1]!;
    await waitFor(async () => (await receiver.db.laneSequence.count({ where: { lane: 'inbound', seq: { lte: BigInt(last) } } })) >= last, { what: `receiver accounted for sequences 1..${last}`, timeoutMs: 90_000 });
    // A report as well, published while traced: one is due within LANE_REPORT_MS of the first batch.
    await waitFor(async () => (await lastReportSeq()) > reportBefore, { what: `a reconciliation report on the extranet OUT stream after sequence ${reportBefore}`, timeoutMs: 30_000 });
    strace.kill('SIGINT');
    await new Promise((r) => strace.once('exit', r));
    const calls = traced().split('\n').filter((l) => /\b(sendto|sendmsg|sendmmsg|write|writev)\(\d+/.test(l));
    fs.rmSync(traceFile, { force: true });
    const fdOfCall = (l: string) => Number(/\b(?:sendto|sendmsg|sendmmsg|write|writev)\((\d+)/.exec(l)![1]);
    // The observation works (the receiver wrote to NATS, Postgres, the object store)…
    expect(calls.length).toBeGreaterThan(10);
    // …and none of it went out through the lane's socket.
    expect(calls.filter((l) => fdOfCall(l) === udpFd)).toEqual([]);
    expect(lanes.proxies.inbound.counts.fromReceiver).toBe(0);
    expect(lanes.proxies.inbound.counts.forwarded).toBeGreaterThan(100);
  }, 120_000);
});
