/**
 * Every published demo item, both halls (涡阳 and 珠海), from application to its end state, API only:
 * an applicant of the right kind (a person, or a company's handler acting for it) fills the item's
 * own form with data generated from its JSON Schema, uploads every required material in an allowed
 * type and submits; the staff of each department act on every task the workflow opens (parallel
 * branches at once, other departments' steps by their own staff), the applicant pays where the item
 * has a payment step; the case must end 已办结 in declaration, approval and supervision, with a
 * certificate that verifies where the item issues one. Then one refusal per workflow shape that has
 * a refusing step: 不予许可 in the portal, denied and closed in supervision.
 *
 * Items run a few at a time; every wait is on an event (`eventually`, budget scaled by load). The
 * table it prints (item, departments, steps, certificate, seconds) is the one in docs/catalog.md.
 */
import { randomUUID } from 'node:crypto';
import type { Platform } from '@hall/platform';
import { sharedPlatform } from '../src/platform.js';
import { call, login, eventually, TINY_PNG } from '../src/client.js';
import { formDataFor, type FormFiller, type FormSchema } from '../src/form-data.js';
import { DEMO_CATALOG } from '../../services/catalog/src/demo-catalog.js';
import { demoAccounts, demoAdminUsername, DEMO_COMPANY, DEMO_PASSWORD } from '../../services/identity/src/seed.js';

/** Items at once: enough to overlap the lanes' latency, few enough for two cores. */
const CONCURRENCY = 5;
/** One case's wait for the next thing to act on (a lane crossing, a certificate); scaled by load. */
const STEP_WAIT_MS = 45_000;
const COMPANY_FIELDS = ['companyName', 'institutionName', 'organizationName', 'projectName'];

interface Item {
  code: string; name: string; hall: string; department: string; departmentName: string; certificateType?: string;
  formSchema: FormSchema; materials: { code: string; name: string; required: boolean; allowedTypes: string[] }[];
  workflow?: { steps: { key: string; name: string; position: string; department?: string; kind?: string; next?: string[]; join?: boolean; onRefuse?: string; when?: unknown }[] };
}
interface Task { taskId: string; stepKey: string; stepName: string; kind: string; department: string; position: string; status: string; openedAt: string }
interface CaseDetail { caseId: string; caseNumber: string; status: string; tasks: Task[]; workflow: { key: string; kind: string; department: string; departmentName: string }[] }
interface Row { code: string; name: string; departments: string; steps: string; certificate: string; seconds: number }

const STAFF = demoAccounts('staff');
const PUBLIC = demoAccounts('public');
const OUTCOME: Record<string, string> = { accept: 'accept', review: 'pass', decision: 'approve', complete: 'complete' };
const REFUSAL: Record<string, string> = { review: 'refuse', decision: 'deny' };

let platform: Platform;
const tokens = new Map<string, Promise<string>>();
const tokenOf = (realm: 'staff' | 'public', username: string) => {
  const key = `${realm}:${username}`;
  let t = tokens.get(key);
  if (!t) tokens.set(key, t = login(platform.url(realm === 'staff' ? 'identity-staff' : 'identity-public'), username, DEMO_PASSWORD));
  return t;
};

/** The demo account holding exactly this position in this department (the seed has one per position). */
function staffFor(department: string, position: string): string {
  const a = STAFF.find((s) => s.department === department && s.positions.length === 1 && s.positions[0] === position)
    ?? STAFF.find((s) => s.department === department && s.positions.includes(position));
  if (!a) throw new Error(`no demo staff for ${department}/${position}`);
  return a.username;
}

/** A legal person's item (法人): a company's, institution's, organisation's or project's form, or a business licence among its materials. */
const forCompany = (item: Item) => Object.keys(item.formSchema.properties ?? {}).some((k) => COMPANY_FIELDS.includes(k)) || item.materials.some((m) => m.code === 'business-license');

