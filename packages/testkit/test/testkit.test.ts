import { existsSync } from 'node:fs';
import pg from 'pg';
import { Client as MinioClient } from 'minio';
import { jetstreamManager } from '@nats-io/jetstream';
import { createLogger } from '@hall/logging';
import { connectNats } from '@hall/messaging';
import { createTestDatabase, dockerAvailable, freePort, startNatsZone, startPostgresContainerOrLocal, startS3 } from '../src/index.js';

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
