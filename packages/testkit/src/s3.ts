/**
 * An S3-compatible object store for tests and the local demo: s3rver (MinIO cannot be installed
 * on these machines, ARCHITECTURE §6) on a free loopback port with a temporary directory, behind
 * SigV4 authentication and per-credential policies as MinIO's users and bucket policies give them
 * (./s3-auth.ts): anonymous, unknown, wrongly signed or out-of-policy requests get S3's 403 XML
 * errors before s3rver sees them.
 *
 * The check runs in-process as the first middleware of s3rver's own Koa app, so there is no second
 * hop and no private port another local process could reach: bodies stream straight into s3rver.
 * A body signed with a hex x-amz-content-sha256 (minio-js over http) or carrying Content-MD5 is
 * hashed on its way through and, on a mismatch, fails the write before the object is renamed into
 * place (s3rver-durable-put.ts), so nothing is stored.
 */
import { createRequire } from 'node:module';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http, { type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline, Transform } from 'node:stream';
import { Client as MinioClient } from 'minio';
import { freePort } from './net.js';
import { trackDir, untrackDir } from './processes.js';
import { applyDurablePut } from './s3rver-durable-put.js';
import { authorize, errorXml, operationOf, verifySigV4, type S3Credential, type S3Refusal } from './s3-auth.js';

export type { S3Credential, S3Grant } from './s3-auth.js';

export interface S3Server {
  endpoint: string;
  port: number;
  /** The root credential (every bucket, bucket creation): for tests and tools, never handed to a service. */
  accessKey: string;
  secretKey: string;
  directory: string;
  /** Where credentials added at run time live (one JSON file each, 0600): other processes may add there too. */
  credentialsDir: string;
  /** The store accepts this credential from now on, with its policy. */
  addCredential(c: S3Credential): void;
  /** Creates the bucket with the root credential unless it exists. */
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
  /** Closes the server (resetting every connection) but keeps its objects: restart() brings it back. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface StartS3Options {
  port?: number;
  /** Where objects live; a temporary directory (removed on stop) when omitted. */
  directory?: string;
  buckets?: string[];
  /** The root credential; random when omitted. */
  root?: { accessKey: string; secretKey: string };
  /** The credentials (with their policies) the store accepts besides root. */
  credentials?: S3Credential[];
}

