import { existsSync } from 'node:fs';
import pg from 'pg';
import { Client as MinioClient } from 'minio';
import { jetstreamManager } from '@nats-io/jetstream';
import { createLogger } from '@hall/logging';
import { connectNats } from '@hall/messaging';
import { createHash } from 'node:crypto';
import { createTestDatabase, dockerAvailable, freePort, randomCredential, startNatsZone, startPostgresContainerOrLocal, startS3, type S3Credential } from '../src/index.js';
import { canonicalRequest, signature } from '../src/s3-auth.js';

const logger = createLogger({ service: 'testkit-test', level: 'silent' });

describe('freePort', () => {
  it('returns distinct usable loopback ports', async () => {
    const [a, b] = await Promise.all([freePort(), freePort()]);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
  });
});

describe('dockerAvailable', () => {
  it('is false when no engine answers on the socket', async () => {
    expect(await dockerAvailable('/nonexistent/docker.sock')).toBe(false);
  });
});

describe('startNatsZone', () => {
  it('starts a zone server, accepts the provisioner, has the zone streams, and stop removes the store', async () => {
    const server = await startNatsZone({ zone: 'extranet' });
    try {
      expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      expect(server.port).not.toBe(4222);
      expect(existsSync(server.storeDir)).toBe(true);
      const p = server.users.provisioner!;
      const nc = await connectNats({ servers: server.url, user: p.user, pass: p.pass, name: 'testkit-test', logger });
      try {
        const jsm = await jetstreamManager(nc);
        const names: string[] = [];
        for await (const n of jsm.streams.names()) names.push(n);
        expect(names.sort()).toEqual(['IN', 'OUT', 'QUARANTINE', 'X']);
        const info = await jsm.streams.info('IN');
        expect(info.config.subjects).toEqual(['hall.in.>']);
        expect(info.config.storage).toBe('file');
        expect(info.config.duplicate_window).toBe(2 * 60 * 1e9);
      } finally {
        await nc.close();
      }
    } finally {
      await server.stop();
    }
    expect(existsSync(server.storeDir)).toBe(false);
  });

  it('keeps the store with keepStore and restarts on the same port and store', async () => {
    const server = await startNatsZone({ zone: 'internet', keepStore: true });
    try {
      await server.kill();
      await server.restart();
      const p = server.users.provisioner!;
      const nc = await connectNats({ servers: server.url, user: p.user, pass: p.pass, name: 'testkit-test', logger });
      const jsm = await jetstreamManager(nc);
      expect((await jsm.streams.info('I')).config.subjects).toEqual(['hall.i.>']);
      await nc.close();
    } finally {
      await server.stop();
    }
    expect(existsSync(server.storeDir)).toBe(true);
    const { rm } = await import('node:fs/promises');
    await rm(server.storeDir, { recursive: true, force: true });
  });
});

describe('startS3', () => {
  it('serves put and get through the minio client, with the buckets created', async () => {
    const s3 = await startS3({ buckets: ['materials'] });
    try {
      const url = new URL(s3.endpoint);
      const client = new MinioClient({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey, pathStyle: true });
      expect(await client.bucketExists('materials')).toBe(true);
      await client.putObject('materials', 'a/b.txt', Buffer.from('营业执照'), undefined, { 'Content-Type': 'text/plain' });
      const stream = await client.getObject('materials', 'a/b.txt');
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString('utf8')).toBe('营业执照');
      await s3.restart();
      expect((await client.statObject('materials', 'a/b.txt')).size).toBe(Buffer.byteLength('营业执照'));
    } finally {
      await s3.stop();
    }
    expect(existsSync(s3.directory)).toBe(false);
  });
});

