/** Declaration's repositories: item replica, materials, applications and their timeline. */
import { randomUUID } from 'node:crypto';
import type { ItemPublished, CaseStatusChanged, CertificateNotice, ApplicationSubmitted } from '@hall/contracts';
import { buildMessage } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import { chinaDateCompact } from '@hall/service';
import type { Db } from './db.js';
import { Prisma } from './generated/prisma/client.js';
import { createReplicaIndex, replicaIndexFor } from './replica-index.js';
import { movesTo, statusText } from './status.js';
import { notifyAccount, phoneFromForm, portalLink } from './notifications.js';
import { audit } from '@hall/db';

type Tx = Prisma.TransactionClient;

/** What the application keeps of the item version it was filed under (a later version or retirement never changes it). */
export interface ItemSpec { formSchema: Record<string, unknown>; materials: ItemPublished['payload']['materials']; visits: number }
export const itemSpecOf = (p: ItemPublished['payload']): ItemSpec => ({ formSchema: p.formSchema, materials: p.materials, visits: p.visits ?? 0 });

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
  /** 免提交: materials replaced by the applicant's e-certificates. */
  certificates?: { materialCode: string; certificateId: string }[];
  idempotencyKey: string;
  requestHash: string;
  /** Who submitted and in which capacity (audit of acting on behalf). */
  submittedBy?: { actorId: string; actorName?: string; relation: string };
  /** A draft this submission came from; it is deleted with the submission. */
  draftId?: string;
}

