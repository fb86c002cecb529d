/**
 * Fault suite, whole platform, every process real. While two applicants keep submitting (each
 * submission: upload a material, then POST with an Idempotency-Key, retried with the same key
 * until accepted, as the portal does), rounds of faults hit the platform:
 *   1. SIGKILL declaration, restart it;
 *   2. SIGKILL every extranet service (identity-staff, catalog, approval, certificate,
 *      supervision, exchange), restart them — approval comes back behind a TCP proxy that adds
 *      latency to every Postgres round trip (a slow dependency) and stays slow to the end;
 *   3. SIGKILL identity-public, restart it;
 *   4. SIGKILL all four relay halves (both lanes, both zones), restart them;
 *   5. SIGKILL both NATS servers, restart them on the same port and store;
 *   6. crash both S3 endpoints (s3rver runs in this process: every socket is reset and the
 *      server closed, which is what clients see of a SIGKILL), restart them;
 *   7. pg_terminate_backend on every connection to every platform database (both zones' clusters).
 * After recovery — restarting the killed process is the only action taken, no other manual step —
 * every accepted submission is exactly one application and exactly one case, every event approval
 * published reaches supervision (and every case has its 网上受理 event there), and every process
 * is alive and ready.
 *
 * It is the last scenario on the shared platform (test-e2e/platform.test.ts): it leaves approval on
 * a slow database and every process restarted, so nothing may run after it. Its application
 * checks are scoped to its own submissions (idempotency keys `fault-…`; the earlier scenarios'
 * applications of the same applicants have other keys) and their cases; the outbox, the
 * supervision and the process checks stay platform-wide, which is stricter. It had a platform of its own before, which cost a
 * whole platform start and stop in every run.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Platform } from '@hall/platform';
import { startTcpProxy, type TcpProxy } from '@hall/testkit';
import { sharedPlatform, onSharedPlatformStopped } from '../src/platform.js';
import { call, login, eventually, TINY_PNG } from '../src/client.js';

const ITEM = '340621-WJW-XZQR-001';
const APPLICANTS = [['zhoumengjie', '周梦婕'], ['lisi', '李四']] as const;
let platform: Platform;
let slowDb: TcpProxy | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Accepted { key: string; applicationId: string; attempts: number }

/** One applicant submitting in a loop until told to stop; every submission retried until accepted. */
function startApplicant(username: string, name: string, accepted: Accepted[], failures: string[]) {
  let stopping = false;
  const run = (async () => {
    let token = '';
    const portal = () => platform.url('declaration');
    for (let n = 0; !stopping; n++) {
      const key = `fault-${username}-${n}-${randomUUID()}`;
      let materialId = '';
      let attempts = 0;
      // Until this submission is accepted: log in again, upload and re-submit the same body with
      // the same key, as the portal does. Connection errors and 5xx while a dependency is down
      // are expected; any other 4xx is a failure.
      for (;;) {
        attempts++;
        try {
          if (!token) token = await login(platform.url('identity-public'), username);
          if (!materialId) {
            const up = await call('POST', `${portal()}/v1/materials?itemCode=${ITEM}&materialCode=marriage-certificate&fileName=${encodeURIComponent('结婚证.png')}`, { token, body: TINY_PNG, contentType: 'image/png' });
            if (up.status === 201) materialId = up.body.materialId;
            else if (up.status === 401) token = '';
            else if (up.status < 500) failures.push(`${key}: upload ${up.status} ${JSON.stringify(up.body)}`);
          }
          if (materialId) {
            const body = {
              itemCode: ITEM,
              form: { applicantName: name, spouseName: '陶志强', marriageDate: '2025-10-01', existingChildren: 0, address: '安徽省亳州市涡阳县义门镇陶庄村', phone: '13800000000' },
              materials: [{ materialCode: 'marriage-certificate', materialId }],
            };
            const r = await call('POST', `${portal()}/v1/applications`, { token, json: body, headers: { 'idempotency-key': key } });
            if (r.status === 202) { accepted.push({ key, applicationId: r.body.applicationId, attempts }); break; }
            if (r.status === 401) token = '';
            else if (r.status < 500) failures.push(`${key}: submit ${r.status} ${JSON.stringify(r.body)}`);
          }
        } catch { /* not listening: being restarted */ }
        if (failures.length > 20) return;
        if (attempts > 400) { failures.push(`${key}: never accepted`); return; }
        await sleep(150);
      }
      // One new submission a second per applicant keeps several in flight at every fault (each
      // crosses the inbound lane to approval and supervision). At 300 ms the two applicants filed
      // about 230 applications in a run, nearly all of them while nothing was failing, and their
      // processing on a slow database took CPU from the restarts the rounds wait for.
      await sleep(1000);
    }
  })();
  return { stop: async () => { stopping = true; await run; } };
}