interface Applicant { token: string; headers: Record<string, string>; filler: FormFiller }
let companyPartyId: string | undefined;
async function applicantFor(item: Item): Promise<Applicant> {
  const company = forCompany(item);
  const username = company ? DEMO_COMPANY.handler : item.department.startsWith('zh-') ? 'huangmin' : 'zhoumengjie';
  const account = PUBLIC.find((a) => a.username === username)!;
  const token = await tokenOf('public', username);
  const filler: FormFiller = { name: account.name, idNumber: account.idNumber, phone: account.phone, ...(company ? { creditCode: DEMO_COMPANY.creditCode } : {}) };
  if (!company) return { token, headers: {}, filler };
  if (!companyPartyId) {
    const reps = await call('GET', `${platform.url('identity-public')}/v1/representations`, { token });
    companyPartyId = reps.body.items.find((r: { partyName: string }) => r.partyName === DEMO_COMPANY.name)?.partyId;
    if (!companyPartyId) throw new Error(`${username} does not represent ${DEMO_COMPANY.name}: ${JSON.stringify(reps.body)}`);
  }
  return { token, headers: { 'x-on-behalf-of': companyPartyId }, filler };
}

/** A file of a type the material allows (a real PNG, or a minimal PDF). */
function fileFor(allowed: string[]): { body: Buffer; type: string; ext: string } {
  if (allowed.includes('image/png')) return { body: TINY_PNG, type: 'image/png', ext: 'png' };
  if (allowed.includes('application/pdf')) return { body: Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n'), type: 'application/pdf', ext: 'pdf' };
  throw new Error(`no sample file for ${allowed.join(', ')}`);
}

/** Files the item (form from its schema, every required material) and resolves to the application and the owning department's view of its case. */
async function file(item: Item, who: Applicant) {
  const portal = platform.url('declaration');
  const materials = [];
  for (const m of item.materials.filter((x) => x.required)) {
    const f = fileFor(m.allowedTypes);
    const up = await call('POST', `${portal}/v1/materials?itemCode=${item.code}&materialCode=${m.code}&fileName=${encodeURIComponent(`${m.name}.${f.ext}`)}`, { token: who.token, headers: who.headers, body: f.body, contentType: f.type });
    if (up.status !== 201) throw new Error(`upload ${m.code}: ${up.status} ${JSON.stringify(up.body)}`);
    materials.push({ materialCode: m.code, materialId: up.body.materialId as string });
  }
  const form = formDataFor(item.formSchema, who.filler);
  const receipt = await call('POST', `${portal}/v1/applications`, { token: who.token, headers: { ...who.headers, 'idempotency-key': `every-item-${randomUUID()}` }, json: { itemCode: item.code, form, materials } });
  if (receipt.status !== 202) throw new Error(`submit: ${receipt.status} ${JSON.stringify(receipt.body)}`);
  const admin = await tokenOf('staff', demoAdminUsername(item.department));
  const found = await eventually(`case of ${item.code} in approval`, async () => {
    const r = await call('GET', `${platform.url('approval')}/v1/cases?q=${receipt.body.receiptNo}`, { token: admin });
    return r.body.items?.[0] as { caseId: string } | undefined;
  }, STEP_WAIT_MS);
  return { applicationId: receipt.body.applicationId as string, caseId: found.caseId, admin };
}

const detailOf = async (caseId: string, admin: string): Promise<CaseDetail> => {
  const r = await call('GET', `${platform.url('approval')}/v1/cases/${caseId}`, { token: admin });
  if (r.status !== 200) throw new Error(`case ${caseId}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};
const stateOf = (d: CaseDetail) => `${d.status}|${d.tasks.map((t) => `${t.stepKey}:${t.status}`).join(',')}`;

/** 网上缴费 of the case's open order, as the applicant does it through the demo provider's cashier. */
async function pay(caseNumber: string, who: Applicant): Promise<void> {
  const portal = platform.url('declaration');
  const order = await eventually(`payment order of ${caseNumber}`, async () => {
    const r = await call('GET', `${portal}/v1/payments`, { token: who.token });
    return (r.body.items ?? []).find((o: { caseNumber: string }) => o.caseNumber === caseNumber) as { orderId: string; status: string } | undefined;
  }, STEP_WAIT_MS);
  if (order.status !== 'pending') return; // waived: the case goes on by itself
  const trade = await call('POST', `${portal}/v1/payments/${order.orderId}/pay`, { token: who.token });
  if (trade.status !== 200) throw new Error(`pay ${caseNumber}: ${trade.status} ${JSON.stringify(trade.body)}`);
  const paid = await call('POST', `${portal}${trade.body.payUrl}/pay`, { body: Buffer.from(''), contentType: 'application/x-www-form-urlencoded' });
  if (paid.status !== 200) throw new Error(`cashier ${caseNumber}: ${paid.status}`);
}

/**
 * Acts on every open task of the case until it ends: as the step's department and position would
 * (accept, pass, approve, complete), or with a refusal at `refuseAt`; pays when it waits for a fee.
 */
async function drive(item: Item, caseId: string, admin: string, who: Applicant, refuseAt?: string): Promise<CaseDetail> {
  const end = refuseAt ? 'denied' : 'completed';
  let paidFor = false;
  let d = await detailOf(caseId, admin);
  for (;;) {
    if (d.status === end) return d;
    if (['denied', 'rejected', 'withdrawn', 'completed'].includes(d.status)) throw new Error(`${item.code} ended ${d.status}, expected ${end}`);
    const all = d.tasks.filter((t) => t.status === 'open');
    // The refusal alone: it denies the case and cancels the other branches' tasks.
    const open = all.some((t) => t.stepKey === refuseAt) ? all.filter((t) => t.stepKey === refuseAt) : all;
    await Promise.all(open.map(async (t) => {
      const token = await tokenOf('staff', staffFor(t.department, t.position));
      const refusal = t.stepKey === refuseAt ? REFUSAL[t.kind] : undefined;
      const outcome = refusal ?? OUTCOME[t.kind];
      if (!outcome) throw new Error(`${item.code}: no outcome for a ${t.kind} task (${t.stepKey})`);
      const r = await call('POST', `${platform.url('approval')}/v1/tasks/${t.taskId}/complete`, { token, json: { outcome, opinion: refusal ? '经审查，不符合法定条件，不予许可' : '经审查，符合条件' } });
      if (r.status !== 200) throw new Error(`${item.code} ${t.stepKey} ${outcome} as ${t.department}/${t.position}: ${r.status} ${JSON.stringify(r.body)}`);
    }));
    if (d.status === 'payment_pending' && !paidFor) { paidFor = true; await pay(d.caseNumber, who); }
    if (open.length) { d = await detailOf(caseId, admin); continue; }
    const before = stateOf(d);
    const waitingFor = d.tasks.filter((t) => t.status === 'waiting').map((t) => t.stepName).join('、') || d.status;
    d = await eventually(`${item.code} (${d.caseNumber}) to move on from ${d.status}, waiting at ${waitingFor}`, async () => {
      const next = await detailOf(caseId, admin);
      return stateOf(next) !== before ? next : null;
    }, STEP_WAIT_MS);
  }
}

/** The end state everywhere else: the applicant's view in the portal, supervision's record of the case. */
async function checkEnd(item: Item, applicationId: string, caseNumber: string, who: Applicant, status: 'completed' | 'denied') {
  const portal = platform.url('declaration');
  const application = await eventually(`${item.code} ${status} in the portal`, async () => {
    const r = await call('GET', `${portal}/v1/applications/${applicationId}`, { token: who.token, headers: who.headers });
    return r.body.status === status ? r.body : null;
  }, STEP_WAIT_MS);
  expect(application.statusText).toBe(status === 'completed' ? '已办结' : '不予许可');
  expect(application.caseNumber).toBe(caseNumber);
  const supervisor = await tokenOf('staff', 'supervisor01');
  const state = await eventually(`${item.code} (${caseNumber}) ${status} and closed in supervision`, async () => {
    const r = await call('GET', `${platform.url('supervision')}/v1/cases/${caseNumber}/timeline`, { token: supervisor });
    const s = r.body?.state as { status: string; closedAt: string | null } | undefined;
    return s?.status === status && s.closedAt ? s : null;
  }, STEP_WAIT_MS);
  return { application, state };
}

/** `受理 → （技术审查 ∥ 规划选址意见） → 办结`: steps in the order they opened, parallel branches (opened together) in brackets. */
function stepsText(tasks: Task[]): string {
  const groups = new Map<string, string[]>();
  for (const t of [...tasks].sort((a, b) => a.openedAt.localeCompare(b.openedAt))) groups.set(t.openedAt, [...(groups.get(t.openedAt) ?? []), t.stepName]);
  return [...groups.values()].map((g) => (g.length > 1 ? `（${g.join(' ∥ ')}）` : g[0])).join(' → ');
}

async function walk(item: Item): Promise<Row> {
  const started = Date.now();
  const who = await applicantFor(item);
  const { applicationId, caseId, admin } = await file(item, who);
  const d = await drive(item, caseId, admin, who);
  const { application } = await checkEnd(item, applicationId, d.caseNumber, who, 'completed');
  if (item.certificateType) {
    expect(application.certificateId).toBeTruthy();
    const v = await call('GET', `${platform.url('certificate')}/v1/certificates/${encodeURIComponent(application.certificateId)}/verify`, { token: admin });
    expect(v.body).toMatchObject({ status: 'valid', signatureValid: true });
  }
  const done = d.tasks.filter((t) => t.status === 'done');
  const names = new Map(d.workflow.map((s) => [s.department, s.departmentName]));
  const skipped = d.tasks.filter((t) => t.status === 'skipped').length;
  return {
    code: item.code, name: item.name,
    departments: [...new Set(done.map((t) => t.department))].map((x) => names.get(x) ?? x).join('、'),
    steps: `${stepsText(done)}${skipped ? `（跳过 ${skipped}）` : ''}`,
    certificate: item.certificateType ? `${item.certificateType} ✓` : '—',
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/**
 * Where a refusal of the workflow is decided: another department's opinion in a parallel branch
 * if there is one (it must cancel the other branches), else the decision, else a review.
 */
function refusalStep(item: Item): string | undefined {
  const steps = item.workflow?.steps ?? [];
  const refusing = steps.slice(1, -1).filter((s) => s.kind !== 'payment' && s.onRefuse !== 'continue');
  return (refusing.find((s) => s.department && s.department !== item.department)
    ?? refusing.find((s) => s.kind === 'decision' || ['approval', 'decision'].includes(s.position))
    ?? refusing[0])?.key;
}
/** Items with the same workflow (positions, kinds, branches; departments as own or other) share a shape. */
const shapeOf = (item: Item) => JSON.stringify((item.workflow?.steps ?? []).map((s) => [s.key, s.position, s.kind ?? '', s.next ?? [], !!s.join, s.onRefuse ?? '', !!s.when, s.department && s.department !== item.department ? 'other' : 'own']));

async function refuse(item: Item, at: string): Promise<string> {
  const who = await applicantFor(item);
  const { applicationId, caseId, admin } = await file(item, who);
  const d = await drive(item, caseId, admin, who, at);
  expect(d.tasks.filter((t) => t.status === 'open' || t.status === 'claimed')).toEqual([]);
  await checkEnd(item, applicationId, d.caseNumber, who, 'denied');
  return `${item.code} at ${at}`;
}

const why = (r: PromiseSettledResult<unknown>) => (r.status === 'rejected' ? String((r.reason as Error)?.message ?? r.reason).split('\n')[0]!.slice(0, 300) : '');

/** Runs `jobs` with at most `n` at once; every job's failure is kept, none stops the others; each end is told as it happens. */
async function pool<T>(jobs: { name: string; run: () => Promise<T> }[], n: number): Promise<PromiseSettledResult<T>[]> {
  const out: PromiseSettledResult<T>[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, async () => {
    while (next < jobs.length) {
      const i = next++;
      const t0 = Date.now();
      try { out[i] = { status: 'fulfilled', value: await jobs[i]!.run() }; } catch (reason) { out[i] = { status: 'rejected', reason }; }
      process.stdout.write(`every-item: ${jobs[i]!.name} ${out[i]!.status === 'fulfilled' ? 'done' : `FAILED ${why(out[i]!)}`} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    }
  }));
  return out;
}

