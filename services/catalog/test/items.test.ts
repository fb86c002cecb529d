import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startCatalog, itemRepository, seedCertificateDefinitions, type Harness } from './helpers.js';
import { DEMO_CATALOG, DEMO_BUNDLE } from '../src/demo-catalog.js';
import { importItems, parseImportFile } from '../src/import.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, 'fixtures/import-items.csv');
const base = (() => { const { version: _v, ...rest } = DEMO_CATALOG.find((i) => i.code === '440400-RSJ-XZQR-001')!; return rest; })();

let h: Harness;
let admin: string, clerk: string;
beforeAll(async () => {
  h = await startCatalog();
  await seedCertificateDefinitions(h.svc.ctx.prisma); // the demo items' certificate types and issuers, needed to publish them
  admin = h.env.token({ sub: randomUUID(), name: '目录管理员', roles: ['staff', 'catalog_admin'] });
  clerk = h.env.token({ sub: randomUUID(), name: '王受理', roles: ['staff'], department: 'zh-rsj', positions: ['acceptance'] });
}, 60_000);
afterAll(async () => { await h?.close(); }, 30_000);

const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, token = admin) =>
  h.svc.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

describe('item CRUD with validation', () => {
  const CODE = 'T-CRUD-001';
  const item = { ...base, code: CODE };

  it('creates a draft, refuses the same code twice and unknown properties', async () => {
    const r = await call('POST', '/v1/items', item);
    expect(r.statusCode).toBe(201);
    expect(r.json()).toEqual({ code: CODE, version: 1, status: 'draft' });
    expect((await call('POST', '/v1/items', item)).json()).toMatchObject({ code: 'item_exists' });
    const extra = await call('POST', '/v1/items', { ...item, code: 'T-CRUD-X', secret: 1 });
    expect(extra.statusCode).toBe(400);
    expect((await call('POST', '/v1/items', { ...item, code: 'T-CRUD-Y' }, clerk)).statusCode).toBe(403);
    const shown = (await call('GET', `/v1/items/${CODE}/versions/1`, undefined, clerk)).json();
    expect(shown).toMatchObject({ status: 'draft', name: base.name, publication: { kind: 'promised', visits: 0, workflow: { steps: expect.any(Array) } } });
    expect(shown.publication.flowchartSvg).toContain('<svg');
  });

  it('rejects an inconsistent item with every reason in Chinese', async () => {
    const bad = { ...item, code: 'T-CRUD-BAD', promisedDays: 70, statutoryDays: 60, online: false, visits: 0, guide: { ...item.guide, legalBasis: '' }, materials: [item.materials[0]!, item.materials[0]!] };
    const r = await call('POST', '/v1/items', bad);
    expect(r.statusCode).toBe(422);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json().code).toBe('item_invalid');
    const messages = r.json().errors.map((e: { message: string }) => e.message);
    expect(messages).toEqual(expect.arrayContaining([
      '办事指南缺少“办事依据”', '承诺时限 70 个工作日不能超过法定时限 60 个工作日', '不能网上办理的事项至少需要一次上门', '材料编码“id-card”重复',
    ]));
    expect(await h.svc.ctx.prisma.item.count({ where: { code: 'T-CRUD-BAD' } })).toBe(0);
  });

  it('rejects a broken workflow with workflow_invalid and the step named', async () => {
    const steps = item.workflow.steps.map((s) => (s.key === 'expert' ? { ...s, position: '' } : s));
    const r = await call('POST', '/v1/items', { ...item, code: 'T-CRUD-WF', workflow: { steps } });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ code: 'workflow_invalid', title: '办理流程定义有误', errors: [{ field: 'workflow.expert', message: '环节“评审委员会评审”未指定办理岗位' }] });
  });

  it('edits a draft, publishes it, then refuses edits and starts a new version instead', async () => {
    const edited = await call('PUT', `/v1/items/${CODE}/versions/1`, { ...item, keywords: ['职称', '中级'] });
    expect(edited.json()).toEqual({ code: CODE, version: 1, status: 'draft' });
    expect((await call('PUT', `/v1/items/${CODE}/versions/1`, { ...item, code: 'OTHER-1' })).json().code).toBe('code_mismatch');
    expect((await call('POST', `/v1/items/${CODE}/versions/1/publish`)).json()).toEqual({ result: 'published' });
    const refused = await call('PUT', `/v1/items/${CODE}/versions/1`, item);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('item_immutable');

    const v2 = await call('POST', `/v1/items/${CODE}/versions`, {});
    expect(v2.statusCode).toBe(201);
    expect(v2.json()).toEqual({ code: CODE, version: 2, status: 'draft' });
    expect((await call('POST', `/v1/items/${CODE}/versions`, {})).json().code).toBe('draft_exists');
    expect((await call('PUT', `/v1/items/${CODE}/versions/2`, { ...item, promisedDays: 45 })).statusCode).toBe(200);
    expect((await call('POST', `/v1/items/${CODE}/versions/2/publish`)).json()).toEqual({ result: 'published' });
    const rows = await h.svc.ctx.prisma.item.findMany({ where: { code: CODE }, orderBy: { version: 'asc' } });
    expect(rows.map((r) => [r.version, r.status, r.promisedDays, r.keywords])).toEqual([[1, 'retired', 40, ['职称', '中级']], [2, 'published', 45, base.keywords]]);
    expect((await call('POST', `/v1/items/${CODE}/versions/1/retire`)).json()).toEqual({ result: 'already' });
    expect((await call('POST', `/v1/items/${CODE}/versions/2/retire`)).json()).toEqual({ result: 'retired' });
    const retired = (await h.outbox('catalog.item.published')).find((o) => o.correlation_id === `${CODE}@2:retired`)!;
    expect(retired.payload.payload).toMatchObject({ code: CODE, version: 2, status: 'retired' });
  });

  it('finds items by name, keyword and department, and serves the flowchart', async () => {
    const list = (await call('GET', '/v1/items?q=职称', undefined, clerk)).json();
    expect(list.items.map((i: { code: string }) => i.code)).toContain(CODE);
    expect((await call('GET', '/v1/items?department=zh-rsj&status=retired', undefined, clerk)).json().total).toBeGreaterThanOrEqual(2);
    const svg = await call('GET', `/v1/items/${CODE}/versions/2/flowchart.svg`, undefined, clerk);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    expect(svg.body).toContain('评审委员会评审');
  });
});

