/**
 * A lossy one-way link for tests and the benchmark: listens where the sender aims, forwards to
 * the receiver, and drops, duplicates and reorders a chosen share of datagrams. It also watches
 * the other direction: anything that arrives on the socket facing the receiver is a packet the
 * receiver sent, which a diode must never see, so it is counted (and not forwarded).
 */
import dgram from 'node:dgram';

export interface LossyProxyOptions { targetPort: number; drop?: number; duplicate?: number; reorder?: number; seed?: number }

export interface LossyProxy {
  port: number;
  counts: { fromSender: number; forwarded: number; dropped: number; duplicated: number; reordered: number; fromReceiver: number; strayIntoSenderSide: number };
  /** Change the loss model on the fly (e.g. a clean link for a phase of a test). */
  set(opts: Partial<Pick<LossyProxyOptions, 'drop' | 'duplicate' | 'reorder'>>): void;
  close(): Promise<void>;
}

/** Small deterministic PRNG (mulberry32), so a failing run can be replayed with its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startLossyProxy(o: LossyProxyOptions): Promise<LossyProxy> {
  const model = { drop: o.drop ?? 0, duplicate: o.duplicate ?? 0, reorder: o.reorder ?? 0 };
  const random = prng(o.seed ?? Date.now());
  const counts = { fromSender: 0, forwarded: 0, dropped: 0, duplicated: 0, reordered: 0, fromReceiver: 0, strayIntoSenderSide: 0 };
  const inbound = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  const outbound = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
  let senderAddr: string | undefined;
  const held: { buf: Buffer; after: number }[] = [];
  const forward = (buf: Buffer) => { outbound.send(buf, o.targetPort, '127.0.0.1'); counts.forwarded++; };
  const release = () => {
    for (let i = held.length - 1; i >= 0; i--) {
      if (--held[i]!.after <= 0) { forward(held[i]!.buf); held.splice(i, 1); }
    }
  };
  inbound.on('message', (buf, rinfo) => {
    const from = `${rinfo.address}:${rinfo.port}`;
    senderAddr ??= from;
    if (from !== senderAddr) counts.strayIntoSenderSide++;
    counts.fromSender++;
    const r = random();
    if (r < model.drop) counts.dropped++;
    else if (r < model.drop + model.duplicate) { forward(buf); forward(buf); counts.duplicated++; }
    else if (r < model.drop + model.duplicate + model.reorder) { held.push({ buf, after: 1 + Math.floor(random() * 4) }); counts.reordered++; return; }
    else forward(buf);
    release();
  });
  outbound.on('message', () => { counts.fromReceiver++; });
  // Held packets are let go even when traffic stops, so the tail of a stream is reordered, not lost.
  const flush = setInterval(() => { while (held.length) forward(held.shift()!.buf); }, 20);
  await new Promise<void>((r) => inbound.bind(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => outbound.bind(0, '127.0.0.1', () => r()));
  return {
    port: inbound.address().port,
    counts,
    set: (m) => Object.assign(model, m),
    close: async () => {
      clearInterval(flush);
      await Promise.all([new Promise<void>((r) => inbound.close(() => r())), new Promise<void>((r) => outbound.close(() => r()))]);
    },
  };
}

/** A UDP port that was free a moment ago (bound and released). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
