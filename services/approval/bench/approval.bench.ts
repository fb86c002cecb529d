/**
 * Benchmark (issue 7): the staff task inbox query and the accept action under 100,000 open cases,
 * reported as p50/p99 latency over HTTP on 127.0.0.1.
 *
 *   pnpm bench:approval            (BENCH_CASES=100000 BENCH_REQUESTS=300 to change)
 *
 * Starts its own Postgres database, NATS and S3 (as the service tests do), bulk-inserts the cases and
 * their open tasks with SQL (half waiting for 受理, half for 审批, all in one department: the worst
 * case for one clerk's inbox), then measures sequential requests of one clerk.
 */
import { randomUUID } from 'node:crypto';
import { startService } from '@hall/service';
import { createServiceEnv } from '@hall/testkit/service-env';
import { definition } from '../src/app.js';
import type { Db } from '../src/db.js';

const CASES = Number(process.env.BENCH_CASES ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!; };
const log = (s: string) => process.stdout.write(`${s}\n`);

const ITEM = {
  code: 'T-BENCH-001', version: 1, name: '生育登记', powerType: '行政确认', department: 'gy-wjw', departmentName: '涡阳县卫生健康委员会', hall: '涡阳县网上办事大厅', level: '县区',
  promisedDays: 5, statutoryDays: 20, guide: {}, formSchema: { type: 'object' }, materials: [], publishedAt: new Date().toISOString(),
};

const env = await createServiceEnv({ zone: 'extranet', natsUser: 'approval', objectStore: true });
const svc = await startService(definition, env.env);
const db = svc.ctx.prisma as unknown as Db;
try {
  await db.itemDefinition.create({ data: { code: ITEM.code, version: 1, name: ITEM.name, department: ITEM.department, departmentName: ITEM.departmentName, promisedDays: 5, publication: ITEM } });
  log(`[1/3] 批量写入 ${CASES} 件在办办件及其待办任务…`);
  const t0 = Date.now();
  await db.$executeRawUnsafe(`
    INSERT INTO "case" (id, case_number, application_id, receipt_no, item_code, item_version, item_name, department, applicant, form, materials, status, received_at, updated_at, promised_days, clock_start, due_date)
    SELECT gen_random_uuid(), 'GY-WJW-20261127-B' || lpad(g::text, 7, '0'), gen_random_uuid(), 'SB' || lpad(g::text, 16, '0'), $1, 1, '生育登记', 'gy-wjw',
           jsonb_build_object('accountId', 'acc-' || g, 'name', '申请人' || g, 'kind', 'person'), jsonb_build_object('address', '涡阳县城关镇' || g || '号'), '[]'::jsonb,
           CASE WHEN g % 2 = 0 THEN 'received' ELSE 'accepted' END, now() - make_interval(secs => g), now(), 5,
           CASE WHEN g % 2 = 0 THEN NULL ELSE '2026-11-20' END, CASE WHEN g % 2 = 0 THEN NULL ELSE '2026-11-27' END
    FROM generate_series(1, $2::int) g`, ITEM.code, CASES);
  await db.$executeRawUnsafe(`
    INSERT INTO case_task (id, case_id, step_key, step_name, kind, department, position, status, limit_days, opened_on, due_date, opened_at)
    SELECT gen_random_uuid(), c.id, CASE WHEN c.status = 'received' THEN 'accept' ELSE 'approve' END, CASE WHEN c.status = 'received' THEN '受理' ELSE '审批' END,
           CASE WHEN c.status = 'received' THEN 'accept' ELSE 'decision' END, 'gy-wjw', CASE WHEN c.status = 'received' THEN 'acceptance' ELSE 'approval' END, 'open', 1,
           '2026-11-20', to_char(date '2026-11-20' + (abs(hashtext(c.id::text)) % 30), 'YYYY-MM-DD'), c.received_at
    FROM "case" c WHERE c.item_code = $1`, ITEM.code);
  await db.$executeRawUnsafe('ANALYZE "case"; ');
  await db.$executeRawUnsafe('ANALYZE case_task');
  log(`      完成，用时 ${((Date.now() - t0) / 1000).toFixed(1)} 秒`);

  const token = env.token({ sub: `bench-${randomUUID()}`, name: '王受理', roles: ['staff'], department: 'gy-wjw', positions: ['acceptance'], region: '341621' });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const time = async (fn: () => Promise<Response>) => { const s = process.hrtime.bigint(); const r = await fn(); await r.arrayBuffer(); if (!r.ok) throw new Error(`HTTP ${r.status}`); return Number(process.hrtime.bigint() - s) / 1e6; };

  log(`[2/3] 待办查询（GET /v1/tasks，每页 20 条）× ${REQUESTS}…`);
  const inbox: number[] = [];
  for (let i = 0; i < 20; i++) await time(() => fetch(`${svc.url}/v1/tasks?pageSize=20&page=${1 + (i % 5)}`, { headers })); // warm-up
  for (let i = 0; i < REQUESTS; i++) inbox.push(await time(() => fetch(`${svc.url}/v1/tasks?pageSize=20&page=${1 + (i % 50)}`, { headers })));

  log(`[3/3] 受理（POST /v1/cases/:id/accept）× ${REQUESTS}…`);
  const ids = await db.$queryRawUnsafe<{ id: string }[]>(`SELECT id FROM "case" WHERE status = 'received' AND item_code = $1 ORDER BY random() LIMIT $2`, ITEM.code, REQUESTS);
  const accept: number[] = [];
  for (const { id } of ids) accept.push(await time(() => fetch(`${svc.url}/v1/cases/${id}/accept`, { method: 'POST', headers, body: '{}' })));

  const open = await db.caseTask.count({ where: { status: { in: ['open', 'claimed'] } } });
  log('');
  log(`在办办件 ${CASES}，开放任务 ${open}`);
  log(`待办查询  p50 ${pct(inbox, 50).toFixed(1)} ms  p99 ${pct(inbox, 99).toFixed(1)} ms  （${inbox.length} 次）`);
  log(`受理操作  p50 ${pct(accept, 50).toFixed(1)} ms  p99 ${pct(accept, 99).toFixed(1)} ms  （${accept.length} 次）`);
} finally {
  await svc.stop();
  await env.cleanup();
}