describe('bundles (一件事一次办)', () => {
  it('composes a bundle from published items and refuses unpublished members', async () => {
    const repo = itemRepository(h.svc.ctx.prisma);
    for (const code of DEMO_BUNDLE.items) {
      await repo.ensureDraft(DEMO_CATALOG.find((i) => i.code === code)!, 'test');
      await repo.publish(code, 1, 'test');
    }
    const r = await call('POST', '/v1/bundles', DEMO_BUNDLE);
    expect(r.statusCode).toBe(201);
    const b = (await call('GET', `/v1/items/${DEMO_BUNDLE.code}/versions/1`)).json();
    expect(b.publication.bundle.map((m: { code: string }) => m.code)).toEqual(DEMO_BUNDLE.items);
    expect(b.publication.workflow.steps.find((s: { key: string }) => s.key === 'complete')).toMatchObject({ join: true });
    expect((await call('POST', `/v1/items/${DEMO_BUNDLE.code}/versions/1/publish`)).json()).toEqual({ result: 'published' });
    const missing = await call('POST', '/v1/bundles', { ...DEMO_BUNDLE, code: 'T-YJS-002', items: [DEMO_BUNDLE.items[0]!, 'NO-SUCH'] });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('bundle_item_not_published');
  });
});

describe('working-day calendar admin', () => {
  it('shows the bundled year, computes deadlines, and takes an admin override', async () => {
    expect((await call('GET', '/v1/calendar/2026', undefined, clerk)).json()).toMatchObject({ year: 2026, source: 'bundled' });
    expect((await call('GET', '/v1/calendar/deadline?from=2026-09-30&days=3', undefined, clerk)).json()).toEqual({ from: '2026-09-30', days: 3, deadline: '2026-10-10' });
    expect((await call('GET', '/v1/calendar/2027', undefined, clerk)).statusCode).toBe(404);
    const bad = await call('PUT', '/v1/calendar/2027', { holidays: [{ name: '元旦', from: '2027-01-01', to: '2026-12-31' }], workdays: [] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0].message).toBe('元旦：结束日期 2026-12-31 早于开始日期 2027-01-01');
    expect((await call('PUT', '/v1/calendar/2027', { holidays: [], workdays: [] }, clerk)).statusCode).toBe(403);
    const year = { holidays: [{ name: '元旦', from: '2027-01-01', to: '2027-01-03' }], workdays: [{ name: '元旦调休上班', date: '2027-01-09' }] };
    expect((await call('PUT', '/v1/calendar/2027', year)).statusCode).toBe(200);
    expect((await call('GET', '/v1/calendar/2027', undefined, clerk)).json()).toMatchObject({ ...year, source: 'override' });
    // 2026-12-31 (Thu) + 1: 2027-01-01…03 off, 01-04 (Mon) works.
    expect((await call('GET', '/v1/calendar/deadline?from=2026-12-31&days=1', undefined, clerk)).json().deadline).toBe('2027-01-04');
    expect((await call('GET', '/v1/calendar/deadline?from=2027-01-08&days=1', undefined, clerk)).json().deadline).toBe('2027-01-09');
  });

  // Issue 20: a day that does not exist answered 500 (the calendar threw); now it fails validation.
  it.each(['2026-02-30', '2026-13-01', '2025-02-29', '2026-04-31'])('should answer 400 problem+json to a deadline from the nonexistent date %s', async (from) => {
    const r = await call('GET', `/v1/calendar/deadline?from=${from}&days=3`, undefined, clerk);
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json()).toMatchObject({ code: 'validation_failed' });
    expect((await call('GET', '/v1/calendar/deadline?from=2028-02-29&days=1', undefined, clerk)).statusCode).toBe(200);
  });

  it('should refuse a calendar whose holiday is on a nonexistent date with 400', async () => {
    const r = await call('PUT', '/v1/calendar/2029', { holidays: [{ name: '元旦', from: '2029-02-30', to: '2029-02-31' }], workdays: [] });
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('validation_failed');
  });
});

