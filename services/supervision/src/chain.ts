/**
 * Tamper-evident audit chain (防篡改审计链) over every supervision record. Each write of a record
 * appends an entry holding the SHA-256 of the record's state (canonical JSON of the row, read back
 * inside the writing transaction) and the hash of the previous entry, so that
 *   - a changed record no longer matches its latest entry's record hash,
 *   - a deleted record has an entry but no row,
 *   - a deleted or edited entry breaks the link of the entry after it,
 *   - a row written around the chain (or whose entries were cut off the end) has no entry.
 * `verifyChain` checks all four and says where. Appends are serialized by a transaction-level
 * advisory lock, so the chain is one line even with concurrent writers.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '@hall/contracts';
import type { SqlExecutor } from '@hall/messaging';

/** The chained tables and their key column. The case projection (supervised_case) is derived from the chained events, so it is not chained itself. */
export const CHAINED: Record<string, string> = {
  process_event: 'message_id',
  item: 'code',
  warning: 'id',
  anomaly: 'id',
  rule_config: 'rule',
  duty_shift: 'id',
  staff_contact: 'account',
  rectification: 'id',
  province_exchange: 'id',
};
export type ChainedTable = keyof typeof CHAINED;

export const GENESIS = '0'.repeat(64);
const CHAIN_LOCK = 0x5355_5056; // 'SUPV'
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const entryHash = (e: { seq: number; recordType: string; recordId: string; recordHash: string; prevHash: string }) =>
  sha256(canonicalJson({ seq: e.seq, recordType: e.recordType, recordId: e.recordId, recordHash: e.recordHash, prevHash: e.prevHash }));

/** The row as JSON, timestamps in UTC whatever the session's time zone. */
async function rowJson(tx: SqlExecutor, table: string, id: string): Promise<unknown | null> {
  const key = CHAINED[table];
  if (!key) throw new Error(`table ${table} is not chained`);
  await tx.$executeRawUnsafe("SET LOCAL TIME ZONE 'UTC'");
  const rows = await tx.$queryRawUnsafe<{ j: unknown }[]>(`SELECT to_jsonb(t) AS j FROM "${table}" t WHERE "${key}"::text = $1`, id);
  return rows[0]?.j ?? null;
}

/** Serializes chain appends until the transaction ends; take it before row locks that event handlers also take. */
export async function lockChain(tx: SqlExecutor): Promise<void> {
  await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock(${CHAIN_LOCK})::text`);
}

export const recordHashOf = (row: unknown) => sha256(canonicalJson(row));

/** Appends the current state of one record to the chain; call inside the transaction that wrote it. */
export async function chainRecord(tx: SqlExecutor, table: ChainedTable, id: string): Promise<void> {
  const row = await rowJson(tx, table, id);
  if (row === null) throw new Error(`cannot chain ${table}/${id}: no such row`);
  await lockChain(tx);
  const last = await tx.$queryRawUnsafe<{ hash: string }[]>('SELECT hash FROM supervision_chain ORDER BY seq DESC LIMIT 1');
  const prevHash = last[0]?.hash ?? GENESIS;
  const seq = (await tx.$queryRawUnsafe<{ seq: number }[]>("SELECT nextval(pg_get_serial_sequence('supervision_chain', 'seq'))::int AS seq"))[0]!.seq;
  const recordHash = recordHashOf(row);
  const hash = entryHash({ seq, recordType: table, recordId: id, recordHash, prevHash });
  await tx.$executeRawUnsafe(
    'INSERT INTO supervision_chain (seq, record_type, record_id, record_hash, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6)',
    seq, table, id, recordHash, prevHash, hash,
  );
}

export type ChainProblemKind = 'entry_altered' | 'link_broken' | 'record_changed' | 'record_deleted' | 'record_unchained';
export interface ChainProblem { kind: ChainProblemKind; seq?: number; recordType?: string; recordId?: string; message: string }
export interface ChainReport { ok: boolean; entries: number; records: number; problems: ChainProblem[] }

const MESSAGES: Record<ChainProblemKind, (p: ChainProblem) => string> = {
  entry_altered: (p) => `审计链第 ${p.seq} 条记录被修改（哈希不符）`,
  link_broken: (p) => `审计链在第 ${p.seq} 条之前断开（前序条目被删除或修改）`,
  record_changed: (p) => `${p.recordType}/${p.recordId} 的内容与审计链第 ${p.seq} 条登记的哈希不符（记录被修改）`,
  record_deleted: (p) => `${p.recordType}/${p.recordId} 已不存在，但审计链第 ${p.seq} 条登记过它（记录被删除）`,
  record_unchained: (p) => `${p.recordType}/${p.recordId} 不在审计链中（绕过审计写入，或其审计条目被删除）`,
};
const problem = (p: Omit<ChainProblem, 'message'>): ChainProblem => ({ ...p, message: MESSAGES[p.kind](p as ChainProblem) });

/** Walks the whole chain and every chained table; read-only. */
export async function verifyChain(db: { $transaction<R>(fn: (tx: SqlExecutor) => Promise<R>, opts?: unknown): Promise<R> }): Promise<ChainReport> {
  return db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await tx.$executeRawUnsafe("SET LOCAL TIME ZONE 'UTC'");
    const problems: ChainProblem[] = [];
    const entries = await tx.$queryRawUnsafe<{ seq: number; record_type: string; record_id: string; record_hash: string; prev_hash: string; hash: string }[]>(
      'SELECT seq, record_type, record_id, record_hash, prev_hash, hash FROM supervision_chain ORDER BY seq');
    const latest = new Map<string, { seq: number; recordHash: string }>();
    let prev = GENESIS;
    for (const e of entries) {
      if (e.prev_hash !== prev) problems.push(problem({ kind: 'link_broken', seq: e.seq }));
      if (entryHash({ seq: e.seq, recordType: e.record_type, recordId: e.record_id, recordHash: e.record_hash, prevHash: e.prev_hash }) !== e.hash) {
        problems.push(problem({ kind: 'entry_altered', seq: e.seq, recordType: e.record_type, recordId: e.record_id }));
      }
      prev = e.hash;
      latest.set(`${e.record_type}\u0000${e.record_id}`, { seq: e.seq, recordHash: e.record_hash });
    }
    let records = 0;
    for (const [table, key] of Object.entries(CHAINED)) {
      const rows = await tx.$queryRawUnsafe<{ id: string; j: unknown }[]>(`SELECT "${key}"::text AS id, to_jsonb(t) AS j FROM "${table}" t`);
      const present = new Set<string>();
      for (const r of rows) {
        records++;
        present.add(r.id);
        const l = latest.get(`${table}\u0000${r.id}`);
        if (!l) problems.push(problem({ kind: 'record_unchained', recordType: table, recordId: r.id }));
        else if (l.recordHash !== recordHashOf(r.j)) problems.push(problem({ kind: 'record_changed', seq: l.seq, recordType: table, recordId: r.id }));
      }
      for (const [k, l] of latest) {
        const [t, id] = k.split('\u0000') as [string, string];
        if (t === table && !present.has(id)) problems.push(problem({ kind: 'record_deleted', seq: l.seq, recordType: table, recordId: id }));
      }
    }
    return { ok: problems.length === 0, entries: entries.length, records, problems };
  });
}
