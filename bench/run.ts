/**
 * `pnpm bench [--seconds 30] [--rate 150] [--concurrency 64]`: starts the whole platform (both zones,
 * both lanes), drives it on loopback with applications (upload + submit, as the portal does) at a
 * fixed arrival rate for a bounded time, then reports: sustained end-to-end submissions/s (portal
 * API accepted → case created in approval), API and end-to-end latency p50/p99, lost and duplicated
 * cases, read requests/s on the guide page and search, and in the same run the machine's ceilings
 * (pgbench single-row inserts/s, a bare fastify route) with the ratios. Writes JSON and an SVG plot
 * of latency over time to bench-results/.
 *
 * It also says where the CPU goes (cpu.ts): CPU milliseconds per case of every platform process
 * (and of the Postgres backends of its databases) from the start of the load until the last case
 * arrives, the platform at rest, other work on the machine, and what the measured CPU per case
 * allows (all cores for the platform; the busiest single-threaded process on a core of its own).
 * `--profile` makes every platform process write a V8 CPU profile to bench-results/profiles/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startPlatform, REPO_ROOT } from '@hall/platform';
import { bareFastify, load, pgbenchInsertsPerSecond } from './ceilings.js';
import { latencySvg } from './plot.js';
import { cpuBetween, platformSnapshot, type CpuSnapshot } from './cpu.js';

const arg = (name: string, def: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def; };
const SECONDS = arg('seconds', 60);
const RATE = arg('rate', 150);
const CONCURRENCY = arg('concurrency', 64);
/** `--profile`: every platform process writes a V8 CPU profile (bench-results/profiles/<process>/) on exit. */
const PROFILE = process.argv.includes('--profile');
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
const prefix = `bench_${randomUUID().slice(0, 8)}`;
const profileDir = path.join(REPO_ROOT, 'bench-results', 'profiles');
const platform = await startPlatform({
  dataDir, adminDatabaseUrl: process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', databasePrefix: prefix, seed: true, logLevel: 'warn',
  ...(PROFILE ? { entry: (spec) => ['--cpu-prof', '--cpu-prof-dir', path.join(profileDir, spec.name), '--import', 'tsx', path.join(REPO_ROOT, 'services', spec.service, 'src/server.ts')] } : {}),
});
// CPU per process during the load and until the last case arrives (cpu.ts).
const adminDb = new pg.Client({ connectionString: process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
await adminDb.connect();
const cpuSnapshot = (): Promise<CpuSnapshot> => platformSnapshot(platform, adminDb, prefix, 'postgres (backends of the bench databases)');
const portal = platform.url('declaration');
try {
  for (let i = 0; i < 300; i++) { if ((await fetch(`${portal}/v1/items/${ITEM}`)).status === 200) break; await new Promise((r) => setTimeout(r, 200)); }
  const login = await (await fetch(`${platform.url('identity-public')}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'zhoumengjie', password: 'Hall#2026' }) })).json() as { accessToken: string };
  const auth = { authorization: `Bearer ${login.accessToken}` };
  const form = { applicantName: '周梦婕', spouseName: '陶志强', marriageDate: '2025-10-01', existingChildren: 0, address: '涡阳县义门镇陶庄村', phone: '13800000000' };

  log(`[3/5] 负载：${SECONDS} 秒…`);
  const accepted: { id: string; at: number; apiMs: number }[] = [];
  let failed = 0, inFlight = 0, skipped = 0;
  // Why submissions failed, e.g. 'upload 503' or 'submit TypeError: fetch failed': a 5xx is a finding, not noise.
  const failures = new Map<string, number>();
  const fail = (why: string) => { failed++; failures.set(why, (failures.get(why) ?? 0) + 1); };
  // The platform at rest (pollers, heartbeats): CPU that no submission pays for but every one competes with.
  const idleFrom = await cpuSnapshot();
  await new Promise((r) => setTimeout(r, 10_000));
  const idleCpu = cpuBetween(idleFrom, await cpuSnapshot());
  const cpuAtStart = await cpuSnapshot();
  const t0 = Date.now();
  const one = async () => {
    inFlight++;
    try {
      const up = await fetch(`${portal}/v1/materials?itemCode=${ITEM}&materialCode=marriage-certificate&fileName=m.png`, { method: 'POST', headers: { ...auth, 'content-type': 'image/png' }, body: new Uint8Array(PNG) });
      if (up.status !== 201) { fail(`upload ${up.status}`); return; }
      const { materialId } = await up.json() as { materialId: string };
      const start = performance.now();
      const r = await fetch(`${portal}/v1/applications`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': `bench-${randomUUID()}` }, body: JSON.stringify({ itemCode: ITEM, form, materials: [{ materialCode: 'marriage-certificate', materialId }] }) });
      const apiMs = performance.now() - start;
      if (r.status === 202) accepted.push({ id: ((await r.json()) as { applicationId: string }).applicationId, at: Date.now(), apiMs });
      else fail(`submit ${r.status} ${((await r.json().catch(() => ({}))) as { code?: string }).code ?? ''}`.trim());
    } catch (err) { fail(`error ${(err as Error).message}`); } finally { inFlight--; }
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
  const cpuAtEnd = await cpuSnapshot();
  const cpu = cpuBetween(cpuAtStart, cpuAtEnd);
  const loadWindowS = (cpuAtEnd.at - cpuAtStart.at) / 1000;
  const apps = new Map((await declDb.query<{ id: string; submitted_at: Date }>('SELECT id::text, submitted_at FROM application WHERE id = ANY($1::uuid[])', [ids])).rows.map((r) => [r.id, r.submitted_at.getTime()] as const));
  const dupes = Number((await approvalDb.query('SELECT count(*) - count(DISTINCT application_id) AS d FROM "case"')).rows[0].d);
  await approvalDb.end(); await declDb.end();
  const e2e = cases.map((c) => ({ at: apps.get(c.application_id)!, ms: c.received_at.getTime() - apps.get(c.application_id)! })).sort((a, b) => a.at - b.at);
  const lastCase = Math.max(...cases.map((c) => c.received_at.getTime()));
  const sustained = cases.length / ((Math.max(lastCase, loadEnd) - t0) / 1000);

  log('[5/5] 读取：办事指南与搜索…');
  // Each read right after a bare-route run, so that load from elsewhere on the machine hits both alike.
  const bareForGuide = await bareFastify(5);
  const guide = await load(`${portal}/v1/items/${ITEM}`, 5);
  const bareForSearch = await bareFastify(5);
  const search = await load(`${portal}/v1/items?q=${encodeURIComponent('生育')}`, 5);

  const results = {
    at: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30) },
    params: { seconds: SECONDS, targetRate: RATE, concurrency: CONCURRENCY },
    submissions: { accepted: accepted.length, failed, failures: Object.fromEntries(failures), skippedArrivals: skipped, casesCreated: cases.length, lost: accepted.length - cases.length, duplicated: dupes, sustainedEndToEndPerSecond: sustained },
    latencyMs: { apiP50: pct(accepted.map((a) => a.apiMs), 50), apiP99: pct(accepted.map((a) => a.apiMs), 99), e2eP50: pct(e2e.map((x) => x.ms), 50), e2eP99: pct(e2e.map((x) => x.ms), 99) },
    reads: { guideRps: guide.rps, guideP99: guide.p99, searchRps: search.rps, searchP99: search.p99, bareBeforeGuideRps: bareForGuide.rps, bareBeforeSearchRps: bareForSearch.rps },
    ceilings: { pgbenchInsertsPerSecond: pgbenchTps, bareFastifyRps: bare.rps, bareFastifyP99: bare.p99 },
    // What the measured CPU per case allows: the whole machine running nothing but the platform, and
    // each single-threaded process on a core of its own (the busiest one is the first to saturate).
    // The at-rest CPU (pollers, heartbeats) is paid whatever the rate: it is taken off the cores
    // first, and the rest divided by the marginal CPU of a case (what the load added, per case).
    cpuCeilings: (() => {
      const n = Math.max(1, cases.length);
      const own = cpu.filter((c) => !c.name.startsWith('other') && !c.name.startsWith('machine'));
      const rest = (name: string) => idleCpu.find((c) => c.name === name)?.cores ?? 0;
      const marginal = (c: { name: string; cpuMs: number }) => Math.max(0, c.cpuMs - rest(c.name) * loadWindowS * 1000) / n;
      const msPerCase = own.reduce((a, c) => a + c.cpuMs, 0) / n;
      const restCores = own.reduce((a, c) => a + rest(c.name), 0);
      const marginalMsPerCase = own.reduce((a, c) => a + marginal(c), 0);
      const services = own.filter((c) => !/^(postgres|bench|nats-server|esbuild|sh|sleep)\b/.test(c.name)); // Node services: one thread each
      const top = [...services].sort((a, b) => marginal(b) - marginal(a))[0];
      const topMs = top ? marginal(top) : NaN;
      return {
        platformCpuMsPerCase: msPerCase, platformAtRestCores: restCores, marginalCpuMsPerCase: marginalMsPerCase,
        machineBoundPerSecond: ((os.cpus().length - restCores) * 1000) / marginalMsPerCase,
        busiestProcess: top?.name, busiestProcessMarginalMsPerCase: topMs, busiestProcessBoundPerSecond: ((1 - (top ? rest(top.name) : 0)) * 1000) / topMs,
      };
    })(),
    cpuAtRest: idleCpu.map((c) => ({ name: c.name, cores: c.cores })),
    cpuPerProcess: cpu.map((c) => ({ ...c, msPerCase: cases.length ? c.cpuMs / cases.length : NaN })),
    ratios: { e2eToPgbench: sustained / pgbenchTps, guideToBareFastify: guide.rps / bareForGuide.rps, searchToBareFastify: search.rps / bareForSearch.rps },
  };
  const outDir = path.join(REPO_ROOT, 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = results.at.replace(/[:.]/g, '-');
  fs.writeFileSync(path.join(outDir, `e2e-${stamp}.json`), JSON.stringify(results, null, 2));
  fs.writeFileSync(path.join(outDir, `e2e-${stamp}.svg`), latencySvg(e2e.map((x) => ({ t: (x.at - t0) / 1000, ms: x.ms })), accepted.map((a) => ({ t: (a.at - t0) / 1000, ms: a.apiMs }))));

  const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '—');
  const rows: [string, string][] = [
    ['端到端提交（持续，件/秒）', f(sustained, 1)], ['  目标到达率（件/秒）', f(RATE)], ['  受理成功 / 失败 / 过载跳过', `${accepted.length} / ${failed} / ${skipped}${failures.size ? `（失败：${[...failures].map(([k, n]) => `${k} ×${n}`).join('，')}）` : ''}`],
    ['  丢失 / 重复办件', `${accepted.length - cases.length} / ${dupes}`], ['提交接口延迟 p50 / p99（毫秒）', `${f(results.latencyMs.apiP50)} / ${f(results.latencyMs.apiP99)}`],
    ['端到端延迟 p50 / p99（毫秒）', `${f(results.latencyMs.e2eP50)} / ${f(results.latencyMs.e2eP99)}`],
    ['办事指南读取（请求/秒，p99 毫秒）', `${f(guide.rps)} , ${f(guide.p99)}`], ['事项搜索（请求/秒，p99 毫秒）', `${f(search.rps)} , ${f(search.p99)}`],
    ['本机上限：pgbench 单行插入/秒', f(pgbenchTps)], ['本机上限：裸 fastify 路由 请求/秒', f(bare.rps)],
    ['比值：端到端 / pgbench', f(results.ratios.e2eToPgbench, 3)], ['比值：指南读取 / 紧邻的裸路由', `${f(results.ratios.guideToBareFastify, 3)}（裸路由 ${f(bareForGuide.rps)}）`], ['比值：搜索 / 紧邻的裸路由', `${f(results.ratios.searchToBareFastify, 3)}（裸路由 ${f(bareForSearch.rps)}）`],
  ];
  log('\n' + rows.map(([k, v]) => `${k.padEnd(28, '　')} ${v}`).join('\n'));
  log(`\n各进程 CPU（负载开始 → 最后一件到达审批，${f((Date.now() - t0) / 1000)} 秒）：`);
  for (const c of results.cpuPerProcess) log(`  ${c.name.padEnd(46)} ${f(c.cores, 2).padStart(6)} 核  ${f(c.msPerCase, 1).padStart(8)} 毫秒/件`);
  const cc = results.cpuCeilings;
  log(`  平台合计 ${f(cc.platformCpuMsPerCase, 1)} 毫秒 CPU/件（其中每件新增 ${f(cc.marginalCpuMsPerCase, 1)} 毫秒，空闲开销 ${f(cc.platformAtRestCores, 2)} 核）→ 本机 ${os.cpus().length} 核全部给平台时的上限 ${f(cc.machineBoundPerSecond, 1)} 件/秒；`);
  log(`  最忙的单线程进程 ${cc.busiestProcess} 每件新增 ${f(cc.busiestProcessMarginalMsPerCase, 1)} 毫秒 → 独占一核时的上限 ${f(cc.busiestProcessBoundPerSecond, 0)} 件/秒`);
  const restOf = (name: string) => idleCpu.find((c) => c.name === name)?.cores ?? NaN;
  log(`  （空闲 10 秒时平台各进程合计 ${f(idleCpu.filter((c) => !c.name.startsWith('other') && !c.name.startsWith('machine')).reduce((a, c) => a + c.cores, 0), 2)} 核；最大：${idleCpu.filter((c) => !c.name.startsWith('other') && !c.name.startsWith('machine')).slice(0, 4).map((c) => `${c.name} ${f(restOf(c.name), 3)}`).join('，')}）`);
  log(`\n结果：${path.join(outDir, `e2e-${stamp}.json`)}（以及同名 .svg 延迟曲线）`);
} finally {
  await adminDb.end();
  await platform.stop();
  await platform.dropDatabases();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
