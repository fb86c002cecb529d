/**
 * What an applicant does to an application after submitting it, each travelling inbound through
 * the outbox in the transaction of the change:
 * - 补正 (supplement): answer a supplement request with corrected fields and new materials
 *   → application.supplemented, the files as envelope attachments like a submission's;
 * - 撤回 (withdrawal) before a decision → application.withdrawn;
 * - 好差评 (evaluation), once per case and only after completion → evaluation.submitted.
 */
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Problems, ProblemError, ProblemSchema, StrictObject } from '@hall/http';
import { buildMessage, type ApplicationSupplemented, type ItemPublished } from '@hall/contracts';
import { enqueue } from '@hall/messaging';
import { audit } from '@hall/db';
import type { Db } from './db.js';
import { Prisma } from './generated/prisma/client.js';
import type { PortalDeps } from './deps.js';
import { validateForm } from './forms.js';
import { DECIDED, EVALUATION_LEVELS, statusText } from './status.js';
import type { ItemSpec } from './repository.js';
import { canonicalHash, IdempotencyKey } from './idempotency.js';

type AppRow = NonNullable<Awaited<ReturnType<Db['application']['findFirst']>>>;
type MaterialRow = NonNullable<Awaited<ReturnType<Db['material']['findFirst']>>>;
type Missing = { materialCode: string; name: string; reason?: string };

export class StateChanged extends Error {}

export function caseActionRepository(db: Db) {
  /** Locks the application and checks the status again inside the transaction (two tabs, two clicks). */
  const lock = async (tx: Parameters<Parameters<Db['$transaction']>[0]>[0], id: string, ok: (status: string) => boolean) => {
    await tx.$queryRawUnsafe('SELECT 1 FROM application WHERE id = $1::uuid FOR UPDATE', id);
    const app = await tx.application.findUniqueOrThrow({ where: { id } });
    if (!ok(app.status)) throw new StateChanged(app.status);
    return app;
  };
  return {
    async supplement(a: { app: AppRow; actorId: string; form: Record<string, unknown>; merged: Record<string, unknown>; materials: MaterialRow[]; comment?: string; idempotencyKey?: string; requestHash?: string }) {
      return db.$transaction(async (tx) => {
        const app = await lock(tx, a.app.id, (s) => s === 'supplement_requested');
        const id = randomUUID();
        const now = new Date();
        await tx.supplement.create({ data: { id, applicationId: app.id, form: a.form as object, comment: a.comment ?? null, createdAt: now, idempotencyKey: a.idempotencyKey ?? null, requestHash: a.requestHash ?? null } });
        const attached = await tx.material.updateMany({ where: { id: { in: a.materials.map((m) => m.id) }, applicationId: null }, data: { applicationId: app.id, supplementId: id } });
        if (attached.count !== a.materials.length) throw new StateChanged('material_used');
        await tx.application.update({ where: { id: app.id }, data: { form: a.merged as object, status: 'supplemented', statusAt: now, missingMaterials: Prisma.DbNull, updatedAt: now } });
        await tx.timelineEntry.create({ data: { applicationId: app.id, status: 'supplemented', reason: a.comment ?? null, caseNumber: app.caseNumber, at: now, sourceMessageId: `local:${id}` } });
        await audit(tx, { actor: a.actorId, action: 'application.supplement', target: app.id, detail: { supplementId: id, fields: Object.keys(a.form), materials: a.materials.map((m) => m.materialCode) } });
        const payload: ApplicationSupplemented['payload'] = {
          applicationId: app.id, caseNumber: app.caseNumber!, itemCode: app.itemCode, itemVersion: app.itemVersion,
          materials: a.materials.map((m) => ({ materialCode: m.materialCode, fileName: m.fileName, objectKey: m.objectKey, sha256: m.sha256, size: m.size, contentType: m.contentType })),
          form: a.form, ...(a.comment ? { comment: a.comment } : {}), supplementedAt: now.toISOString(),
        };
        await enqueue(tx, buildMessage('application.supplemented', {
          id, zone: 'internet', correlationId: app.id, payload,
          attachments: a.materials.map((m) => ({ key: m.objectKey, sha256: m.sha256, size: m.size, contentType: m.contentType })),
        }));
        return { supplementId: id };
      });
    },
    async withdraw(a: { app: AppRow; actorId: string; reason: string }) {
      return db.$transaction(async (tx) => {
        const app = await lock(tx, a.app.id, (s) => !DECIDED.has(s));
        const id = randomUUID();
        const now = new Date();
        await tx.application.update({ where: { id: app.id }, data: { status: 'withdrawal_requested', statusAt: now, updatedAt: now } });
        await tx.timelineEntry.create({ data: { applicationId: app.id, status: 'withdrawal_requested', reason: a.reason, caseNumber: app.caseNumber, at: now, sourceMessageId: `local:${id}` } });
        await audit(tx, { actor: a.actorId, action: 'application.withdraw', target: app.id, detail: { reason: a.reason } });
        await enqueue(tx, buildMessage('application.withdrawn', { id, zone: 'internet', correlationId: app.id, payload: { applicationId: app.id, reason: a.reason, withdrawnAt: now.toISOString() } }));
      });
    },
    async evaluate(a: { app: AppRow; actorId: string; department: string; level: number; comment?: string }) {
      return db.$transaction(async (tx) => {
        const app = await lock(tx, a.app.id, (s) => s === 'completed');
        const id = randomUUID();
        const now = new Date();
        await tx.evaluation.create({ data: { id, applicationId: app.id, accountId: app.accountId, level: a.level, comment: a.comment ?? null, createdAt: now } });
        await audit(tx, { actor: a.actorId, action: 'application.evaluate', target: app.id, detail: { level: a.level } });
        await enqueue(tx, buildMessage('evaluation.submitted', {
          id, zone: 'internet', correlationId: app.id,
          payload: { evaluationId: id, applicationId: app.id, caseNumber: app.caseNumber!, itemCode: app.itemCode, department: a.department, level: a.level, ...(a.comment ? { comment: a.comment } : {}), evaluatedAt: now.toISOString() },
        }));
        return { evaluationId: id, createdAt: now };
      });
    },
  };
}