describe('scenario: every-item', () => {
  let items: Item[];

  beforeAll(async () => {
    platform = (await sharedPlatform()).platform;
    const portal = platform.url('declaration');
    // Every demo item reaches the portal's replica (OUTBOUND lane); its publication is what the applicant sees.
    items = await eventually('every demo item published in the portal', async () => {
      const all = await Promise.all(DEMO_CATALOG.map(async (i) => {
        const r = await call('GET', `${portal}/v1/items/${i.code}`);
        return r.status === 200 ? r.body as Item : null;
      }));
      return all.every((x) => x) ? all as Item[] : null;
    }, 60_000);
  }, 120_000);

  it('has demo staff for every department and position the demo workflows use', () => {
    const missing: string[] = [];
    for (const i of DEMO_CATALOG) {
      for (const s of i.workflow?.steps ?? []) {
        if (s.kind === 'payment' || s.position === 'system') continue;
        const where = `${s.department ?? i.department}/${s.position}`;
        try { staffFor(s.department ?? i.department, s.position ?? ''); } catch { missing.push(`${i.code}/${s.key}: ${where}`); }
      }
      if (!STAFF.some((a) => a.username === demoAdminUsername(i.department) && a.roles.includes('dept_admin'))) missing.push(`${i.department}: admin`);
    }
    expect(missing).toEqual([]);
  });

  it('takes every published item of both halls from application to its end state, and refuses once per workflow', async () => {
    expect(items.length).toBeGreaterThanOrEqual(30);
    expect(new Set(items.map((i) => i.hall))).toEqual(new Set(['涡阳县网上办事大厅', '珠海市网上办事大厅']));
    const started = Date.now();

    const shapes = new Map<string, { item: Item; at: string }>();
    for (const i of items) {
      const at = refusalStep(i);
      if (at && !shapes.has(shapeOf(i))) shapes.set(shapeOf(i), { item: i, at });
    }
    const refusals = [...shapes.values()];
    const results = await pool<Row | string>([
      ...items.map((i) => ({ name: i.code, run: () => walk(i) })),
      ...refusals.map((r) => ({ name: `refusal ${r.item.code} at ${r.at}`, run: () => refuse(r.item, r.at) })),
    ], CONCURRENCY);
    const seconds = Math.round((Date.now() - started) / 100) / 10;

    const walked = results.slice(0, items.length);
    const refused = results.slice(items.length);
    const cell = (s: string) => s.replace(/\|/g, '\\|');
    const table = [
      '| item | departments | steps | certificate | seconds |',
      '|---|---|---|---|---|',
      ...walked.map((r, k) => (r.status === 'fulfilled'
        ? `| ${(r.value as Row).code} ${cell((r.value as Row).name)} | ${cell((r.value as Row).departments)} | ${cell((r.value as Row).steps)} | ${(r.value as Row).certificate} | ${(r.value as Row).seconds} |`
        : `| ${items[k]!.code} ${cell(items[k]!.name)} | FAILED: ${cell(why(r))} | | | |`)),
    ].join('\n');
    const refusalLines = refused.map((r, k) => `- ${refusals[k]!.item.code} ${refusals[k]!.item.name}, refused at ${refusals[k]!.at}: ${r.status === 'fulfilled' ? '不予许可, closed in supervision' : `FAILED: ${why(r)}`}`).join('\n');
    process.stdout.write(`\nevery demo item (${items.length} items, ${refusals.length} refusals, ${seconds} s, ${CONCURRENCY} at a time)\n${table}\n\nrefusals:\n${refusalLines}\n\n`);

    const failed = results.map((r, k) => (r.status === 'rejected' ? `${k < items.length ? items[k]!.code : `refusal ${refusals[k - items.length]!.item.code}`}: ${why(r)}` : null)).filter((x) => x);
    expect(failed).toEqual([]);
  }, 900_000);
});
