/**
 * The machine's own ceilings, measured in the same run as the platform's figures so that ratios
 * compare across machines: single-row inserts/s with pgbench, and a bare fastify route's requests/s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import Fastify from 'fastify';
import autocannon from 'autocannon';
import { createTestDatabase } from '@hall/testkit';

export async function pgbenchInsertsPerSecond(seconds = 5): Promise<number> {
  const db = await createTestDatabase({ prefix: 'bench_pgbench' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-pgbench-'));
  try {
    const u = new URL(db.url);
    const conn = ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres')];
    execFileSync('psql', [...conn, '-q', '-d', db.name, '-c', 'CREATE TABLE t (id bigserial PRIMARY KEY, v double precision NOT NULL, at timestamptz NOT NULL DEFAULT now())']);
    const script = path.join(dir, 'insert.sql');
    fs.writeFileSync(script, 'INSERT INTO t (v) VALUES (random());\n');
    const out = execFileSync('pgbench', [...conn, '-n', '-f', script, '-c', '8', '-j', '2', '-T', String(seconds), db.name], { encoding: 'utf8', env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) } });
    const m = /tps = ([\d.]+)/.exec(out);
    if (!m) throw new Error(`pgbench printed no tps:\n${out}`);
    return Number(m[1]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

export async function load(url: string, seconds: number, opts: { connections?: number; method?: 'GET' | 'POST'; headers?: Record<string, string> } = {}) {
  const r = await autocannon({ url, duration: seconds, connections: opts.connections ?? 32, method: opts.method ?? 'GET', headers: opts.headers });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

export async function bareFastify(seconds = 5) {
  const app = Fastify({ logger: false });
  app.get('/ping', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  try {
    return await load(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/ping`, seconds);
  } finally {
    await app.close();
  }
}