const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });
const SupplementBody = StrictObject({
  form: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 100 }),
  materials: Type.Array(StrictObject({ materialCode: Type.String({ minLength: 1, maxLength: 64 }), materialId: Type.String({ format: 'uuid' }) }), { maxItems: 50 }),
  comment: Type.Optional(Type.String({ maxLength: 2000 })),
});

export async function caseActionRoutes(d: PortalDeps): Promise<void> {
  const { app, applicant, acting } = d;
  const db = d.ctx.prisma;
  const actions = caseActionRepository(db);
  const owned = async (ownerId: string, id: string) => {
    const a = await db.application.findFirst({ where: { id, accountId: ownerId } });
    if (!a) throw Problems.notFound('application_not_found', '申报不存在');
    return a;
  };
  /** The item version as filed; applications from before the snapshot existed fall back to the replica's same version. */
  const specOf = async (a: AppRow): Promise<ItemSpec & { department: string }> => {
    if (a.itemSpec) return { ...(a.itemSpec as unknown as ItemSpec), department: a.department ?? '' };
    const row = await d.replica.index.guideJson(a.itemCode);
    const p = row ? JSON.parse(row) as ItemPublished['payload'] : null;
    if (!p || p.version !== a.itemVersion) throw Problems.conflict('item_version_unavailable', '该申报所依据的事项版本已不可用，请联系办理部门');
    return { formSchema: p.formSchema, materials: p.materials, visits: p.visits ?? 0, department: p.department };
  };
  const stateProblem = (err: unknown, current: string) => {
    // The same Idempotency-Key committed by a concurrent request a moment ago (IETF draft: 409).
    if ((err as { code?: string }).code === 'P2002') return Problems.conflict('request_in_progress', '相同的补正请求正在处理，请稍后刷新查看');
    if (err instanceof StateChanged) {
      if (err.message === 'material_used') return Problems.conflict('material_already_used', '所选材料已用于另一份申报');
      return Problems.conflict('invalid_state', '当前办件状态不允许此操作', `当前状态：${statusText(err.message || current)}`);
    }
    return err;
  };

  app.post('/v1/applications/:id/supplements', {
    preHandler: applicant,
    schema: {
      params: Params, body: SupplementBody,
      // Optional: with it, a retried answer (lost response, double click) replays the first one.
      headers: Type.Object({ 'idempotency-key': Type.Optional(IdempotencyKey) }),
      response: { 202: Type.Object({ supplementId: Type.String(), status: Type.String() }), 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema },
    },
  }, async (req, reply) => {
    const owner = await acting(req);
    const a = await owned(owner.ownerId, req.params.id);
    const key = req.headers['idempotency-key'];
    const requestHash = key ? canonicalHash(req.body) : undefined;
    if (key) {
      const prior = await db.supplement.findUnique({ where: { applicationId_idempotencyKey: { applicationId: a.id, idempotencyKey: key } } });
      if (prior) {
        if (prior.requestHash !== requestHash) throw Problems.unprocessable('idempotency_key_reused', '该幂等键已用于另一份不同的补正', '同一 Idempotency-Key 只能用于同一份补正内容');
        reply.code(202).header('idempotent-replayed', 'true');
        return { supplementId: prior.id, status: 'supplemented' };
      }
    }
    if (a.status !== 'supplement_requested') throw Problems.conflict('supplement_not_requested', '该办件当前无需补正', `当前状态：${statusText(a.status)}`);
    const { form, materials: chosen, comment } = req.body;
    if (chosen.length === 0 && Object.keys(form).length === 0) throw Problems.badRequest('supplement_empty', '请上传补正材料或修改表单内容');
    const spec = await specOf(a);
    const merged = { ...(a.form as Record<string, unknown>), ...form };
    const fieldErrors = validateForm(`${a.itemCode}@${a.itemVersion}`, spec.formSchema, merged);
    if (fieldErrors.length) throw new ProblemError(400, 'form_invalid', '申报表填写有误', { extra: { errors: fieldErrors } });
    const rows = await db.material.findMany({ where: { accountId: owner.ownerId, id: { in: chosen.map((m) => m.materialId) } } });
    const materials = chosen.map((m) => {
      const f = rows.find((r) => r.id === m.materialId);
      if (!f || f.itemCode !== a.itemCode || f.materialCode !== m.materialCode || f.applicationId || !spec.materials.some((s) => s.code === m.materialCode)) {
        throw Problems.badRequest('material_not_found', '所选材料不存在或不属于本事项', `材料 ${m.materialId}`);
      }
      return f;
    });
    const missing = ((a.missingMaterials ?? []) as Missing[]).filter((m) => spec.materials.some((s) => s.code === m.materialCode) && !materials.some((c) => c.materialCode === m.materialCode));
    if (missing.length) throw new ProblemError(400, 'materials_missing', '缺少需补正的材料', { extra: { missing: missing.map((m) => ({ code: m.materialCode, name: m.name })) } });
    try {
      const r = await actions.supplement({ app: a, actorId: owner.actorId, form, merged, materials, comment, idempotencyKey: key, requestHash });
      d.ctx.outbox.notify();
      reply.code(202);
      return { supplementId: r.supplementId, status: 'supplemented' };
    } catch (err) { throw stateProblem(err, a.status); }
  });

  app.post('/v1/applications/:id/withdrawal', {
    preHandler: applicant,
    schema: { params: Params, body: StrictObject({ reason: Type.String({ minLength: 2, maxLength: 2000 }) }), response: { 202: Type.Object({ status: Type.String(), statusText: Type.String() }), 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema } },
  }, async (req, reply) => {
    const owner = await acting(req);
    const a = await owned(owner.ownerId, req.params.id);
    if (DECIDED.has(a.status)) throw Problems.conflict('withdrawal_too_late', '已作出决定或已撤回的办件不能撤回', `当前状态：${statusText(a.status)}`);
    try {
      await actions.withdraw({ app: a, actorId: owner.actorId, reason: req.body.reason });
    } catch (err) {
      if (err instanceof StateChanged) throw Problems.conflict('withdrawal_too_late', '已作出决定或已撤回的办件不能撤回', `当前状态：${statusText(err.message)}`);
      throw err;
    }
    d.ctx.outbox.notify();
    reply.code(202);
    return { status: 'withdrawal_requested', statusText: statusText('withdrawal_requested') };
  });

  app.post('/v1/applications/:id/evaluation', {
    preHandler: applicant,
    schema: {
      params: Params,
      body: StrictObject({ level: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Type.String({ maxLength: 2000 })) }),
      response: { 201: Type.Object({ evaluationId: Type.String(), level: Type.Integer(), levelText: Type.String() }), 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
    },
  }, async (req, reply) => {
    const owner = await acting(req);
    const a = await owned(owner.ownerId, req.params.id);
    const comment = req.body.comment?.trim() || undefined;
    // A bad review (差评) must say what went wrong, so the department can rectify it.
    if (req.body.level <= 2 && !comment) throw Problems.badRequest('comment_required', '差评请填写具体原因');
    if (a.status !== 'completed') throw Problems.conflict('not_completed', '办件办结后才能评价', `当前状态：${statusText(a.status)}`);
    const department = a.department ?? (await specOf(a)).department;
    try {
      const r = await actions.evaluate({ app: a, actorId: owner.actorId, department, level: req.body.level, comment });
      d.ctx.outbox.notify();
      reply.code(201);
      return { evaluationId: r.evaluationId, level: req.body.level, levelText: EVALUATION_LEVELS[req.body.level]! };
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002') throw Problems.conflict('already_evaluated', '该办件已评价，每件只能评价一次');
      if (err instanceof StateChanged) throw Problems.conflict('not_completed', '办件办结后才能评价');
      throw err;
    }
  });
}
