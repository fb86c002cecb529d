/**
 * The object store client every service uses for materials and certificates: a `minio` client behind
 * one opossum circuit breaker per store, so a dead or hanging S3 endpoint turns into fast
 * StorageUnavailableErrors (HTTP 503) instead of piling up requests, and recovers by itself.
 */
import http from 'node:http';
import https from 'node:https';
import CircuitBreaker from 'opossum';
import { Client, S3Error } from 'minio';
import type { Logger } from '@hall/logging';
import { ObjectNotFoundError, ObjectTooLargeError, StorageUnavailableError } from './errors.js';
import { sha256Hex } from './sniff.js';

export interface ObjectStoreConfig {
  /** e.g. http://127.0.0.1:9000 */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region?: string;
  /** Per call, including reading the body for getBuffer; default 5000 ms. */
  timeoutMs?: number;
  breaker?: { resetTimeoutMs?: number; errorThresholdPercentage?: number; volumeThreshold?: number };
  logger?: Logger;
}

export interface ObjectStat {
  size: number;
  contentType: string;
  /** User metadata, keys lower-cased (S3 does so). */
  metadata: Record<string, string>;
}

export interface PutOptions {
  contentType: string;
  /** Default and ceiling: MAX_OBJECT_BYTES. */
  maxBytes?: number;
  /** Keys: letters, digits, '-'. Non-ASCII values (Chinese file names) are stored RFC 2047-encoded and decoded by stat. */
  metadata?: Record<string, string>;
}

export type BreakerState = 'closed' | 'open' | 'halfOpen';

export interface ObjectStore {
  bucket: string;
  ensureBucket(): Promise<void>;
  /**
   * Reads the body (enforcing maxBytes) while computing SHA-256 and size, then stores it in a single
   * PUT. Rejects with ObjectTooLargeError as soon as the body passes maxBytes; nothing is stored then.
   */
  put(key: string, body: Buffer | NodeJS.ReadableStream, opts: PutOptions): Promise<{ sha256: string; size: number }>;
  /** Rejects with ObjectNotFoundError when missing, ObjectTooLargeError past maxBytes. */
  getBuffer(key: string, maxBytes?: number): Promise<Buffer>;
  /** The breaker and timeout cover the request up to the response headers, not the streaming of the body. */
  getStream(key: string): Promise<NodeJS.ReadableStream>;
  /** null when not found. */
  stat(key: string): Promise<ObjectStat | null>;
  remove(key: string): Promise<void>;
  presignedGetUrl(key: string, expirySeconds: number): Promise<string>;
  /** For /ready: a cheap call through the breaker (bucketExists). */
  ping(): Promise<void>;
  breakerState(): BreakerState;
  /** Stops the breaker's timers and closes pooled connections (tests, graceful shutdown). */
  close(): void;
}

/**
 * The wrapper hands minio whole buffers: minio itself buffers any upload up to its part size (64 MiB)
 * in memory, and larger ones would need S3 multipart listing, which s3rver (the dev/test store) lacks.
 * Materials and certificates are far below this.
 */
export const MAX_OBJECT_BYTES = 64 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 5000;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'ESOCKETTIMEDOUT',
]);
/** Errors of a reused keep-alive socket the server had already closed. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);
/** S3 error codes that mean the store itself is struggling, as opposed to "your request was wrong". */
const SERVER_S3_CODES = new Set(['InternalError', 'ServiceUnavailable', 'SlowDown', 'RequestTimeout', 'XMinioServerNotInitialized', 'XMinioStorageFull']);
const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound']);
/** Headers minio's stat reports alongside user metadata (see minio's isSupportedHeader). */
const STANDARD_HEADERS = new Set(['content-type', 'cache-control', 'content-encoding', 'content-disposition', 'content-language', 'if-none-match', 'if-match']);

type Failure = 'not_found' | 'client' | 'network' | 'server' | 'timeout' | 'open' | 'shutdown';

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isNetworkError(err: unknown): boolean {
  if (NETWORK_CODES.has(errorCode(err) ?? '')) return true;
  // Node's happy-eyeballs connect reports every failed address inside an AggregateError.
  return err instanceof AggregateError && err.errors.some(isNetworkError);
}

function classify(err: unknown): Failure {
  if (err instanceof ObjectTooLargeError || err instanceof ObjectNotFoundError) return 'client';
  if (err instanceof StorageUnavailableError) return err.reason === 'no_bucket' ? 'client' : 'server';
  const code = errorCode(err);
  if (code === 'EOPENBREAKER') return 'open';
  if (code === 'ESHUTDOWN') return 'shutdown';
  // opossum's own timeout uses this code and message; a socket ETIMEDOUT is equally an outage.
  if (code === 'ETIMEDOUT' && /Timed out after/.test((err as Error).message)) return 'timeout';
  if (isNetworkError(err)) return 'network';
  if (err instanceof S3Error || (err as Error | null)?.name === 'S3Error') {
    if (code && NOT_FOUND_CODES.has(code)) return 'not_found';
    if (code && SERVER_S3_CODES.has(code)) return 'server';
    // The store answered with a well-formed refusal (AccessDenied, NoSuchBucket, ...): it is up.
    return 'client';
  }
  // minio's argument validation (InvalidObjectNameError, TypeError, ...) never reached the store.
  if (err instanceof TypeError || /^Invalid\w*Error$/.test((err as Error | null)?.name ?? '')) return 'client';
  return 'server';
}