describe('bulk import', () => {
  it('imports the good rows of a file with bad rows and reports each bad one with its reasons', async () => {
    const rows = parseImportFile(await readFile(FIXTURE, 'utf8'), 'csv');
    const progress: number[] = [];
    const report = await importItems(itemRepository(h.svc.ctx.prisma), rows, { actor: 'test-import', onRow: (n) => progress.push(n) });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(report).toMatchObject({ total: 9, imported: 3, rejected: 6 });
    const byRow = Object.fromEntries(report.rows.map((r) => [r.row, r]));
    expect([1, 2, 9].map((n) => byRow[n]!.result)).toEqual(['created', 'created', 'created']);
    const reasons = (n: number) => byRow[n]!.errors!.map((e) => e.message);
    expect(reasons(3)).toContain('承诺时限 30 个工作日不能超过法定时限 20 个工作日');
    expect(reasons(4)).toContain('办事指南缺少“办事依据”');
    expect(reasons(5)).toContain('承诺时限须为非负整数，实际为“五”');
    expect(reasons(6)).toContain('环节“受理”未指定办理岗位');
    expect(reasons(7)).toEqual(['事项类型不符合要求（powerType）']);
    expect(reasons(8)).toContain('事项编码“T-IMP-001”在文件中重复');
    const saved = await h.svc.ctx.prisma.item.findMany({ where: { code: { startsWith: 'T-IMP-' } }, orderBy: { code: 'asc' } });
    expect(saved.map((s) => [s.code, s.status])).toEqual([['T-IMP-001', 'draft'], ['T-IMP-002', 'draft'], ['T-IMP-008', 'draft']]);
    expect(saved[0]!.materials).toEqual([
      expect.objectContaining({ name: '母亲身份证', required: true }), expect.objectContaining({ name: '父亲身份证', required: true }), expect.objectContaining({ name: '结婚证', required: false }),
    ]);
    expect(saved[1]).toMatchObject({ kind: 'immediate', promisedDays: 0, visits: 1 });
  });

  it('runs from the command line with a progress bar, publishes with --publish and exits 1 on rejected rows', async () => {
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', path.join(here, '../src/import-cli.ts'), FIXTURE, '--publish'], { env: { ...process.env, DATABASE_URL: h.env.env.DATABASE_URL }, cwd: path.join(here, '..') });
      let stdout = '', stderr = '';
      p.stdout.on('data', (d) => { stdout += d; });
      p.stderr.on('data', (d) => { stderr += d; });
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('共 9 行，导入 3 行，驳回 6 行');
    expect(out.stdout).toContain('第 5 行（T-IMP-005）：承诺时限须为非负整数，实际为“五”');
    // Publishing checks what the certificate service would refuse: row 1's type is not defined, so the
    // file's second T-IMP-001 (no certificate) is the one published.
    expect(out.stdout).toContain('第 1 行（T-IMP-001）：证照类型“birth-medical-certificate”未在事项目录中定义，请先定义证照类型');
    expect(await h.svc.ctx.prisma.item.findFirst({ where: { code: 'T-IMP-001', status: 'published' }, select: { certificateType: true } })).toEqual({ certificateType: null });
    expect(await h.svc.ctx.prisma.item.count({ where: { code: { startsWith: 'T-IMP-' }, status: 'published' } })).toBe(3);
  }, 60_000);
});
