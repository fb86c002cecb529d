/**
 * `pnpm bench [--seconds 30] [--rate 150] [--concurrency 64]`: starts the whole platform (both zones,
 * both lanes), drives it on loopback with applications (upload + submit, as the portal does) at a
 * fixed arrival rate for a bounded time, then reports: sustained end-to-end submissions/s (portal
 * API accepted → case created in approval), API and end-to-end latency p50/p99, lost and duplicated
 * cases, read requests/s on the guide page and search, and in the same run the machine's ceilings
 * (pgbench single-row inserts/s, a bare fastify route) with the ratios. Writes JSON and an SVG plot
 * of latency over time to bench-results/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startPlatform, REPO_ROOT } from '@hall/platform';
import { bareFastify, load, pgbenchInsertsPerSecond } from './ceilings.js';
import { latencySvg } from './plot.js';

const arg = (name: string, def: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def; };
const SECONDS = arg('seconds', 30);
const RATE = arg('rate', 150);
const CONCURRENCY = arg('concurrency', 64);
const ITEM = '340621-WJW-XZQR-001';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const pct = (xs: number[], p: number) => { if (!xs.length) return NaN; const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!; };
const log = (s: string) => process.stdout.write(`${s}\n`);

log(`基准测试：${SECONDS} 秒，目标 ${RATE} 件/秒，并发上限 ${CONCURRENCY}`);
log('[1/5] 测量本机上限：pgbench 单行插入、裸 fastify 路由…');
const pgbenchTps = await pgbenchInsertsPerSecond(5);
const bare = await bareFastify(5);

log('[2/5] 启动整个平台（两网、两条单向通道）…');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hall-bench-'));
const platform = await startPlatform({ dataDir, adminDatabaseUrl: process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', databasePrefix: `bench_${randomUUID().slice(0, 8)}`, seed: true, logLevel: 'warn' });
const portal = platform.url('declaration');
try {
  for (let i = 0; i < 300; i++) { if ((await fetch(`${portal}/v1/items/${ITEM}`)).status === 200) break; await new Promise((r) => setTimeout(r, 200)); }
  const login = await (await fetch(`${platform.url('identity-public')}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'zhoumengjie', password: 'Hall#2026' }) })).json() as { accessToken: string };
  const auth = { authorization: `Bearer ${login.accessToken}` };
  const form = { applicantName: '周梦婕', spouseName: '陶志强', marriageDate: '2025-10-01', existingChildren: 0, address: '涡阳县义门镇陶庄村', phone: '13800000000' };

  log(`[3/5] 负载：${SECONDS} 秒…`);
  const accepted: { id: string; at: number; apiMs: number }[] = [];
  let failed = 0, inFlight = 0, skipped = 0;
  const t0 = Date.now();
  const one = async () => {
    inFlight++;
    try {
      const up = await fetch(`${portal}/v1/materials?itemCode=${ITEM}&materialCode=marriage-certificate&fileName=m.png`, { method: 'POST', headers: { ...auth, 'content-type': 'image/png' }, body: new Uint8Array(PNG) });
      if (up.status !== 201) { failed++; return; }
      const { materialId } = await up.json() as { materialId: string };
      const start = performance.now();
      const r = await fetch(`${portal}/v1/applications`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': `bench-${randomUUID()}` }, body: JSON.stringify({ itemCode: ITEM, form, materials: [{ materialCode: 'marriage-certificate', materialId }] }) });
      const apiMs = performance.now() - start;
      if (r.status === 202) accepted.push({ id: ((await r.json()) as { applicationId: string }).applicationId, at: Date.now(), apiMs }); else failed++;
    } catch { failed++; } finally { inFlight--; }
  };
  const tasks: Promise<void>[] = [];
  for (let n = 0; Date.now() - t0 < SECONDS * 1000; n++) {
    const due = t0 + (n * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= CONCURRENCY) { skipped++; continue; } // open loop: an overloaded system shows as skipped arrivals
    tasks.push(one());
  }
  await Promise.all(tasks);
  const loadEnd = Date.now();

  log('[4/5] 等待全部办件到达审批…');
  const approvalDb = new pg.Client({ connectionString: platform.databaseUrl('approval') });
  const declDb = new pg.Client({ connectionString: platform.databaseUrl('declaration') });
  await approvalDb.connect(); await declDb.connect();
  const ids = accepted.map((a) => a.id);
  let cases: { application_id: string; received_at: Date }[] = [];
  for (let i = 0; i < 240; i++) {
    cases = (await approvalDb.query('SELECT application_id::text, received_at FROM "case" WHERE application_id = ANY($1::uuid[])', [ids])).rows;
    if (cases.length >= ids.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const apps = new Map((await declDb.query<{ id: string; submitted_at: Date }>('SELECT id::text, submitted_at FROM application WHERE id = ANY($1::uuid[])', [ids])).rows.map((r) => [r.id, r.submitted_at.getTime()] as const));
  const dupes = Number((await approvalDb.query('SELECT count(*) - count(DISTINCT application_id) AS d FROM "case"')).rows[0].d);
  await approvalDb.end(); await declDb.end();
  const e2e = cases.map((c) => ({ at: apps.get(c.application_id)!, ms: c.received_at.getTime() - apps.get(c.application_id)! })).sort((a, b) => a.at - b.at);
  const lastCase = Math.max(...cases.map((c) => c.received_at.getTime()));
  const sustained = cases.length / ((Math.max(lastCase, loadEnd) - t0) / 1000);

  log('[5/5] 读取：办事指南与搜索…');
  const guide = await load(`${portal}/v1/items/${ITEM}`, 5);
  const search = await load(`${portal}/v1/items?q=${encodeURIComponent('生育')}`, 5);

  const results = {
    at: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30) },
    params: { seconds: SECONDS, targetRate: RATE, concurrency: CONCURRENCY },
    submissions: { accepted: accepted.length, failed, skippedArrivals: skipped, casesCreated: cases.length, lost: accepted.length - cases.length, duplicated: dupes, sustainedEndToEndPerSecond: sustained },
    latencyMs: { apiP50: pct(accepted.map((a) => a.apiMs), 50), apiP99: pct(accepted.map((a) => a.apiMs), 99), e2eP50: pct(e2e.map((x) => x.ms), 50), e2eP99: pct(e2e.map((x) => x.ms), 99) },
    reads: { guideRps: guide.rps, guideP99: guide.p99, searchRps: search.rps, searchP99: search.p99 },
    ceilings: { pgbenchInsertsPerSecond: pgbenchTps, bareFastifyRps: bare.rps, bareFastifyP99: bare.p99 },
    ratios: { e2eToPgbench: sustained / pgbenchTps, guideToBareFastify: guide.rps / bare.rps, searchToBareFastify: search.rps / bare.rps },
  };
  const outDir = path.join(REPO_ROOT, 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = results.at.replace(/[:.]/g, '-');
  fs.writeFileSync(path.join(outDir, `e2e-${stamp}.json`), JSON.stringify(results, null, 2));
  fs.writeFileSync(path.join(outDir, `e2e-${stamp}.svg`), latencySvg(e2e.map((x) => ({ t: (x.at - t0) / 1000, ms: x.ms })), accepted.map((a) => ({ t: (a.at - t0) / 1000, ms: a.apiMs }))));

  const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '—');
  const rows: [string, string][] = [
    ['端到端提交（持续，件/秒）', f(sustained, 1)], ['  目标到达率（件/秒）', f(RATE)], ['  受理成功 / 失败 / 过载跳过', `${accepted.length} / ${failed} / ${skipped}`],
    ['  丢失 / 重复办件', `${accepted.length - cases.length} / ${dupes}`], ['提交接口延迟 p50 / p99（毫秒）', `${f(results.latencyMs.apiP50)} / ${f(results.latencyMs.apiP99)}`],
    ['端到端延迟 p50 / p99（毫秒）', `${f(results.latencyMs.e2eP50)} / ${f(results.latencyMs.e2eP99)}`],
    ['办事指南读取（请求/秒，p99 毫秒）', `${f(guide.rps)} , ${f(guide.p99)}`], ['事项搜索（请求/秒，p99 毫秒）', `${f(search.rps)} , ${f(search.p99)}`],
    ['本机上限：pgbench 单行插入/秒', f(pgbenchTps)], ['本机上限：裸 fastify 路由 请求/秒', f(bare.rps)],
    ['比值：端到端 / pgbench', f(results.ratios.e2eToPgbench, 3)], ['比值：指南读取 / 裸路由', f(results.ratios.guideToBareFastify, 3)], ['比值：搜索 / 裸路由', f(results.ratios.searchToBareFastify, 3)],
  ];
  log('\n' + rows.map(([k, v]) => `${k.padEnd(28, '　')} ${v}`).join('\n'));
  log(`\n结果：${path.join(outDir, `e2e-${stamp}.json`)}（以及同名 .svg 延迟曲线）`);
} finally {
  await platform.stop();
  await platform.dropDatabases();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
