/** Declaration's repositories: item replica, materials, applications and their timeline. */
import { randomUUID } from 'node:crypto';
import type { ItemPublished, CaseStatusChanged, CertificateNotice, ApplicationSubmitted } from '@hall/contracts';
import { buildMessage } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import { chinaDateCompact } from '@hall/service';
import type { Db } from './db.js';
import type { Prisma } from './generated/prisma/client.js';
import { createReplicaIndex, replicaIndexFor } from './replica-index.js';

type Tx = Prisma.TransactionClient;


/** How far along a case is, so that status messages handled out of order never move it backwards. */
const RANK: Record<string, number> = { submitted: 0, received: 1, accepted: 2, rejected: 9, approved: 3, denied: 9, completed: 10 };

export function replicaRepository(db: Db) {
  const index = () => replicaIndexFor(db, () => createReplicaIndex({ loadAll: repo.loadAll, fingerprint: repo.fingerprint }));
  const repo = {
    /** Guides and search, from memory (see replica-index.ts). */
    get index() { return index(); },
    /** Keeps the newest version per item; a retirement is final for its version, whatever order messages arrive in. */
    async upsert(tx: Tx, p: ItemPublished['payload']): Promise<void> {
      await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', `replica:${p.code}`);
      const existing = await tx.itemReplica.findUnique({ where: { code: p.code } });
      if (existing && existing.version > p.version) return;
      const status = p.status ?? 'published';
      if (existing && existing.version === p.version && existing.status === 'retired' && status !== 'retired') return;
      const data = { version: p.version, name: p.name, department: p.department, status, publication: p as object, publishedAt: new Date(p.publishedAt), updatedAt: new Date() };
      await tx.itemReplica.upsert({ where: { code: p.code }, create: { code: p.code, ...data }, update: data });
      index().invalidate();
    },
    /** Every row, for the in-memory index (replica-index.ts) that serves guides and search. */
    loadAll: () => db.itemReplica.findMany({ select: { code: true, version: true, name: true, department: true, status: true, publication: true } }),
    /** Changes whenever a row is written. */
    fingerprint: async () => {
      const [r] = await db.$queryRawUnsafe<{ fp: string }[]>("SELECT count(*)::text || '/' || coalesce(max(updated_at)::text, '') AS fp FROM item_replica");
      return r!.fp;
    },
    /** An item that takes new applications: a retired version answers null. */
    get: (code: string) => db.itemReplica.findFirst({ where: { code, status: 'published' } }),
  };
  return repo;
}

export function materialRepository(db: Db) {
  return {
    create: (m: { accountId: string; itemCode: string; materialCode: string; fileName: string; objectKey: string; sha256: string; size: number; contentType: string }) =>
      db.material.create({ data: { id: randomUUID(), ...m } }),
    findOwned: (accountId: string, ids: string[]) => db.material.findMany({ where: { accountId, id: { in: ids } } }),
  };
}

export interface NewApplication {
  accountId: string;
  applicantName: string;
  item: ItemPublished['payload'];
  form: Record<string, unknown>;
  materials: { id: string; materialCode: string; fileName: string; objectKey: string; sha256: string; size: number; contentType: string }[];
  idempotencyKey: string;
  requestHash: string;
  /** Who submitted and in which capacity (audit of acting on behalf). */
  submittedBy?: { actorId: string; relation: string };
}

