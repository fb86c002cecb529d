/**
 * Certificate types (证照类型): the catalog owns their definitions — GB/T 36904 type code, name,
 * validity, holder kind, the JSON Schema of the issuance data and the PDF template — and publishes
 * each saved definition (catalog.certificate-type.published, extranet only) to the certificate
 * service, which issues, checks data and renders PDFs by the latest version it received.
 */
import { Type, type Static } from '@sinclair/typebox';
import { createAjv, ProblemError, ProblemSchema, Problems, StrictObject, type HttpApp } from '@hall/http';
import { requireRealm, requireRole } from '@hall/auth';
import { buildMessage } from '@hall/contracts';
import { enqueue, type SqlExecutor } from '@hall/messaging';
import type { ServiceContext } from '@hall/service';
import { DEMO_CERTIFICATE_TYPES as SHARED_DEMO_TYPES } from '@hall/ecert';
import type { Db } from './db.js';
import { saveVersioned, announceAll } from './versioned.js';

const Label = Type.String({ minLength: 1, maxLength: 100 });
export const CertificateTypeInput = StrictObject({
  typeCode: Type.String({ pattern: '^[0-9A-Z]{1,32}$' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  validityYears: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  holderKind: Type.Union([Type.Literal('person'), Type.Literal('legal_person')]),
  schema: Type.Record(Type.String(), Type.Unknown()),
  template: Type.Array(Type.Tuple([Label, Label]), { maxItems: 50 }),
  /** The departments that issue this type (each needs an issuer record, PUT /v1/issuers/:department); absent or empty: any issuer. */
  issuers: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9-]{2,64}$' }), { maxItems: 200, uniqueItems: true })),
});
export type CertificateTypeInput = Static<typeof CertificateTypeInput>;

/** The demo definitions (seeded with SEED_DEMO=true): one copy in @hall/ecert, shared with the certificate service's fallback. */
export const DEMO_CERTIFICATE_TYPES: Record<string, CertificateTypeInput> = SHARED_DEMO_TYPES;

// The project's shared Ajv, strict: a data schema with unknown keywords is refused rather than half-applied.
const ajv = createAjv({ allErrors: true, strict: true });

/** What is wrong with a definition beyond its shape: the data schema must be an object schema that compiles. */
export function certificateTypeErrors(d: CertificateTypeInput): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  if (d.schema.type !== 'object') errors.push({ field: 'schema', message: '数据规范须为 type 为 object 的 JSON Schema' });
  try {
    ajv.compile(d.schema);
  } catch (err) {
    errors.push({ field: 'schema', message: `数据规范不是有效的 JSON Schema：${(err as Error).message.slice(0, 300)}` });
  }
  const seen = new Set<string>();
  for (const [field] of d.template) {
    if (seen.has(field)) errors.push({ field: 'template', message: `模板字段 ${field} 重复` });
    seen.add(field);
  }
  return errors;
}

type Row = { code: string; typeCode: string; name: string; validityYears: number | null; holderKind: string; schema: unknown; template: unknown; issuers: string[]; version: number; updatedAt: Date };
const view = (r: Row) => ({
  code: r.code, typeCode: r.typeCode, name: r.name, ...(r.validityYears ? { validityYears: r.validityYears } : {}), holderKind: r.holderKind as CertificateTypeInput['holderKind'],
  schema: r.schema as Record<string, unknown>, template: r.template as [string, string][], issuers: r.issuers, version: r.version, updatedAt: r.updatedAt.toISOString(),
});

async function announce(tx: SqlExecutor, r: Row): Promise<void> {
  const v = view(r);
  await enqueue(tx, buildMessage('catalog.certificate-type.published', {
    zone: 'extranet', correlationId: `certificate-type:${r.code}`,
    payload: { code: v.code, typeCode: v.typeCode, name: v.name, ...(v.validityYears ? { validityYears: v.validityYears } : {}), holderKind: v.holderKind, schema: v.schema, template: v.template, ...(v.issuers.length ? { issuers: v.issuers } : {}), version: v.version, publishedAt: new Date().toISOString() },
  }));
}

