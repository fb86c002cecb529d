/**
 * Relay lane benchmark (`pnpm bench:relay`): throughput of a real udp lane — sender and receiver
 * as separate processes with their own zone's NATS, S3 and database — in messages/s and MB/s with
 * attachments, next to the raw UDP loopback ceiling of this machine measured in the same run
 * (one socket blasting datagrams of the lane's packet size to a receiver in another thread).
 * Loopback only, bounded in count and time. Options (env): BENCH_MESSAGES, BENCH_ATTACHMENT_BYTES,
 * BENCH_RATE_BYTES (the lane's sender rate limit), BENCH_LOSS (share dropped, duplicated and reordered).
 */
import dgram from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { createPublisher } from '@hall/messaging';
import { startUdpLanes } from '../test/udp-harness.js';
import { application, putMaterials } from '../test/fixtures.js';
import { waitFor } from '@hall/testkit';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 4000);
const ATTACHMENT = Number(process.env.BENCH_ATTACHMENT_BYTES ?? 8 * 1024);
const RATE = Number(process.env.BENCH_RATE_BYTES ?? 64 * 1024 * 1024);
const LOSS = Number(process.env.BENCH_LOSS ?? 0);
const DATAGRAM = 1200 + 36; // the lane's default chunk plus header and CRC

async function rawCeiling(seconds = 2): Promise<{ pps: number; mbps: number; sentPps: number }> {
  const worker = new Worker(`
    const { parentPort } = require('node:worker_threads');
    const s = require('node:dgram').createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    let n = 0, bytes = 0;
    s.on('message', (m) => { n++; bytes += m.length; });
    s.bind(0, '127.0.0.1', () => parentPort.postMessage({ port: s.address().port }));
    parentPort.on('message', () => { parentPort.postMessage({ n, bytes }); s.close(); });
  `, { eval: true });
  const port = await new Promise<number>((r) => worker.once('message', (m: { port: number }) => r(m.port)));
  const sock = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
  const buf = Buffer.alloc(DATAGRAM, 0x5a);
  let sent = 0;
  const end = Date.now() + seconds * 1000;
  // Bursts with a yield in between, so the send queue never grows without bound.
  while (Date.now() < end) {
    await new Promise<void>((resolve) => {
      let pending = 256;
      for (let i = 0; i < 256; i++) sock.send(buf, port, '127.0.0.1', () => { if (--pending === 0) resolve(); });
    });
    sent += 256;
  }
  await new Promise((r) => setTimeout(r, 200));
  worker.postMessage('done');
  const got = await new Promise<{ n: number; bytes: number }>((r) => worker.once('message', r));
  sock.close();
  await worker.terminate();
  return { pps: got.n / seconds, mbps: got.bytes / seconds / 1e6, sentPps: sent / seconds };
}

async function laneThroughput() {
  const lanes = await startUdpLanes({
    ...(LOSS > 0 ? { loss: { drop: LOSS, duplicate: LOSS, reorder: LOSS } } : {}),
    env: { LANE_UDP_RATE_BYTES: String(RATE), LOG_LEVEL: 'warn' },
  });
  try {
    const distinct = Math.min(MESSAGES, 500);
    const files = await putMaterials(lanes.zones.internet.store, distinct, () => ATTACHMENT);
    const msgs = Array.from({ length: MESSAGES }, (_, i) => application([files[i % distinct]!.ref]));
    const bytes = msgs.reduce((n, m) => n + Buffer.byteLength(JSON.stringify(m)) + ATTACHMENT, 0);
    const pub = createPublisher(await lanes.connect('internet', 'declaration'));
    // Queue everything first, then time the lane alone (publishing is not what is measured).
    await lanes.kill('inbound-sender', 'SIGTERM');
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => { while (next < msgs.length) await pub.publish(msgs[next++]!); }));
    const receiver = lanes.halves['inbound-receiver'];
    const started = Date.now();
    await lanes.start('inbound-sender');
    const { state } = await lanes.zones.internet.admin.info('IN');
    let senderDone = 0;
    await waitFor(async () => {
      // When the sender has put the whole stream on the wire: tells a sender-bound run from a receiver-bound one.
      if (!senderDone) {
        const s = (await (await fetch(`${lanes.halves['inbound-sender'].url}/v1/lane`)).json()) as { nextSeq: number };
        if (s.nextSeq > state.last_seq) senderDone = (Date.now() - started) / 1000;
      }
      return (await receiver.db.ledgerEntry.count({ where: { lane: 'inbound', type: 'application.submitted' } })) >= MESSAGES;
    }, 600_000, 100);
    const seconds = (Date.now() - started) / 1000;
    const rx = await lanes.metrics('inbound-receiver');
    const tx = await lanes.metrics('inbound-sender');
    return { seconds, senderDone, msgsPerSec: MESSAGES / seconds, mbPerSec: bytes / seconds / 1e6, wireMbPerSec: tx.relay_lane_bytes_sent_total! / seconds / 1e6, repaired: rx.relay_lane_repaired_total ?? 0, resent: tx.relay_lane_resent_total ?? 0 };
  } finally {
    await lanes.close();
  }
}

const raw = await rawCeiling();
const lane = await laneThroughput();
const line = (k: string, v: string) => process.stdout.write(`${k.padEnd(44)} ${v}\n`);
process.stdout.write(`\nrelay lane benchmark (${MESSAGES} messages, ${ATTACHMENT} B attachment each, sender limit ${(RATE / 1e6).toFixed(0)} MB/s, loss ${LOSS * 100} %)\n`);
line('raw UDP loopback ceiling (1236 B datagrams)', `${Math.round(raw.pps).toLocaleString('en')} datagrams/s, ${raw.mbps.toFixed(1)} MB/s (offered ${Math.round(raw.sentPps).toLocaleString('en')}/s)`);
line('udp lane, end to end (stream → stream + S3)', `${Math.round(lane.msgsPerSec).toLocaleString('en')} msgs/s, ${lane.mbPerSec.toFixed(2)} MB/s payload+attachments, ${lane.wireMbPerSec.toFixed(2)} MB/s on the wire`);
line('  time (sender done), parity repairs, re-sends', `${lane.seconds.toFixed(1)} s (${lane.senderDone.toFixed(1)} s), ${lane.repaired}, ${lane.resent}`);
line('lane / raw ceiling (wire bytes)', `${((lane.wireMbPerSec / raw.mbps) * 100).toFixed(1)} %`);
process.exit(0);