/** The part of s3rver we use (it ships no types): a Koa application. */
interface KoaContext {
  req: IncomingMessage | NodeJS.ReadableStream;
  url: string;
  method: string;
  path: string;
  status: number;
  type: string;
  body: unknown;
  set(name: string, value: string): void;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverInstance {
  configureBuckets(): Promise<void>;
  callback(): http.RequestListener;
  middleware: Middleware[];
  logger?: { close(): void };
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;

// s3rver is CommonJS without types; require keeps the type surface local to this file.
const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverCtor;
// s3rver acknowledges a PUT before the file is written; see s3rver-durable-put.ts.
applyDurablePut();

/** Access keys are file names in credentialsDir: letters, digits, '-' and '_' only. */
const ACCESS_KEY = /^[A-Za-z0-9_-]{3,128}$/;

/** Writes a credential where a running store (in any process) looks up keys it does not know yet. */
export function writeCredential(credentialsDir: string, c: S3Credential): void {
  if (!ACCESS_KEY.test(c.accessKey)) throw new Error(`access key ${JSON.stringify(c.accessKey)}: letters, digits, '-' and '_' only`);
  fs.writeFileSync(join(credentialsDir, `${c.accessKey}.json`), JSON.stringify(c), { mode: 0o600 });
}

/** A fresh random credential with the given policy (tests; the launcher keeps its own in secrets.json). */
export function randomCredential(name: string, policy: Omit<S3Credential, 'accessKey' | 'secretKey'>): S3Credential {
  return { accessKey: `${name.replace(/[^A-Za-z0-9_-]/g, '-')}-${randomBytes(6).toString('hex')}`, secretKey: randomBytes(24).toString('base64url'), ...policy };
}

/** Creates a bucket through the S3 API with the root credential (for a store in another process). */
export async function createBucketAs(endpoint: string, root: { accessKey: string; secretKey: string }, name: string): Promise<void> {
  const u = new URL(endpoint);
  const client = new MinioClient({ endPoint: u.hostname, port: Number(u.port), useSSL: false, accessKey: root.accessKey, secretKey: root.secretKey, pathStyle: true, region: 'us-east-1' });
  if (await client.bucketExists(name)) return;
  await client.makeBucket(name, 'us-east-1').catch((err: { code?: string }) => {
    if (err.code !== 'BucketAlreadyOwnedByYou' && err.code !== 'BucketAlreadyExists') throw err;
  });
}

/**
 * Passes a request body through while hashing it; at its end, a digest that differs from the one
 * the client declared fails the stream (and with it s3rver's write) and is reported by failure().
 */
function verifyingBody(src: IncomingMessage, sha256?: string, md5Base64?: string): { body: Transform; failure(): S3Refusal | undefined } {
  const h256 = sha256 ? createHash('sha256') : undefined;
  const hmd5 = md5Base64 ? createHash('md5') : undefined;
  let failure: S3Refusal | undefined;
  const body = new Transform({
    transform(chunk: Buffer, _enc, done) {
      h256?.update(chunk);
      hmd5?.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      if (h256 && h256.digest('hex') !== sha256) failure = { status: 400, code: 'XAmzContentSHA256Mismatch', message: 'The provided \'x-amz-content-sha256\' header does not match what was computed.' };
      else if (hmd5 && hmd5.digest('base64') !== md5Base64) failure = { status: 400, code: 'BadDigest', message: 'The Content-MD5 you specified did not match what we received.' };
      done(failure ? new Error(failure.code) : null);
    },
  });
  // pipeline, not pipe: a client that aborts mid-body fails the write instead of leaving it hanging.
  pipeline(src, body, () => {});
  return { body, failure: () => failure };
}

function respond(ctx: KoaContext, r: S3Refusal): void {
  const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
  ctx.status = r.status;
  ctx.set('x-amz-request-id', requestId);
  ctx.type = 'application/xml';
  ctx.body = errorXml(r, ctx.path, requestId);
}

/** The authentication and policy middleware, first in s3rver's chain. */
function authentication(lookup: (accessKey: string) => S3Credential | undefined): Middleware {
  return async (ctx, next) => {
    const req = ctx.req as IncomingMessage;
    const verified = verifySigV4({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headersDistinct }, lookup);
    if ('status' in verified) return respond(ctx, verified);
    const copy = req.headers['x-amz-copy-source'];
    const op = operationOf(req.method ?? 'GET', req.url ?? '/', typeof copy === 'string' ? copy : undefined);
    if (!op) return respond(ctx, { status: 400, code: 'InvalidURI', message: 'Could not parse the specified URI.' });
    const refused = authorize(verified.credential, op);
    if (refused) return respond(ctx, refused);

    // s3rver knows one fixed key and does not check v4 signatures; the request is verified, so it
    // is handed on under that key (it still wants a known key for response-header overrides).
    if (req.headers.authorization) req.headers.authorization = req.headers.authorization.replace(/Credential=[^/]*\//, 'Credential=S3RVER/');
    else ctx.url = req.url!.replace(/([?&]X-Amz-Credential=)[^&]*?(%2F|\/)/i, '$1S3RVER$2');

    const md5 = typeof req.headers['content-md5'] === 'string' ? req.headers['content-md5'] : undefined;
    const sha = /^[0-9a-f]{64}$/.test(verified.payloadHash) ? verified.payloadHash : undefined;
    if ((req.method === 'PUT' || req.method === 'POST') && (sha || md5)) {
      const v = verifyingBody(req, sha, md5);
      ctx.req = v.body;
      try {
        await next();
      } catch (err) {
        const failure = v.failure();
        if (failure) return respond(ctx, failure);
        throw err;
      }
      return;
    }
    await next();
  };
}

export async function startS3(opts: StartS3Options = {}): Promise<S3Server> {
  const port = opts.port ?? (await freePort());
  const ownDir = opts.directory === undefined;
  const directory = opts.directory ?? (await mkdtemp(join(tmpdir(), 'hall-s3-')));
  if (ownDir) trackDir(directory);
  const credentialsDir = await mkdtemp(join(tmpdir(), 'hall-s3-keys-'));
  trackDir(credentialsDir);
  const root = opts.root ?? { accessKey: `root-${randomBytes(6).toString('hex')}`, secretKey: randomBytes(24).toString('base64url') };
  const known = new Map<string, S3Credential>();
  known.set(root.accessKey, { ...root, admin: true });
  for (const c of opts.credentials ?? []) known.set(c.accessKey, c);
  const lookup = (accessKey: string): S3Credential | undefined => {
    const hit = known.get(accessKey);
    if (hit || !ACCESS_KEY.test(accessKey)) return hit;
    // Added by another process (a test worker on the shared store): read once, then kept.
    try {
      const c = JSON.parse(fs.readFileSync(join(credentialsDir, `${accessKey}.json`), 'utf8')) as S3Credential;
      if (c.accessKey !== accessKey) return undefined;
      known.set(accessKey, c);
      return c;
    } catch {
      return undefined;
    }
  };
  let server: Server | undefined;
  let s3rver: S3rverInstance | undefined;

  async function run(): Promise<void> {
    const s = new S3rver({
      directory,
      silent: true,
      // path-style requests only: vhost buckets would need DNS for <bucket>.127.0.0.1
      vhostBuckets: false,
      configureBuckets: (opts.buckets ?? []).map((name) => ({ name })),
    });
    s.middleware.unshift(authentication(lookup));
    await s.configureBuckets();
    const srv = http.createServer(s.callback());
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        srv.off('error', reject);
        resolve();
      });
    });
    server = srv;
    s3rver = s;
  }

  async function close(): Promise<void> {
    const srv = server;
    server = undefined;
    if (!srv) return;
    // Clients keep idle keep-alive sockets open, and close() would wait for them forever.
    const closed = new Promise<void>((r) => srv.close(() => r()));
    srv.closeAllConnections();
    await closed;
    s3rver?.logger?.close();
  }

  const removeDirs = async () => {
    await rm(credentialsDir, { recursive: true, force: true });
    untrackDir(credentialsDir);
    if (ownDir) {
      await rm(directory, { recursive: true, force: true });
      untrackDir(directory);
    }
  };

  try {
    await run();
  } catch (err) {
    await removeDirs();
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    accessKey: root.accessKey,
    secretKey: root.secretKey,
    directory,
    credentialsDir,
    addCredential(c) {
      writeCredential(credentialsDir, c);
      known.set(c.accessKey, c);
    },
    createBucket: (name) => createBucketAs(endpoint, root, name),
    async stop() {
      await close();
      await removeDirs();
    },
    kill: close,
    async restart() {
      await close();
      await run();
    },
  };
}