async function query<T = Record<string, unknown>>(database: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: platform.databaseUrl(database) });
  await client.connect();
  try { return (await client.query(sql, params)).rows as T[]; } finally { await client.end(); }
}

/** Where each accepted submission without a case got to: declaration's outbox, each relay half's ledger, approval's inbox. */
async function whereAreTheMissing(ids: string[]): Promise<string> {
  const have = new Set((await query<{ id: string }>('approval', 'SELECT application_id::text AS id FROM "case"')).map((r) => r.id));
  const missing = ids.filter((id) => !have.has(id));
  const out = [`${missing.length} of ${ids.length} accepted submissions have no case`];
  const sample = missing.slice(0, 5);
  const outbox = await query<{ correlation_id: string; id: string; sent_at: Date | null; attempts: number; last_error: string | null }>('declaration', `SELECT correlation_id, id::text AS id, sent_at, attempts, last_error FROM outbox WHERE type = 'application.submitted' AND correlation_id = ANY($1)`, [missing]);
  out.push(`declaration outbox: ${outbox.length} rows, ${outbox.filter((o) => !o.sent_at).length} unsent; e.g. ${JSON.stringify(outbox.slice(0, 3))}`);
  const msgIds = outbox.map((o) => o.id);
  for (const db of ['relay_inbound_sender', 'relay_inbound']) {
    try {
      const ledger = await query<{ status: string; n: number }>(db, `SELECT status, count(*)::int AS n FROM ledger_entry WHERE message_id = ANY($1) GROUP BY status`, [msgIds]);
      const q = await query<{ reason: string; n: number }>(db, `SELECT reason, count(*)::int AS n FROM quarantine_entry WHERE message_id = ANY($1) GROUP BY reason`, [msgIds]);
      const state = [...await query(db, 'SELECT * FROM lane_sender_state').catch(() => []), ...await query(db, 'SELECT * FROM lane_receiver_state').catch(() => [])];
      out.push(`${db}: ledger ${JSON.stringify(ledger)} quarantine ${JSON.stringify(q)} sender state ${JSON.stringify(state)}`);
    } catch (err) { out.push(`${db}: ${(err as Error).message}`); }
  }
  const inbox = await query<{ n: number }>('approval', `SELECT count(*)::int AS n FROM inbox WHERE message_id = ANY($1)`, [msgIds]);
  out.push(`approval inbox: ${inbox[0]?.n} of them handled; sample missing ${sample.join(', ')}`);
  return out.join('\n');
}

async function killAndRestart(names: string[]) {
  await Promise.all(names.map((n) => platform.kill(n, 'SIGKILL')));
  await sleep(1500);
  await Promise.all(names.map((n) => platform.restart(n)));
}