export function applicationRepository(db: Db) {
  return {
    findByKey: (accountId: string, idempotencyKey: string) => db.application.findUnique({ where: { accountId_idempotencyKey: { accountId, idempotencyKey } } }),
    /** Writes the application, attaches its materials, starts its timeline and enqueues the inbound message, in one transaction. */
    async submit(a: NewApplication) {
      return db.$transaction(async (tx) => {
        const [{ seq }] = await tx.$queryRawUnsafe<{ seq: bigint }[]>("SELECT nextval('receipt_no_seq') AS seq") as [{ seq: bigint }];
        const now = new Date();
        const ymd = chinaDateCompact(now);
        const receiptNo = `SB${ymd}${String(seq).padStart(8, '0')}`;
        const id = randomUUID();
        const app = await tx.application.create({
          data: { id, receiptNo, accountId: a.accountId, applicantName: a.applicantName, itemCode: a.item.code, itemVersion: a.item.version, form: a.form as object, status: 'submitted', idempotencyKey: a.idempotencyKey, requestHash: a.requestHash, submittedAt: now, submittedBy: a.submittedBy?.actorId ?? a.accountId, submittedAs: a.submittedBy?.relation ?? 'self' },
        });
        const attached = await tx.material.updateMany({ where: { id: { in: a.materials.map((m) => m.id) }, applicationId: null }, data: { applicationId: id } });
        if (attached.count !== a.materials.length) throw new MaterialAlreadyUsedError();
        await tx.timelineEntry.create({ data: { applicationId: id, status: 'submitted', at: now, sourceMessageId: `local:${id}` } });
        const payload: ApplicationSubmitted['payload'] = {
          applicationId: id, receiptNo, itemCode: a.item.code, itemVersion: a.item.version,
          applicant: { accountId: a.accountId, name: a.applicantName, kind: 'person' },
          form: a.form,
          materials: a.materials.map((m) => ({ materialCode: m.materialCode, fileName: m.fileName, objectKey: m.objectKey, sha256: m.sha256, size: m.size, contentType: m.contentType })),
          submittedAt: now.toISOString(),
        };
        await enqueue(tx, buildMessage('application.submitted', {
          id, zone: 'internet', correlationId: id, payload,
          attachments: a.materials.map((m) => ({ key: m.objectKey, sha256: m.sha256, size: m.size, contentType: m.contentType })),
        }));
        return app;
      });
    },
    listOwned: (accountId: string, q: { skip: number; take: number }) =>
      db.$transaction([db.application.findMany({ where: { accountId }, orderBy: { submittedAt: 'desc' }, skip: q.skip, take: q.take }), db.application.count({ where: { accountId } })]),
    /** Only the owner sees an application: another account's id answers as if it did not exist. */
    async getOwned(accountId: string, id: string) {
      const app = await db.application.findFirst({ where: { id, accountId } });
      if (!app) return null;
      const timeline = await db.timelineEntry.findMany({ where: { applicationId: id }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });
      return { app, timeline };
    },
    async applyStatus(tx: Tx, messageId: string, s: CaseStatusChanged['payload']): Promise<void> {
      // Status messages are handled concurrently: lock the row so the rank comparison sees the latest status.
      await tx.$queryRawUnsafe('SELECT 1 FROM application WHERE id = $1::uuid FOR UPDATE', s.applicationId);
      const app = await tx.application.findUnique({ where: { id: s.applicationId } });
      if (!app) throw new Error(`status for unknown application ${s.applicationId}`);
      await tx.timelineEntry.create({ data: { applicationId: app.id, status: s.status, reason: s.reason ?? null, caseNumber: s.caseNumber, certificateId: s.certificateId ?? null, at: new Date(s.at), sourceMessageId: messageId } });
      const forward = (RANK[s.status] ?? 0) > (RANK[app.status] ?? 0);
      await tx.application.update({
        where: { id: app.id },
        data: { caseNumber: s.caseNumber, ...(forward ? { status: s.status } : {}), ...(s.certificateId ? { certificateId: s.certificateId } : {}), updatedAt: new Date() },
      });
    },
    async applyCertificate(tx: Tx, messageId: string, c: CertificateNotice['payload']): Promise<void> {
      await tx.$queryRawUnsafe('SELECT 1 FROM application WHERE id = $1::uuid FOR UPDATE', c.applicationId);
      const app = await tx.application.findUnique({ where: { id: c.applicationId } });
      if (!app) throw new Error(`certificate for unknown application ${c.applicationId}`);
      await tx.timelineEntry.create({ data: { applicationId: app.id, status: 'certificate_issued', caseNumber: c.caseNumber, certificateId: c.certificateId, at: new Date(c.issuedAt), sourceMessageId: messageId } });
      await tx.application.update({ where: { id: app.id }, data: { certificateId: c.certificateId, updatedAt: new Date() } });
    },
  };
}

export class MaterialAlreadyUsedError extends Error {}