/** `portalUrl`: the portal's public address (PORTAL_PUBLIC_URL), for the links in notifications. */
export function applicationRepository(db: Db, opts: { portalUrl?: string } = {}) {
  const appLink = (id: string) => portalLink(opts.portalUrl, `/app/${id}`);
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
          data: {
            id, receiptNo, accountId: a.accountId, applicantName: a.applicantName, itemCode: a.item.code, itemVersion: a.item.version, form: a.form as object, status: 'submitted', idempotencyKey: a.idempotencyKey, requestHash: a.requestHash, submittedAt: now,
            submittedBy: a.submittedBy?.actorId ?? a.accountId, submittedAs: a.submittedBy?.relation ?? 'self', submittedByName: a.submittedBy?.actorName ?? a.applicantName,
            itemName: a.item.name, department: a.item.department, itemSpec: itemSpecOf(a.item) as object, contactPhone: phoneFromForm(a.form), statusAt: now,
          },
        });
        if (a.draftId) await tx.draft.deleteMany({ where: { id: a.draftId, accountId: a.accountId } });
        const attached = await tx.material.updateMany({ where: { id: { in: a.materials.map((m) => m.id) }, applicationId: null }, data: { applicationId: id } });
        if (attached.count !== a.materials.length) throw new MaterialAlreadyUsedError();
        await tx.timelineEntry.create({ data: { applicationId: id, status: 'submitted', at: now, sourceMessageId: `local:${id}` } });
        await audit(tx, { actor: a.submittedBy?.actorId ?? a.accountId, action: 'application.submit', target: id, detail: { receiptNo, itemCode: a.item.code, itemVersion: a.item.version, onBehalfOf: a.accountId, relation: a.submittedBy?.relation ?? 'self' } });
        await notifyAccount(tx, { accountId: a.accountId, applicationId: id, fallbackPhone: app.contactPhone }, `申报已提交：${a.item.name}`, `您申报的“${a.item.name}”已提交，受理回执编号 ${receiptNo}。办理进度可在“我的办件”中查看。`, appLink(id));
        const payload: ApplicationSubmitted['payload'] = {
          applicationId: id, receiptNo, itemCode: a.item.code, itemVersion: a.item.version,
          applicant: { accountId: a.accountId, name: a.applicantName, kind: 'person' },
          form: a.form,
          materials: a.materials.map((m) => ({ materialCode: m.materialCode, fileName: m.fileName, objectKey: m.objectKey, sha256: m.sha256, size: m.size, contentType: m.contentType })),
          ...(a.certificates?.length ? { certificates: a.certificates } : {}),
          submittedAt: now.toISOString(),
        };
        await enqueue(tx, buildMessage('application.submitted', {
          id, zone: 'internet', correlationId: id, payload,
          attachments: a.materials.map((m) => ({ key: m.objectKey, sha256: m.sha256, size: m.size, contentType: m.contentType })),
        }));
        return app;
      });
    },
    /** Item codes by number of applications in the last 30 days, most first. */
    popularCodes: async (limit: number) => (await db.$queryRawUnsafe<{ item_code: string }[]>(
      "SELECT item_code FROM application WHERE submitted_at > now() - interval '30 days' GROUP BY item_code ORDER BY count(*) DESC, item_code LIMIT $1", limit)).map((r) => r.item_code),
    listOwned: (accountId: string, q: { skip: number; take: number }) =>
      db.$transaction([db.application.findMany({ where: { accountId }, orderBy: { submittedAt: 'desc' }, skip: q.skip, take: q.take }), db.application.count({ where: { accountId } })]),
    /** Only the owner sees an application: another account's id answers as if it did not exist. */
    async getOwned(accountId: string, id: string) {
      const app = await db.application.findFirst({ where: { id, accountId } });
      if (!app) return null;
      const [timeline, evaluation] = await Promise.all([
        db.timelineEntry.findMany({ where: { applicationId: id }, orderBy: [{ at: 'asc' }, { id: 'asc' }] }),
        db.evaluation.findUnique({ where: { applicationId: id } }),
      ]);
      return { app, timeline, evaluation };
    },
    async applyStatus(tx: Tx, messageId: string, s: CaseStatusChanged['payload']): Promise<void> {
      // Status messages are handled concurrently: lock the row so the rank comparison sees the latest status.
      await tx.$queryRawUnsafe('SELECT 1 FROM application WHERE id = $1::uuid FOR UPDATE', s.applicationId);
      const app = await tx.application.findUnique({ where: { id: s.applicationId } });
      if (!app) throw new Error(`status for unknown application ${s.applicationId}`);
      const at = new Date(s.at);
      await tx.timelineEntry.create({
        data: {
          applicationId: app.id, status: s.status, reason: s.reason ?? null, caseNumber: s.caseNumber, certificateId: s.certificateId ?? null, at, sourceMessageId: messageId,
          missingMaterials: (s.missingMaterials as object | undefined) ?? undefined, dueAt: s.dueAt ? new Date(s.dueAt) : null, note: s.note ?? null,
        },
      });
      const forward = movesTo(app, { status: s.status, at });
      // The due date of the newest event that carries one, whatever order the events arrive in.
      const newerDue = s.dueAt ? await tx.timelineEntry.count({ where: { applicationId: app.id, at: { gt: at }, dueAt: { not: null } } }) : 1;
      await tx.application.update({
        where: { id: app.id },
        data: {
          caseNumber: s.caseNumber, ...(s.certificateId ? { certificateId: s.certificateId } : {}), ...(s.dueAt && newerDue === 0 ? { dueAt: new Date(s.dueAt) } : {}), updatedAt: new Date(),
          ...(forward ? { status: s.status, statusAt: at, missingMaterials: s.status === 'supplement_requested' ? (s.missingMaterials ?? []) as object : Prisma.DbNull } : {}),
        },
      });
      const name = app.itemName ?? app.itemCode;
      const missing = s.missingMaterials?.length ? `，需补正：${s.missingMaterials.map((m) => m.name).join('、')}` : '';
      const due = s.dueAt ? `，承诺办结日期 ${s.dueAt.slice(0, 10)}` : '';
      await notifyAccount(tx, { accountId: app.accountId, applicationId: app.id, fallbackPhone: app.contactPhone }, `办件进度：${statusText(s.status)}`,
        `您申报的“${name}”（回执编号 ${app.receiptNo}）${statusText(s.status)}${s.reason ? `：${s.reason}` : ''}${missing}${due}。`, appLink(app.id));
    },
    async applyCertificate(tx: Tx, messageId: string, c: CertificateNotice['payload']): Promise<void> {
      await tx.$queryRawUnsafe('SELECT 1 FROM application WHERE id = $1::uuid FOR UPDATE', c.applicationId);
      const app = await tx.application.findUnique({ where: { id: c.applicationId } });
      if (!app) throw new Error(`certificate for unknown application ${c.applicationId}`);
      await tx.timelineEntry.create({ data: { applicationId: app.id, status: 'certificate_issued', caseNumber: c.caseNumber, certificateId: c.certificateId, at: new Date(c.issuedAt), sourceMessageId: messageId } });
      await tx.application.update({ where: { id: app.id }, data: { certificateId: c.certificateId, updatedAt: new Date() } });
      await notifyAccount(tx, { accountId: app.accountId, applicationId: app.id, fallbackPhone: app.contactPhone }, '电子证照已签发',
        `您申报的“${app.itemName ?? app.itemCode}”（回执编号 ${app.receiptNo}）的电子证照已签发，可在“我的证照”中查看。`, appLink(app.id));
    },
  };
}

export class MaterialAlreadyUsedError extends Error {}