describe('startS3 authentication and policies', () => {
  const minio = (endpoint: string, c: { accessKey: string; secretKey: string }) => {
    const u = new URL(endpoint);
    return new MinioClient({ endPoint: u.hostname, port: Number(u.port), useSSL: false, accessKey: c.accessKey, secretKey: c.secretKey, pathStyle: true, region: 'us-east-1' });
  };
  /** A header-signed request with the given declared payload hash, whatever the body is. */
  const signedFetch = (endpoint: string, c: S3Credential, method: string, path: string, body: string, declared = createHash('sha256').update(body).digest('hex')) => {
    const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const headers: Record<string, string> = { host: new URL(endpoint).host, 'x-amz-date': amzDate, 'x-amz-content-sha256': declared };
    const signed = ['host', 'x-amz-content-sha256', 'x-amz-date'];
    const sig = signature(c.secretKey, amzDate, { date: amzDate.slice(0, 8), region: 'us-east-1', service: 's3' }, canonicalRequest({ method, url: path, headers }, signed, declared)!);
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${c.accessKey}/${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request, SignedHeaders=${signed.join(';')}, Signature=${sig}`;
    return fetch(`${endpoint}${path}`, { method, headers, ...(method === 'PUT' ? { body } : {}) });
  };
  const code = async (res: Response) => /<Code>([^<]+)<\/Code>/.exec(await res.text())?.[1];

  it('refuses anonymous list, get, put and delete with S3 XML errors', async () => {
    const s3 = await startS3({ buckets: ['materials'] });
    try {
      await minio(s3.endpoint, s3).putObject('materials', 'a.txt', Buffer.from('x'));
      for (const [method, path] of [['GET', '/'], ['GET', '/materials?list-type=2'], ['GET', '/materials/a.txt'], ['PUT', '/materials/a.txt'], ['DELETE', '/materials/a.txt']] as const) {
        const res = await fetch(`${s3.endpoint}${path}`, { method, ...(method === 'PUT' ? { body: 'replaced' } : {}) });
        expect([method, path, res.status, res.headers.get('content-type')]).toEqual([method, path, 403, 'application/xml']);
        expect(await code(res)).toBe('AccessDenied');
      }
      expect((await minio(s3.endpoint, s3).statObject('materials', 'a.txt')).size).toBe(1);
    } finally {
      await s3.stop();
    }
  });

  it('holds each credential to its bucket, prefixes and access; refuses wrong keys and signatures', async () => {
    const writer = randomCredential('writer', { grants: [{ bucket: 'materials', prefixes: ['materials/'], access: 'readwrite' }, { bucket: 'materials', prefixes: ['certificates/'], access: 'read' }] });
    const s3 = await startS3({ buckets: ['materials', 'other'], credentials: [writer] });
    try {
      const root = minio(s3.endpoint, s3);
      await root.putObject('materials', 'certificates/c.pdf', Buffer.from('%PDF'));
      await root.putObject('other', 'x', Buffer.from('other'));
      const w = minio(s3.endpoint, writer);
      expect(await w.bucketExists('materials')).toBe(true);
      await w.putObject('materials', 'materials/u1/a', Buffer.from('营业执照'));
      expect((await w.statObject('materials', 'materials/u1/a')).size).toBe(Buffer.byteLength('营业执照'));
      expect((await w.statObject('materials', 'certificates/c.pdf')).size).toBe(4);
      await expect(w.putObject('materials', 'certificates/c.pdf', Buffer.from('forged'))).rejects.toMatchObject({ code: 'AccessDenied' });
      await expect(w.getObject('other', 'x')).rejects.toMatchObject({ code: 'AccessDenied' });
      await expect(w.makeBucket('mine', 'us-east-1')).rejects.toMatchObject({ code: 'AccessDenied' });
      await expect(w.removeObject('materials', 'certificates/c.pdf')).rejects.toMatchObject({ code: 'AccessDenied' });
      await w.removeObject('materials', 'materials/u1/a');
      // A credential added at run time (as createServiceEnv does on the shared store) works at once.
      const late = randomCredential('late', { grants: [{ bucket: 'other', access: 'read' }] });
      s3.addCredential(late);
      expect((await minio(s3.endpoint, late).statObject('other', 'x')).size).toBe(5);
      await expect(minio(s3.endpoint, { accessKey: writer.accessKey, secretKey: 'wrong' }).statObject('materials', 'certificates/c.pdf')).rejects.toThrow();
      const wrongSecret = await signedFetch(s3.endpoint, { ...writer, secretKey: 'wrong' }, 'GET', '/materials/certificates/c.pdf', '');
      expect([wrongSecret.status, await code(wrongSecret)]).toEqual([403, 'SignatureDoesNotMatch']);
      const unknown = await signedFetch(s3.endpoint, { ...writer, accessKey: 'nobody' }, 'GET', '/materials/certificates/c.pdf', '');
      expect([unknown.status, await code(unknown)]).toEqual([403, 'InvalidAccessKeyId']);
    } finally {
      await s3.stop();
    }
  });

  it('serves presigned GETs, and stores nothing when the body does not match its signed hash', async () => {
    const s3 = await startS3({ buckets: ['materials'] });
    try {
      const root = minio(s3.endpoint, s3);
      await root.putObject('materials', 'doc.txt', Buffer.from('original'));
      const url = await root.presignedGetObject('materials', 'doc.txt', 60);
      expect(await (await fetch(url)).text()).toBe('original');
      const tampered = await fetch(url.replace('doc.txt', 'other.txt'));
      expect([tampered.status, await code(tampered)]).toEqual([403, 'SignatureDoesNotMatch']);
      const swapped = await signedFetch(s3.endpoint, s3, 'PUT', '/materials/doc.txt', 'swapped', createHash('sha256').update('original').digest('hex'));
      expect([swapped.status, await code(swapped)]).toEqual([400, 'XAmzContentSHA256Mismatch']);
      const ok = await signedFetch(s3.endpoint, s3, 'PUT', '/materials/new.txt', 'new');
      expect(ok.status).toBe(200);
      expect(ok.headers.get('etag')).toBe(`"${createHash('md5').update('new').digest('hex')}"`);
      const chunks: Buffer[] = [];
      for await (const c of await root.getObject('materials', 'doc.txt')) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('original');
    } finally {
      await s3.stop();
    }
  });
});

describe('createTestDatabase', () => {
  it('creates a usable database and drops it', async () => {
    const db = await createTestDatabase({ prefix: 'testkit' });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const r = await client.query<{ d: string }>('SELECT current_database() AS d');
    expect(r.rows[0]!.d).toBe(db.name);
    // left open on purpose: drop() must still succeed (WITH (FORCE))
    client.on('error', () => undefined);
    await db.drop();
    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.name]);
    await admin.end();
    expect(left.rowCount).toBe(0);
    await client.end().catch(() => undefined);
  });

  it('startPostgresContainerOrLocal falls back to a local database without Docker', async () => {
    const pgForTest = await startPostgresContainerOrLocal({ prefix: 'testkit_fallback' });
    try {
      expect(pgForTest.kind).toBe((await dockerAvailable()) ? 'container' : 'local');
      const client = new pg.Client({ connectionString: pgForTest.url });
      await client.connect();
      expect((await client.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
      await client.end();
    } finally {
      await pgForTest.stop();
    }
  });
});

describe('cleanup without teardown', () => {
  it('kills the servers and removes their directories when the test process dies', async () => {
    const { spawn } = await import('node:child_process');
    const { canConnect } = await import('../src/index.js');
    const { fileURLToPath } = await import('node:url');
    const fixture = fileURLToPath(new URL('./fixtures/orphan.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    const info = await new Promise<{ port: number; storeDir: string; s3Port: number; s3Dir: string }>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
    });
    expect(await canConnect('127.0.0.1', info.port)).toBe(true);
    child.kill('SIGKILL'); // no teardown, no 'exit' handler: only the reaper can clean up
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && ((await canConnect('127.0.0.1', info.port)) || existsSync(info.storeDir) || existsSync(info.s3Dir))) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await canConnect('127.0.0.1', info.port)).toBe(false);
    expect(existsSync(info.storeDir)).toBe(false);
    expect(existsSync(info.s3Dir)).toBe(false);
  }, 20_000);
});
