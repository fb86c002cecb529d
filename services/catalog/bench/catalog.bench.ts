/**
 * Benchmark (issue 4): the portal's guide page / item detail and Chinese search, served by
 * declaration's replica, next to a bare fastify route in the same run, as requests/s and p99.
 * Target: each catalog route at ≥ 50% of the bare route's requests/s.
 *
 *   pnpm bench:catalog            (BENCH_SECONDS=5 BENCH_ROUNDS=3 BENCH_CONNECTIONS=50 BENCH_ITEMS=2000 to change,
 *                                  BENCH_ONLY=list to run only the routes whose label contains 'list')
 *
 * Starts its own Postgres database, NATS and S3 (as the service tests do), loads the demo catalog
 * plus generated variants (the seeds speak of thousands of items per city) into the replica,
 * and drives every server on 127.0.0.1 with autocannon for a bounded time.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { startService } from '@hall/service';
import { createServiceEnv } from '@hall/testkit/service-env';
import { definition as declaration } from '../../declaration/src/app.js';
import { replicaRepository } from '../../declaration/src/repository.js';
import type { Db as DeclarationDb } from '../../declaration/src/db.js';
import { DEMO_CATALOG } from '../src/demo-catalog.js';
import { toPublication, type ItemRow } from '../src/items.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ITEMS = Number(process.env.BENCH_ITEMS ?? 2000);
/** Each route is measured in this many (bare, route) pairs of BENCH_SECONDS each; the median pair is reported. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
/** Only the routes whose label contains this (e.g. BENCH_ONLY=list), for profiling one route. */
const ONLY = process.env.BENCH_ONLY;
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]!; };
const TOWNS = ['城关镇', '义门镇', '高公镇', '楚店镇', '西阳镇', '青町镇', '香洲区', '金湾区', '斗门区', '拱北街道'];

function publications() {
  const now = new Date();
  const row = (d: (typeof DEMO_CATALOG)[number], code: string, name: string) => toPublication({
    ...d, code, name, id: randomUUID(), version: 1, status: 'published', publishedAt: now, retiredAt: null, createdAt: now, updatedAt: now, bundle: null,
    implementationCode: null, certificateType: d.certificateType ?? null, keywords: d.keywords ?? [],
  } as unknown as ItemRow);
  const out = DEMO_CATALOG.map((d) => row(d, d.code, d.name));
  for (let i = 0; out.length < ITEMS; i++) {
    const d = DEMO_CATALOG[i % DEMO_CATALOG.length]!;
    out.push(row(d, `${d.code}-${String(i).padStart(5, '0')}`, `${d.name}（${TOWNS[i % TOWNS.length]}${Math.floor(i / DEMO_CATALOG.length)}）`));
  }
  return out;
}

/**
 * Also requests per CPU-second of this process (client and servers share it): on a machine where
 * other work takes the cores, requests/s fall with it but the CPU a request costs does not, so this
 * second ratio stays comparable when the first is disturbed.
 */
async function run(name: string, url: string): Promise<{ name: string; rps: number; p99: number; errors: number; perCpuSecond: number }> {
  const cpu0 = process.cpuUsage();
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, pipelining: 1, ...(process.env.BENCH_WORKERS ? { workers: Number(process.env.BENCH_WORKERS) } : {}) });
  const cpu = process.cpuUsage(cpu0);
  return { name, rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx, perCpuSecond: r.requests.total / ((cpu.user + cpu.system) / 1e6) };
}

const env = await createServiceEnv({ zone: 'internet', natsUser: 'declaration', objectStore: true });
const svc = await startService(declaration, env.env);
const bare = Fastify({ logger: false });
bare.get('/bare', async () => ({ code: '340621-WJW-XZQR-001', name: '生育登记（生育服务证办理）' }));
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
try {
  const items = publications();
  const db = svc.ctx.prisma as unknown as DeclarationDb;
  const replica = replicaRepository(db);
  for (let i = 0; i < items.length; i += 50) {
    await db.$transaction(async (tx) => { for (const p of items.slice(i, i + 50)) await replica.upsert(tx, p); }, { timeout: 60_000 });
  }
  const base = svc.url;
  const q = (s: string) => encodeURIComponent(s);
  // Warm up (JIT, the replica index, connection pools).
  for (const u of [`${base}/v1/items/340621-WJW-XZQR-001`, `${base}/v1/items?q=${q('残疾证')}`, `${bareUrl}/bare`]) await autocannon({ url: u, connections: 10, duration: 1 });

  const routes: [string, string][] = [
    ['platform stack only  GET /health', `${base}/health`],
    ['guide / item detail  GET /v1/items/:code', `${base}/v1/items/340621-WJW-XZQR-001`],
    ['search (name)        GET /v1/items?q=生育证', `${base}/v1/items?q=${q('生育证')}&pageSize=10`],
    ['search (fuzzy+dept)  GET /v1/items?q=残疾证 涡阳', `${base}/v1/items?q=${q('残疾证 涡阳')}&pageSize=10`],
    ['search (keyword)     GET /v1/items?q=环评', `${base}/v1/items?q=${q('环评')}&pageSize=10`],
    ['list, page 5         GET /v1/items?page=5', `${base}/v1/items?page=5&pageSize=20`],
  ].filter(([name]) => !ONLY || name.includes(ONLY));
  process.stdout.write(`\ncatalog benchmark: ${items.length} items in the replica, ${CONNECTIONS} connections, ${SECONDS}s per route, loopback\n`);
  process.stdout.write(`each route runs right after its own bare-route run, so that load from elsewhere on the machine affects both alike;\n${ROUNDS} such pairs per route, the pair with the median ratio is shown\n\n`);
  process.stdout.write(`${'route'.padEnd(48)} ${'req/s'.padStart(9)} ${'p99 ms'.padStart(7)} ${'bare req/s'.padStart(11)} ${'bare p99'.padStart(9)} ${'vs bare'.padStart(8)} ${'per CPU-s'.padStart(10)} ${'errors'.padStart(7)}\n`);
  let ok = true;
  for (const [name, url] of routes) {
    const pairs: { b: Awaited<ReturnType<typeof run>>; r: Awaited<ReturnType<typeof run>>; ratio: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const b = await run('bare', `${bareUrl}/bare`);
      const r = await run(name, url);
      pairs.push({ b, r, ratio: r.rps / b.rps });
    }
    const mid = median(pairs.map((p) => p.ratio));
    const { b, r, ratio } = pairs.find((p) => p.ratio === mid)!;
    r.errors = pairs.reduce((n, p) => n + p.r.errors, 0);
    if (!name.startsWith('platform') && (ratio < 0.5 || r.errors > 0)) ok = false;
    const perCpu = median(pairs.map((p) => p.r.perCpuSecond / p.b.perCpuSecond));
    process.stdout.write(`${name.padEnd(48)} ${r.rps.toFixed(0).padStart(9)} ${String(r.p99).padStart(7)} ${b.rps.toFixed(0).padStart(11)} ${String(b.p99).padStart(9)} ${(ratio * 100).toFixed(0).padStart(7)}% ${(perCpu * 100).toFixed(0).padStart(9)}% ${String(r.errors).padStart(7)}\n`);
  }
  process.stdout.write(`\n'vs bare' compares requests/s (the target, ≥ 50%); 'per CPU-s' compares requests per CPU-second of this process (median of the pairs)\n`);
  process.stdout.write(`target ≥ 50% of the bare route: ${ok ? 'met' : 'NOT met'}\n`);
  process.exitCode = ok ? 0 : 1;
} finally {
  await bare.close();
  await svc.stop();
  await env.cleanup();
}
