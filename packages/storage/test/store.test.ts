import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { Readable, Writable } from 'node:stream';
import { createLogger } from '@hall/logging';
import {
  createObjectStore,
  ensureBucketPatiently,
  ObjectNotFoundError,
  ObjectTooLargeError,
  StorageUnavailableError,
  type ObjectStore,
  type ObjectStoreConfig,
} from '../src/index.js';
import { ACCESS_KEY, SECRET_KEY, startS3, type RunningS3 } from './helpers.js';

const BUCKET = 'materials';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function storeFor(s3: { endpoint: string }, extra: Partial<ObjectStoreConfig> = {}): ObjectStore {
  return createObjectStore({ endpoint: s3.endpoint, accessKey: ACCESS_KEY, secretKey: SECRET_KEY, bucket: BUCKET, timeoutMs: 2000, ...extra });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('object store against s3rver', () => {
  let s3: RunningS3;
  let store: ObjectStore;
  beforeAll(async () => {
    s3 = await startS3({ buckets: [BUCKET] });
  });
  afterAll(async () => {
    await s3.stop();
  });
  beforeEach(() => {
    store = storeFor(s3, { breaker: { volumeThreshold: 2, resetTimeoutMs: 300 } });
  });
  afterEach(() => {
    store.close();
  });

  it('round-trips a buffer and a stream with sha256, size, content type and (non-ASCII) metadata', async () => {
    const body = randomBytes(300_000);
    const put = await store.put('a/b/one.bin', body, { contentType: 'application/octet-stream', metadata: { 'file-name': '身份证复印件.pdf', Owner: 'acct-1' } });
    expect(put).toEqual({ sha256: sha(body), size: body.length });
    await expect(store.stat('a/b/one.bin')).resolves.toEqual({
      size: body.length,
      contentType: 'application/octet-stream',
      metadata: { 'file-name': '身份证复印件.pdf', owner: 'acct-1' },
    });
    expect((await store.getBuffer('a/b/one.bin')).equals(body)).toBe(true);
    expect((await readAll(await store.getStream('a/b/one.bin'))).equals(body)).toBe(true);

    const parts = [Buffer.from('%PDF-1.7\n'), randomBytes(70_000), Buffer.from('%%EOF\n')];
    const streamed = await store.put('two.pdf', Readable.from(parts), { contentType: 'application/pdf', maxBytes: 100_000 });
    const whole = Buffer.concat(parts);
    expect(streamed).toEqual({ sha256: sha(whole), size: whole.length });
    expect((await store.getBuffer('two.pdf')).equals(whole)).toBe(true);
    expect((await store.stat('two.pdf'))?.contentType).toBe('application/pdf');

    await store.remove('two.pdf');
    await expect(store.stat('two.pdf')).resolves.toBeNull();
  });

  it('enforces maxBytes on put and get without storing anything or clobbering an existing object', async () => {
    const original = Buffer.from('the valid earlier upload');
    await store.put('limited.bin', original, { contentType: 'text/plain' });

    const chunks = [randomBytes(600), randomBytes(600), randomBytes(600)];
    const source = Readable.from(chunks);
    const err = await store.put('limited.bin', source, { contentType: 'text/plain', maxBytes: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectTooLargeError);
    expect(err).toMatchObject({ code: 'object_too_large', maxBytes: 1000 });
    await expect(store.put('fresh.bin', Readable.from(chunks), { contentType: 'text/plain', maxBytes: 1000 })).rejects.toBeInstanceOf(ObjectTooLargeError);
    await expect(store.put('fresh.bin', randomBytes(1001), { contentType: 'text/plain', maxBytes: 1000 })).rejects.toBeInstanceOf(ObjectTooLargeError);
    await expect(store.stat('fresh.bin')).resolves.toBeNull();
    expect((await store.getBuffer('limited.bin')).equals(original)).toBe(true);

    await expect(store.getBuffer('limited.bin', 5)).rejects.toBeInstanceOf(ObjectTooLargeError);
    expect(store.breakerState()).toBe('closed');
  });

  it('reports a missing object as null / ObjectNotFoundError without tripping the breaker', async () => {
    for (let i = 0; i < 6; i++) {
      await expect(store.stat(`missing-${i}`)).resolves.toBeNull();
      await expect(store.getBuffer(`missing-${i}`)).rejects.toBeInstanceOf(ObjectNotFoundError);
    }
    await expect(store.getStream('missing')).rejects.toMatchObject({ code: 'object_not_found', key: 'missing' });
    expect(store.breakerState()).toBe('closed');
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('serves a presigned GET URL that plain fetch() can download', async () => {
    const body = Buffer.from('certificate bytes 证照');
    await store.put('cert/1.txt', body, { contentType: 'text/plain; charset=utf-8' });
    const url = await store.presignedGetUrl('cert/1.txt', 60);
    const params = new URL(url).searchParams;
    expect(params.get('X-Amz-Expires')).toBe('60');
    expect(params.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
    // (s3rver does not verify V4 signatures, so refusing a tampered URL can only be checked on MinIO.)
  });

  it('creates its bucket once (ensureBucket is idempotent) and ping fails for a missing bucket', async () => {
    const other = storeFor(s3, { bucket: `certs-${randomBytes(3).toString('hex')}` });
    try {
      await expect(other.ping()).rejects.toMatchObject({ code: 'storage_unavailable', reason: 'no_bucket' });
      await other.ensureBucket();
      await other.ensureBucket();
      await expect(other.ping()).resolves.toBeUndefined();
      expect(other.breakerState()).toBe('closed');
    } finally {
      other.close();
    }
  });
});

describe('circuit breaker', () => {
  it('opens when the store goes away, fails fast while open, and closes by itself once it is back', async () => {
    const s3 = await startS3({ buckets: [BUCKET] });
    const lines: { msg: string }[] = [];
    // Resolves when the breaker logs that it closed (the event itself, rather than polling its state).
    let closedLogged!: () => void;
    const closed = new Promise<void>((r) => { closedLogged = r; });
    const logger = createLogger({ service: 'storage-test', level: 'info', destination: new Writable({ write(c, _e, cb) {
      const line = JSON.parse(String(c)) as { msg: string };
      lines.push(line);
      if (line.msg === 'storage breaker closed: store reachable again') closedLogged();
      cb();
    } }) });
    const store = storeFor(s3, { timeoutMs: 3000, logger, breaker: { volumeThreshold: 2, resetTimeoutMs: 300, errorThresholdPercentage: 50 } });
    let restarted: RunningS3 | undefined;
    try {
      await store.put('k', Buffer.from('v'), { contentType: 'text/plain' });
      await s3.stop();

      const failures: unknown[] = [];
      for (let i = 0; i < 4 && store.breakerState() !== 'open'; i++) failures.push(await store.stat('k').catch((e: unknown) => e));
      expect(failures.length).toBeGreaterThan(0);
      for (const f of failures) expect(f).toMatchObject({ code: 'storage_unavailable', reason: 'unreachable' });
      expect(store.breakerState()).toBe('open');

      const t0 = Date.now();
      const fast = await store.getBuffer('k').catch((e: unknown) => e);
      expect(Date.now() - t0).toBeLessThan(50); // far below the 3000 ms timeout: no request was made
      expect(fast).toBeInstanceOf(StorageUnavailableError);
      expect(fast).toMatchObject({ reason: 'circuit_open' });

      restarted = await startS3({ port: s3.port, directory: s3.directory });
      // No calls from here on: the breaker's own half-open probe must close it.
      await closed;
      expect(store.breakerState()).toBe('closed');
      const msgs = lines.map((l) => l.msg);
      const lastHalfOpen = msgs.lastIndexOf('storage breaker half-open: probing');
      expect(msgs.indexOf('storage breaker opened: failing fast')).toBeGreaterThanOrEqual(0);
      expect(lastHalfOpen).toBeGreaterThan(msgs.indexOf('storage breaker opened: failing fast'));
      expect(msgs.indexOf('storage breaker closed: store reachable again')).toBeGreaterThan(lastHalfOpen);
      expect((await store.getBuffer('k')).toString()).toBe('v');
    } finally {
      store.close();
      await restarted?.stop();
    }
  });

  it('times out against a store that accepts connections but never answers', async () => {
    const sockets = new Set<net.Socket>();
    const blackhole = net.createServer((s) => sockets.add(s));
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const port = (blackhole.address() as net.AddressInfo).port;
    const store = storeFor({ endpoint: `http://127.0.0.1:${port}` }, { timeoutMs: 200, breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } });
    try {
      const t0 = Date.now();
      const err = await store.ping().catch((e: unknown) => e);
      const took = Date.now() - t0;
      expect(err).toMatchObject({ code: 'storage_unavailable', reason: 'timeout' });
      expect(took).toBeGreaterThanOrEqual(190);
      expect(took).toBeLessThan(1500);
      await store.ping().catch(() => undefined);
      expect(store.breakerState()).toBe('open');
    } finally {
      store.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => blackhole.close(r));
    }
  });

  it('retries once on a socket reset (a stale keep-alive connection), but not endlessly', async () => {
    const s3 = await startS3({ buckets: [BUCKET] });
    // In front of s3rver: resets the first `resets` connections as soon as they send a request.
    let resets = 1;
    let seen = 0;
    const open = new Set<net.Socket>();
    const front = net.createServer((client) => {
      seen++;
      open.add(client);
      client.on('close', () => open.delete(client));
      if (resets > 0) {
        resets--;
        client.once('data', () => client.resetAndDestroy());
        return;
      }
      const upstream = net.createConnection({ host: '127.0.0.1', port: Number(new URL(s3.endpoint).port) });
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const store = storeFor({ endpoint: `http://127.0.0.1:${(front.address() as net.AddressInfo).port}` }, { breaker: { volumeThreshold: 100 } });
    try {
      const body = Buffer.from('重试一次');
      await expect(store.put('retry/once', body, { contentType: 'text/plain' })).resolves.toEqual({ sha256: sha(body), size: body.length });
      expect(seen).toBe(2);
      expect(await store.getBuffer('retry/once')).toEqual(body);

      resets = 1000;
      for (const c of open) c.destroy();
      await new Promise((r) => setTimeout(r, 50));
      const before = seen;
      const err = await store.stat('retry/once').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageUnavailableError);
      expect(err).toMatchObject({ reason: 'unreachable' });
      expect(seen - before).toBe(2);
    } finally {
      store.close();
      await new Promise((r) => front.close(r));
      await s3.stop();
    }
  });

  it('ensureBucketPatiently waits for a store that comes up late, and gives up after its limit', async () => {
    // A free port with nothing on it yet.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));

    const late = storeFor({ endpoint: `http://127.0.0.1:${port}` }, { bucket: 'late', breaker: { volumeThreshold: 2, resetTimeoutMs: 200 } });
    let s3: RunningS3 | undefined;
    try {
      // The store comes up once ensureBucketPatiently has failed and said it retries (its warning),
      // instead of after a fixed 1.5 s; it must not finish before the store is there.
      let retrying!: () => void;
      const failedOnce = new Promise<void>((r) => { retrying = r; });
      const logger = createLogger({ service: 'storage-test', level: 'warn', destination: new Writable({ write(c, _e, cb) {
        if ((JSON.parse(String(c)) as { msg: string }).msg === 'object store not available yet: retrying') retrying();
        cb();
      } }) });
      let finishedAt: number | undefined;
      const waiting = ensureBucketPatiently(late, { withinMs: 20_000, logger }).then(() => { finishedAt = Date.now(); });
      await failedOnce;
      expect(finishedAt).toBeUndefined();
      const upAt = Date.now();
      s3 = await startS3({ port });
      await waiting;
      expect(finishedAt).toBeGreaterThanOrEqual(upAt);
      await expect(late.ping()).resolves.toBeUndefined();
    } finally {
      late.close();
      await s3?.stop();
    }

    const never = storeFor({ endpoint: `http://127.0.0.1:${port}` }, { breaker: { volumeThreshold: 100 } });
    try {
      const t0 = Date.now();
      await expect(ensureBucketPatiently(never, { withinMs: 1000 })).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    } finally {
      never.close();
    }
  }, 30_000);
});