describe('scenario: faults during a stream of submissions', () => {
  beforeAll(async () => {
    platform = (await sharedPlatform()).platform;
    // Approval ends on the slow database's proxy: it may close only once the platform has stopped.
    onSharedPlatformStopped(async () => { await slowDb?.close(); });
  });

  it('loses nothing and duplicates nothing through kills, restarts, dropped connections and a slow database', async () => {
    const started = Date.now();
    // The item must have reached the portal before anyone can submit.
    await eventually('item replica', async () => (await call('GET', `${platform.url('declaration')}/v1/items/${ITEM}`)).status === 200, 60_000);
    const accepted: Accepted[] = [];
    const failures: string[] = [];
    const applicants = APPLICANTS.map(([username, name]) => startApplicant(username, name, accepted, failures));
    const progress = async (what: string) => {
      // Each round ends only once submissions go through again.
      const before = accepted.length;
      await eventually(`submissions after ${what}`, async () => accepted.length >= before + 2, 60_000, 100);
      process.stdout.write(`fault round ${what}: ${accepted.length} accepted, ${Math.round((Date.now() - started) / 1000)} s\n`);
    };

    await progress('warm-up');
    await killAndRestart(['declaration']);
    await progress('declaration');

    // A slow dependency: approval's Postgres behind a proxy adding latency to every chunk.
    const dbUrl = new URL(platform.processes.approval!.env.DATABASE_URL!);
    slowDb = await startTcpProxy({ targetHost: dbUrl.hostname, targetPort: Number(dbUrl.port || 5432), latencyMs: 15 });
    dbUrl.host = `${slowDb.host}:${slowDb.port}`;
    platform.processes.approval!.env.DATABASE_URL = dbUrl.toString();
    await killAndRestart(['identity-staff', 'catalog', 'approval', 'certificate', 'supervision', 'exchange']);
    await progress('extranet services (approval now on a slow database)');
    expect(slowDb.connections).toBeGreaterThan(0);

    await killAndRestart(['identity-public']);
    await progress('identity-public');

    await killAndRestart(['relay-inbound-sender', 'relay-inbound', 'relay-outbound-sender', 'relay-outbound']);
    await progress('relay halves');

    await Promise.all([platform.nats.internet.kill('SIGKILL'), platform.nats.extranet.kill('SIGKILL')]);
    await sleep(1500);
    await Promise.all([platform.nats.internet.restart(), platform.nats.extranet.restart()]);
    await progress('NATS servers');

    await Promise.all([platform.s3.internet.restart(), platform.s3.extranet.restart()]);
    await progress('S3 endpoints');

    const prefix = new URL(platform.databaseUrl('approval')).pathname.slice(1).replace(/_approval$/, '');
    // On each zone's cluster (the internet zone's on the machine's server, the extranet zone's on the run's own).
    const terminated: Record<string, number> = {};
    for (const [zone, { adminUrl }] of Object.entries(platform.postgres)) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        terminated[zone] = (await admin.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname LIKE $1 AND pid <> pg_backend_pid()`, [`${prefix}\\_%`])).rowCount ?? 0;
      } finally {
        await admin.end();
      }
    }
    expect(terminated.internet).toBeGreaterThan(0);
    expect(terminated.extranet).toBeGreaterThan(0);
    expect(terminated.internet! + terminated.extranet!).toBeGreaterThan(5);
    await progress('Postgres connections dropped');

    await Promise.all(applicants.map((a) => a.stop()));
    expect(failures).toEqual([]);
    const ids = accepted.map((a) => a.applicationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(accepted.length).toBeGreaterThanOrEqual(16);

    // Exactly one application per accepted submission, and no application nobody was told of
    // (every submission of this scenario, and only those, has an idempotency key `fault-…`).
    const apps = await query<{ id: string }>('declaration', `SELECT id::text AS id FROM application WHERE idempotency_key LIKE 'fault-%'`);
    expect(apps.map((a) => a.id).sort()).toEqual([...ids].sort());

    // Every accepted submission becomes exactly one case (application_id is unique in approval).
    const cases = await eventually('a case for every accepted submission', async () => {
      const rows = await query<{ application_id: string; case_number: string }>('approval', 'SELECT application_id::text, case_number FROM "case" WHERE application_id = ANY($1::uuid[])', [ids]);
      return rows.length >= ids.length ? rows : null;
    }, 120_000, 500).catch(async (err: Error) => { throw new Error(`${err.message}\n${await whereAreTheMissing(ids)}`); });
    expect(cases.map((c) => c.application_id).sort()).toEqual([...ids].sort());

    // Every event approval published reaches supervision, and every case's receipt is there.
    await eventually('every case event in supervision', async () => {
      const sent = await query<{ id: string }>('approval', `SELECT id::text AS id FROM outbox WHERE subject LIKE 'hall.x.%'`);
      const seen = new Set((await query<{ message_id: string }>('supervision', 'SELECT message_id FROM process_event')).map((r) => r.message_id));
      const receipts = new Set((await query<{ case_number: string }>('supervision', `SELECT case_number FROM process_event WHERE stage = '网上受理'`)).map((r) => r.case_number));
      return sent.length >= cases.length && sent.every((s) => seen.has(s.id)) && cases.every((c) => receipts.has(c.case_number));
    }, 90_000, 500);

    // Nothing left unpublished, and every process alive and ready without being touched again.
    const unsent = await query<{ n: number }>('approval', 'SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL');
    expect(unsent[0]!.n).toBe(0);
    await eventually('every process alive and ready', async () => {
      for (const p of Object.values(platform.processes)) {
        if (p.child?.exitCode !== null || p.child?.signalCode !== null) return false;
        if ((await fetch(`${p.url}/ready`)).status !== 200) return false;
      }
      return true;
    }, 30_000, 500);
    // Processes that exited on their own and were restarted by the launcher, as a deployment's
    // restart policy does (a relay half exits on purpose when its lease connection is cut).
    const restarted = Object.fromEntries(Object.entries(platform.processes).filter(([, p]) => p.restarts).map(([n, p]) => [n, p.restarts]));
    process.stdout.write(`restarted by the launcher: ${JSON.stringify(restarted)}\n`);
    process.stdout.write(`fault suite: ${accepted.length} submissions accepted, max attempts ${Math.max(...accepted.map((a) => a.attempts))}, ${Math.round((Date.now() - started) / 1000)} s\n`);
  }, 420_000);
});