function encodeMetaValue(v: string): string {
  // HTTP headers carry Latin-1 at best; S3 itself returns non-ASCII metadata RFC 2047-encoded.
  return /^[\x20-\x7e]*$/.test(v) ? v : `=?UTF-8?B?${Buffer.from(v, 'utf8').toString('base64')}?=`;
}

function decodeMetaValue(v: string): string {
  const m = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/i.exec(v);
  return m ? Buffer.from(m[1]!, 'base64').toString('utf8') : v;
}

async function readLimited(src: NodeJS.ReadableStream, maxBytes: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | null, value?: Buffer) => {
      if (done) return;
      done = true;
      src.removeListener('data', onData);
      src.removeListener('end', onEnd);
      src.removeListener('error', onError);
      src.removeListener('close', onClose);
      if (err) reject(err);
      else resolve(value!);
    };
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += b.length;
      if (size > maxBytes) {
        // Stop pulling; the owner of the stream decides whether to drain or drop the connection.
        src.pause();
        finish(new ObjectTooLargeError(maxBytes));
        return;
      }
      chunks.push(b);
    };
    const onEnd = () => finish(null, Buffer.concat(chunks, size));
    const onError = (err: Error) => finish(err);
    const onClose = () => finish(new Error('body stream closed before its end'));
    src.on('data', onData);
    src.once('end', onEnd);
    src.once('error', onError);
    src.once('close', onClose);
    src.resume();
  });
}