export function certificateTypeRepository(db: Db) {
  return {
    get: async (code: string) => { const r = await db.certificateType.findUnique({ where: { code } }); return r ? view(r) : null; },
    list: async () => (await db.certificateType.findMany({ orderBy: { code: 'asc' } })).map(view),
    /** Saves (a new version) and publishes in one transaction, audited (versioned.ts). `onlyIfAbsent`: the seed does not overwrite an admin's edit. */
    async save(code: string, d: CertificateTypeInput, actor: string, onlyIfAbsent = false) {
      const row = await saveVersioned(db, {
        key: `certificate-type:${code}`, actor, action: 'certificate-type.saved', onlyIfAbsent,
        find: (tx) => tx.certificateType.findUnique({ where: { code } }),
        write: (tx, _prev, version) => {
          const data = { typeCode: d.typeCode, name: d.name, validityYears: d.validityYears ?? null, holderKind: d.holderKind, schema: d.schema as object, template: d.template as object, issuers: d.issuers ?? [], version, updatedBy: actor, updatedAt: new Date() };
          return tx.certificateType.upsert({ where: { code }, create: { code, ...data }, update: data });
        },
        detail: (r) => ({ typeCode: r.typeCode }),
        announce,
      });
      return row ? view(row) : null;
    },
    /** Publishes every definition again at start. */
    announceAll: async (): Promise<number> => announceAll(db, await db.certificateType.findMany(), announce),
  };
}

/** Why the certificate service would refuse an item's certificates: its refusal code, a Chinese title and a detail. */
export interface IssuanceRefusal { code: 'certificate_type_unknown' | 'issuer_unknown' | 'issuer_not_allowed'; title: string; detail: string }

/**
 * Why an item cannot be published with its certificate type, or null: the type must be defined, the
 * item's department must have an issuer record, and a type that names its issuing departments must
 * name the item's. Checked at publication (the publish route, the bulk import's --publish), so that
 * no published item asks the certificate service for a certificate it must refuse (制证失败).
 */
export async function certificateIssuanceRefusal(db: Db, item: { department: string; departmentName: string; certificateType?: string | null }): Promise<IssuanceRefusal | null> {
  if (!item.certificateType) return null;
  const [type, issuer] = await Promise.all([
    db.certificateType.findUnique({ where: { code: item.certificateType }, select: { name: true, issuers: true } }),
    db.issuer.findUnique({ where: { department: item.department }, select: { name: true } }),
  ]);
  if (!type) return { code: 'certificate_type_unknown', title: '事项的证照类型未定义', detail: `证照类型“${item.certificateType}”未在事项目录中定义，请先定义证照类型` };
  if (!issuer) return { code: 'issuer_unknown', title: '事项的实施部门没有发证机关记录', detail: `${item.departmentName}（${item.department}）没有发证机关记录（名称、统一社会信用代码），请先登记发证机关` };
  if (type.issuers.length && !type.issuers.includes(item.department)) {
    return { code: 'issuer_not_allowed', title: '证照类型的发证部门不包括事项的实施部门', detail: `证照类型“${type.name}”的发证部门为 ${type.issuers.join('、')}，不包括${issuer.name}（${item.department}）` };
  }
  return null;
}

const View = Type.Object({
  code: Type.String(), typeCode: Type.String(), name: Type.String(), validityYears: Type.Optional(Type.Integer()), holderKind: Type.String(),
  schema: Type.Record(Type.String(), Type.Unknown()), template: Type.Array(Type.Array(Type.String())), issuers: Type.Array(Type.String()), version: Type.Integer(), updatedAt: Type.String(),
});
const CodeParams = StrictObject({ code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }) });

export function registerCertificateTypes<C>(app: HttpApp, ctx: ServiceContext<C, Db>): void {
  const types = certificateTypeRepository(ctx.prisma);
  const staff = [app.authenticate, requireRealm('staff')];
  const admin = [...staff, requireRole('catalog_admin')];
  app.get('/v1/certificate-types', { preHandler: staff, schema: { response: { 200: Type.Object({ items: Type.Array(View) }) } } }, async () => ({ items: await types.list() }));
  app.get('/v1/certificate-types/:code', { preHandler: staff, schema: { params: CodeParams, response: { 200: View, 400: ProblemSchema, 404: ProblemSchema } } }, async (req) => {
    const t = await types.get(req.params.code);
    if (!t) throw Problems.notFound('certificate_type_not_found', '证照类型不存在');
    return t;
  });
  // Defines or changes a type; every save is a new version, published to the certificate service.
  app.put('/v1/certificate-types/:code', {
    preHandler: admin, schema: { params: CodeParams, body: CertificateTypeInput, response: { 200: View, 400: ProblemSchema, 403: ProblemSchema, 422: ProblemSchema } },
  }, async (req) => {
    const errors = certificateTypeErrors(req.body);
    if (errors.length) throw new ProblemError(422, 'certificate_type_invalid', '证照类型定义有误', { detail: errors.map((e) => e.message).join('；'), extra: { errors } });
    const saved = (await types.save(req.params.code, req.body, req.principal.sub))!;
    ctx.outbox.notify();
    return saved;
  });
}