export function createObjectStore(cfg: ObjectStoreConfig): ObjectStore {
  const url = new URL(cfg.endpoint);
  const useSSL = url.protocol === 'https:';
  const agent = useSSL ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const client = new Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: cfg.accessKey,
    secretKey: cfg.secretKey,
    // A fixed region spares minio a GetBucketLocation round trip and lets presigning work offline.
    region: cfg.region ?? 'us-east-1',
    // Path-style: MinIO and s3rver are addressed by IP, where virtual-host buckets cannot resolve.
    pathStyle: true,
    transportAgent: agent,
  });
  const bucket = cfg.bucket;
  const timeoutMs = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const log = cfg.logger;

  const breaker = new CircuitBreaker<[() => Promise<unknown>], unknown>((op) => op(), {
    timeout: timeoutMs,
    resetTimeout: cfg.breaker?.resetTimeoutMs ?? 10_000,
    errorThresholdPercentage: cfg.breaker?.errorThresholdPercentage ?? 50,
    volumeThreshold: cfg.breaker?.volumeThreshold ?? 5,
    // A missing object or a refused request is an answer from a healthy store; counting it would let
    // a burst of 404s (or one client's bad keys) cut storage off for everyone.
    errorFilter: (err: unknown) => {
      const kind = classify(err);
      return kind === 'not_found' || kind === 'client';
    },
  });
  let closed = false;
  breaker.on('open', () => log?.warn({ bucket, endpoint: cfg.endpoint }, 'storage breaker opened: failing fast'));
  breaker.on('halfOpen', () => {
    log?.info({ bucket }, 'storage breaker half-open: probing');
    // Probe right away instead of waiting for user traffic, so /ready turns green on its own.
    setImmediate(() => {
      if (!closed) store.ping().catch(() => undefined);
    });
  });
  breaker.on('close', () => log?.info({ bucket }, 'storage breaker closed: store reachable again'));

  async function fireOnce<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return (await breaker.fire(fn)) as T;
    } catch (err) {
      // A pooled keep-alive socket the store closed just as we reused it: every operation here is
      // idempotent (puts go to fresh keys), so one retry on a new socket is safe. A refused
      // connection (store down) is not retried: that must fail fast.
      if (!closed && STALE_SOCKET_CODES.has(errorCode(err) ?? '')) {
        log?.debug({ bucket, code: errorCode(err) }, 'storage call hit a stale socket: retrying once');
        return (await breaker.fire(fn)) as T;
      }
      throw err;
    }
  }

  async function run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fireOnce(fn);
    } catch (err) {
      switch (classify(err)) {
        case 'open':
          throw new StorageUnavailableError(`object store unavailable (circuit open): ${op} not attempted`, 'circuit_open', { cause: err });
        case 'shutdown':
          throw new StorageUnavailableError('object store client is closed', 'closed', { cause: err });
        case 'timeout':
          throw new StorageUnavailableError(`object store ${op} timed out after ${timeoutMs} ms`, 'timeout', { cause: err });
        case 'network':
          throw new StorageUnavailableError(`object store unreachable during ${op}: ${(err as Error).message}`, 'unreachable', { cause: err });
        case 'server':
          if (err instanceof StorageUnavailableError) throw err;
          throw new StorageUnavailableError(`object store failed during ${op}: ${(err as Error).message}`, 'server_error', { cause: err });
        default:
          throw err;
      }
    }
  }

  const store: ObjectStore = {
    bucket,

    async ensureBucket() {
      await run('ensureBucket', async () => {
        if (await client.bucketExists(bucket)) return;
        try {
          await client.makeBucket(bucket, cfg.region ?? 'us-east-1');
        } catch (err) {
          // Another replica created it between our check and our create.
          const code = errorCode(err);
          if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
        }
      });
    },

    async put(key, body, opts) {
      const maxBytes = Math.min(opts.maxBytes ?? MAX_OBJECT_BYTES, MAX_OBJECT_BYTES);
      let buf: Buffer;
      if (Buffer.isBuffer(body)) {
        if (body.length > maxBytes) throw new ObjectTooLargeError(maxBytes);
        buf = body;
      } else {
        // Read before entering the breaker: the sender's pace (a citizen on a slow line) must
        // neither count against the store's timeout nor hold the half-open trial slot.
        buf = await readLimited(body, maxBytes);
      }
      const headers: Record<string, string> = { 'Content-Type': opts.contentType };
      for (const [k, v] of Object.entries(opts.metadata ?? {})) {
        if (!/^[A-Za-z0-9-]+$/.test(k)) throw new TypeError(`metadata key ${JSON.stringify(k)} must use letters, digits and '-' only`);
        headers[k.toLowerCase()] = encodeMetaValue(v);
      }
      await run('put', () => client.putObject(bucket, key, buf, buf.length, headers));
      return { sha256: sha256Hex(buf), size: buf.length };
    },

    async getBuffer(key, maxBytes = MAX_OBJECT_BYTES) {
      return run('get', async () => {
        let res;
        try {
          res = await client.getObject(bucket, key);
        } catch (err) {
          if (classify(err) === 'not_found') throw new ObjectNotFoundError(key);
          throw err;
        }
        const declared = Number((res as Partial<http.IncomingMessage>).headers?.['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          res.destroy();
          throw new ObjectTooLargeError(maxBytes);
        }
        try {
          return await readLimited(res, maxBytes);
        } catch (err) {
          res.destroy();
          throw err;
        }
      });
    },

    async getStream(key) {
      return run('get', async () => {
        try {
          return await client.getObject(bucket, key);
        } catch (err) {
          if (classify(err) === 'not_found') throw new ObjectNotFoundError(key);
          throw err;
        }
      });
    },

    async stat(key) {
      return run('stat', async () => {
        let st;
        try {
          st = await client.statObject(bucket, key);
        } catch (err) {
          if (classify(err) === 'not_found') return null;
          throw err;
        }
        const metadata: Record<string, string> = {};
        let contentType = 'application/octet-stream';
        for (const [k, v] of Object.entries(st.metaData as Record<string, unknown>)) {
          const lower = k.toLowerCase();
          if (lower === 'content-type') contentType = String(v);
          else if (!STANDARD_HEADERS.has(lower) && !lower.startsWith('x-amz-')) metadata[lower] = decodeMetaValue(String(v));
        }
        return { size: st.size, contentType, metadata };
      });
    },

    async remove(key) {
      await run('remove', () => client.removeObject(bucket, key));
    },

    async presignedGetUrl(key, expirySeconds) {
      return run('presign', () => client.presignedGetObject(bucket, key, expirySeconds));
    },

    async ping() {
      const exists = await run('ping', () => client.bucketExists(bucket));
      if (!exists) throw new StorageUnavailableError(`bucket ${bucket} does not exist`, 'no_bucket');
    },

    breakerState() {
      if (breaker.opened) return 'open';
      if (breaker.halfOpen) return 'halfOpen';
      return 'closed';
    },

    close() {
      closed = true;
      breaker.shutdown();
      agent.destroy();
    },
  };
  return store;
}

/**
 * ensureBucket at start-up, retried while the store is unavailable (slow, restarting, breaker open)
 * for up to `withinMs`: a service started next to a busy or rebooting object store should wait for
 * it, as it waits for Postgres and NATS, instead of exiting (a catalog restart failed on one 5-s
 * timeout at load 19). Anything but unavailability (credentials refused, ...) fails at once.
 */
export async function ensureBucketPatiently(store: ObjectStore, opts: { withinMs?: number; logger?: Logger } = {}): Promise<void> {
  const deadline = Date.now() + (opts.withinMs ?? 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      await store.ensureBucket();
      return;
    } catch (err) {
      if (!(err instanceof StorageUnavailableError) || Date.now() >= deadline) throw err;
      opts.logger?.warn({ bucket: store.bucket, attempt, reason: err.reason }, 'object store not available yet: retrying');
      await new Promise<void>((r) => setTimeout(r, Math.min(500 * attempt, 3000)));
    }
  }
}
