/**
 * Message contracts of the golden path. Each entry says which subject carries it and which
 * relay lane (if any) may move it between zones. `proto/` holds the same schemas as JSON Schema
 * (written by `pnpm proto`, checked by a test), for readers that are not TypeScript.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Envelope, Uuid } from './envelope.js';

const Str = (max = 200) => Type.String({ minLength: 1, maxLength: max });

export const MaterialSpec = Type.Object(
  {
    code: Str(64),
    name: Str(200),
    required: Type.Boolean(),
    allowedTypes: Type.Array(Str(64), { maxItems: 20 }),
    maxSizeBytes: Type.Integer({ minimum: 1 }),
    // Additions of catalog issue 4 (optional, so older publications stay valid):
    /** 原件 / 复印件 / 原件及复印件 / 电子件. */
    form: Type.Optional(Type.Union([Type.Literal('original'), Type.Literal('copy'), Type.Literal('original_and_copy'), Type.Literal('electronic')])),
    copies: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
    /** An existing e-certificate of this type replaces the material (免提交). */
    eCertificateType: Type.Optional(Str(64)),
    note: Type.Optional(Str(500)),
  },
  { additionalProperties: false },
);
export type MaterialSpec = Static<typeof MaterialSpec>;

/** A condition on the submitted form: `field` (a top-level form field) compared with `value`; `all`/`any` combine conditions. */
export const WorkflowFieldCondition = Type.Object(
  {
    field: Str(64),
    op: Type.Union(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'exists'].map((o) => Type.Literal(o))),
    value: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Number(), Type.Boolean(), Type.Array(Type.Union([Type.String({ maxLength: 200 }), Type.Number()]), { maxItems: 50 })])),
  },
  { additionalProperties: false },
);
export type WorkflowFieldCondition = Static<typeof WorkflowFieldCondition>;
export const WorkflowCondition = Type.Union([
  WorkflowFieldCondition,
  Type.Object({ all: Type.Array(WorkflowFieldCondition, { minItems: 1, maxItems: 10 }) }, { additionalProperties: false }),
  Type.Object({ any: Type.Array(WorkflowFieldCondition, { minItems: 1, maxItems: 10 }) }, { additionalProperties: false }),
]);
export type WorkflowCondition = Static<typeof WorkflowCondition>;

/** One step of an item's workflow (办理流程); `next` absent means the following step in the list. */
export const WorkflowStepSpec = Type.Object(
  {
    key: Str(64),
    name: Str(64),
    position: Str(64),
    department: Type.Optional(Str(64)),
    departmentName: Type.Optional(Str(200)),
    limitDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
    /** Successors; more than one starts parallel branches (并联审批), which meet at a step with `join: true`. */
    next: Type.Optional(Type.Array(Str(64), { maxItems: 20 })),
    join: Type.Optional(Type.Boolean()),
    // Additions of the workflow issue 7 (optional, so older publications stay valid):
    /**
     * What the step does; absent: the first step is acceptance (受理), the last is completion (办结),
     * a step for the approval/decision position decides (approve/deny), any other gives an opinion (review).
     * `payment` waits for the applicant's fee payment (待缴费) and has no staff task.
     */
    kind: Type.Optional(Type.Union([Type.Literal('review'), Type.Literal('decision'), Type.Literal('payment')])),
    /** Conditional routing: the step runs only when the submitted form satisfies this; otherwise it is skipped. */
    when: Type.Optional(WorkflowCondition),
    /** A refusal in this step: `deny` (default) denies the case, cancelling parallel branches; `continue` records the opinion and moves on. */
    onRefuse: Type.Optional(Type.Union([Type.Literal('deny'), Type.Literal('continue')])),
    /** Administrative division (行政区划代码) the step's staff must cover; absent: any region of the department. */
    region: Type.Optional(Type.String({ pattern: '^\\d{6}(\\d{3})?$' })),
  },
  { additionalProperties: false },
);
export type WorkflowStepSpec = Static<typeof WorkflowStepSpec>;
export const WorkflowSpec = Type.Object({ steps: Type.Array(WorkflowStepSpec, { minItems: 1, maxItems: 50 }) }, { additionalProperties: false });
export type WorkflowSpec = Static<typeof WorkflowSpec>;

/** A published item version (事项), as the internet portal's read replica stores it. */
export const ItemPublished = Envelope(
  'catalog.item.published',
  1,
  Type.Object(
    {
      code: Str(64),
      version: Type.Integer({ minimum: 1 }),
      name: Str(200),
      powerType: Str(32),
      department: Str(64),
      departmentName: Str(200),
      hall: Str(200),
      level: Str(16),
      promisedDays: Type.Integer({ minimum: 0 }),
      statutoryDays: Type.Integer({ minimum: 0 }),
      certificateType: Type.Optional(Str(64)),
      guide: Type.Record(Type.String(), Type.String()),
      formSchema: Type.Record(Type.String(), Type.Unknown()),
      materials: Type.Array(MaterialSpec, { maxItems: 50 }),
      publishedAt: Type.String({ format: 'date-time' }),
      // Additions of catalog issue 4 (optional, so older publications stay valid):
      /** 'retired': the version takes no new applications; cases filed under it carry on. Absent means published. */
      status: Type.Optional(Type.Union([Type.Literal('published'), Type.Literal('retired')])),
      retiredAt: Type.Optional(Type.String({ format: 'date-time' })),
      /** 实施编码 (the item code is the 事项编码). */
      implementationCode: Type.Optional(Str(64)),
      /** 即办件 (immediate, same day) or 承诺件 (promised limit). */
      kind: Type.Optional(Type.Union([Type.Literal('immediate'), Type.Literal('promised')])),
      online: Type.Optional(Type.Boolean()),
      /** Visits to the hall needed: 0 无需上门, 1 一次上门, 2 两次上门. */
      visits: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
      keywords: Type.Optional(Type.Array(Str(32), { maxItems: 20 })),
      workflow: Type.Optional(WorkflowSpec),
      /** The workflow flowchart (运行流程图) as an SVG document, rendered by the catalog. */
      flowchartSvg: Type.Optional(Type.String({ minLength: 1, maxLength: 200_000 })),
      /** A bundle (一件事一次办): the items applied for together with this one form and materials list. */
      bundle: Type.Optional(Type.Array(Type.Object({ code: Str(64), version: Type.Integer({ minimum: 1 }), name: Str(200) }, { additionalProperties: false }), { minItems: 2, maxItems: 20 })),
    },
    { additionalProperties: false },
  ),
);

/** 工作日历: one year of the working-day calendar as an admin set it in the catalog (whole year, replaces the last one). */
export const CalendarPublished = Envelope(
  'catalog.calendar.published',
  1,
  Type.Object(
    {
      year: Type.Integer({ minimum: 2000, maximum: 2100 }),
      holidays: Type.Array(Type.Object({ name: Str(64), from: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), to: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }) }, { additionalProperties: false }), { maxItems: 60 }),
      workdays: Type.Array(Type.Object({ name: Str(64), date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }) }, { additionalProperties: false }), { maxItems: 60 }),
      publishedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

/** Extranet event: the catalog published a certificate type (证照类型) definition; the certificate service issues by it. */
export const CertificateTypePublished = Envelope(
  'catalog.certificate-type.published',
  1,
  Type.Object(
    {
      code: Str(64),
      /** GB/T 36904 certificate type code (14 digits in the demo data). */
      typeCode: Type.String({ pattern: '^[0-9A-Z]{1,32}$' }),
      name: Str(100),
      /** Validity in years from issuance; absent: valid until revoked (长期). */
      validityYears: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
      holderKind: Type.Union([Type.Literal('person'), Type.Literal('legal_person')]),
      /** JSON Schema of the issuance data (an object schema). */
      schema: Type.Record(Type.String(), Type.Unknown()),
      /** The PDF's [data field, label] rows, in order. */
      template: Type.Array(Type.Tuple([Str(100), Str(100)]), { maxItems: 50 }),
      version: Type.Integer({ minimum: 1 }),
      publishedAt: Type.String({ format: 'date-time' }),
      // Addition of issue 19 (optional, so older publications stay valid):
      /** The departments (issuer records, catalog.issuer.published) that issue this type; absent or empty: any department with an issuer record. */
      issuers: Type.Optional(Type.Array(Str(64), { maxItems: 200 })),
    },
    { additionalProperties: false },
  ),
);

/**
 * Extranet event: the catalog published an issuer (发证机关) record — a department that issues
 * certificates, its name and its GB/T 36904 issuer code (the 18-character unified social credit
 * code); the certificate service signs certificates of that department with it.
 */
export const IssuerPublished = Envelope(
  'catalog.issuer.published',
  1,
  Type.Object(
    {
      department: Str(64),
      name: Str(200),
      /** 统一社会信用代码 (GB 32100), the issuer part of the certificate identifier. */
      creditCode: Type.String({ pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$' }),
      /** How the department's signing key comes about: created on first issuance, or only by its admin (POST /v1/keys/rotate). */
      keyPolicy: Type.Union([Type.Literal('on_first_use'), Type.Literal('admin')]),
      version: Type.Integer({ minimum: 1 }),
      publishedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

export const SubmittedMaterial = Type.Object(
  {
    materialCode: Str(64),
    fileName: Str(255),
    objectKey: Str(512),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    size: Type.Integer({ minimum: 0 }),
    contentType: Str(128),
  },
  { additionalProperties: false },
);

export const MissingMaterial = Type.Object(
  { materialCode: Str(64), name: Str(200), reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

/** 网上申报: an application submitted at the portal, travelling inbound with its materials. */
export const ApplicationSubmitted = Envelope(
  'application.submitted',
  1,
  Type.Object(
    {
      applicationId: Uuid,
      receiptNo: Str(32),
      itemCode: Str(64),
      itemVersion: Type.Integer({ minimum: 1 }),
      applicant: Type.Object(
        { accountId: Str(64), name: Str(100), idNumberHash: Type.Optional(Str(128)), kind: Type.Union([Type.Literal('person'), Type.Literal('company')]) },
        { additionalProperties: false },
      ),
      form: Type.Record(Type.String(), Type.Unknown()),
      materials: Type.Array(SubmittedMaterial, { maxItems: 50 }),
      /** 免提交: materials replaced by the applicant's e-certificates (the extranet verifies them; no file travels). */
      certificates: Type.Optional(Type.Array(Type.Object({ materialCode: Str(64), certificateId: Str(128) }, { additionalProperties: false }), { maxItems: 50 })),
      submittedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

export const CaseStatus = Type.Union([
  Type.Literal('received'), // 网上受理: case created in the extranet
  Type.Literal('accepted'), // 受理
  Type.Literal('rejected'), // 不予受理
  Type.Literal('approved'), // 审批通过
  Type.Literal('denied'), // 不予许可
  Type.Literal('completed'), // 办结
  // Additions of the workflow/portal issues (5, 7, 13):
  Type.Literal('under_review'), // 审查中 (a review or decision step is open)
  Type.Literal('supplement_requested'), // 补交告知: missing materials listed in missingMaterials; the clock pauses
  Type.Literal('supplement_received'), // 补交受理: the applicant's supplement arrived; the clock resumes
  Type.Literal('special_procedure'), // 特别程序申请 (hearing, expert review, on-site inspection); the clock pauses
  Type.Literal('special_procedure_done'), // 特别程序结果; the clock resumes
  Type.Literal('payment_pending'), // 待缴费: a payment order is open; the case waits for it
  Type.Literal('paid'), // 已缴费: the case continues
  Type.Literal('withdrawn'), // 已撤回 by the applicant before a decision
  // Addition of issue 19:
  Type.Literal('terminated'), // 终止办理: ended without a decision by the administration (no transition leads here yet)
]);
export type CaseStatus = Static<typeof CaseStatus>;

/**
 * Whether a status ends the case (办结 in the wide sense: nothing more happens to it), for every
 * status — one decision per status, so a new status cannot be added without one (the Record is
 * exhaustive; `case-status.unit.test.ts` checks it against the union at run time too). Approval,
 * declaration and supervision all close a case by this one list.
 */
export const CASE_STATUS_TERMINAL: Readonly<Record<CaseStatus, boolean>> = {
  received: false, accepted: false, under_review: false, approved: false,
  supplement_requested: false, supplement_received: false, special_procedure: false, special_procedure_done: false,
  payment_pending: false, paid: false,
  completed: true, // 办结
  denied: true, // 不予许可
  rejected: true, // 不予受理
  withdrawn: true, // 已撤回
  terminated: true, // 终止办理
};
/** The terminal statuses (see CASE_STATUS_TERMINAL). */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(Object.entries(CASE_STATUS_TERMINAL).filter(([, t]) => t).map(([s]) => s));
export const isTerminalStatus = (status: string): boolean => TERMINAL_STATUSES.has(status);

/** Status shown to the applicant; travels outbound. */
export const CaseStatusChanged = Envelope(
  'case.status.changed',
  1,
  Type.Object(
    {
      applicationId: Uuid,
      caseNumber: Str(64),
      status: CaseStatus,
      reason: Type.Optional(Type.String({ maxLength: 2000 })),
      certificateId: Type.Optional(Str(128)),
      at: Type.String({ format: 'date-time' }),
      /** With supplement_requested: the materials (and fields) the applicant must provide again. */
      missingMaterials: Type.Optional(Type.Array(MissingMaterial, { maxItems: 50 })),
      /** The promised completion date in working days, as the extranet computes it (pauses included). */
      dueAt: Type.Optional(Type.String({ format: 'date-time' })),
      /** Free text for the applicant, e.g. the special procedure's kind (听证, 专家评审, 现场勘验). */
      note: Type.Optional(Type.String({ maxLength: 2000 })),
    },
    { additionalProperties: false },
  ),
);

/** 补正: the applicant's answer to a supplement request, travelling inbound with the new files. */
export const ApplicationSupplemented = Envelope(
  'application.supplemented',
  1,
  Type.Object(
    {
      applicationId: Uuid,
      caseNumber: Str(64),
      /** The item and version filed under (the relay checks the files against that item's allowed types). */
      itemCode: Str(64),
      itemVersion: Type.Integer({ minimum: 1 }),
      /** Replacement or additional materials; the files travel as envelope attachments like a submission's. */
      materials: Type.Array(SubmittedMaterial, { maxItems: 50 }),
      /** Corrected form fields only (merged over the submitted form). */
      form: Type.Record(Type.String(), Type.Unknown()),
      comment: Type.Optional(Type.String({ maxLength: 2000 })),
      supplementedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

/** 撤回: the applicant withdraws an application before a decision. */
export const ApplicationWithdrawn = Envelope(
  'application.withdrawn',
  1,
  Type.Object(
    {
      applicationId: Uuid,
      reason: Type.String({ minLength: 1, maxLength: 2000 }),
      withdrawnAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

/** 好差评: the applicant's evaluation of a completed case (once per case), travelling inbound to supervision. */
export const EvaluationSubmitted = Envelope(
  'evaluation.submitted',
  1,
  Type.Object(
    {
      evaluationId: Uuid,
      applicationId: Uuid,
      caseNumber: Str(64),
      itemCode: Str(64),
      department: Str(64),
      /** 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意. */
      level: Type.Integer({ minimum: 1, maximum: 5 }),
      comment: Type.Optional(Type.String({ maxLength: 2000 })),
      evaluatedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

/** Extranet-internal process event for every case transition; supervision consumes these. */
export const CaseTransitioned = Envelope(
  'case.transitioned',
  1,
  Type.Object(
    {
      caseId: Uuid,
      caseNumber: Str(64),
      applicationId: Uuid,
      itemCode: Str(64),
      department: Str(64),
      action: Str(32),
      from: Type.Union([CaseStatus, Type.Null()]),
      to: CaseStatus,
      actor: Str(64),
      reason: Type.Optional(Type.String({ maxLength: 2000 })),
      at: Type.String({ format: 'date-time' }),
      // Addition of supervision issue 9 (optional): the workflow step key the case is in after this
      // transition, so supervision can hold each step to its own limit (limitDays of the item's workflow).
      step: Type.Optional(Str(64)),
      // Additions of the workflow issue 7 (optional):
      /** The provincial exchange stage (网上受理, 受理, 审批过程, 补交告知, 补交受理, 特别程序申请, 特别程序结果, 办结). */
      stage: Type.Optional(Type.Union(['网上受理', '受理', '审批过程', '补交告知', '补交受理', '特别程序申请', '特别程序结果', '办结'].map((x) => Type.Literal(x)))),
      /** The promised completion date (承诺办结时间: end of that working day, China time), pauses included. */
      dueAt: Type.Optional(Type.String({ format: 'date-time' })),
    },
    { additionalProperties: false },
  ),
);

/** 预警/红黄牌: supervision's deadline warning for a case (or one of its steps), extranet-internal. */
export const SupervisionWarningRaised = Envelope(
  'supervision.warning.raised',
  1,
  Type.Object(
    {
      warningId: Uuid,
      caseNumber: Str(64),
      department: Str(64),
      /** yellow: the configured share of the limit is used; red: the limit is exceeded. */
      level: Type.Union([Type.Literal('yellow'), Type.Literal('red')]),
      /** 'case' for the promised limit, 'step:<key>' for a workflow step's limit. */
      scope: Str(80),
      limitDays: Type.Integer({ minimum: 0 }),
      usedDays: Type.Integer(),
      dueDate: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
      responsible: Type.Optional(Str(64)),
      raisedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

/** Approval asks the certificate service to issue the item's certificate for an approved case. */
/** What a certificate request is for: the case, the certificate type and the issuing department. */
const CertificateRequestSubject = {
  caseId: Uuid,
  caseNumber: Str(64),
  applicationId: Uuid,
  certificateType: Str(64),
  department: Str(64),
};

export const CertificateRequested = Envelope(
  'certificate.requested',
  1,
  Type.Object(
    {
      ...CertificateRequestSubject,
      holder: Type.Object({ accountId: Str(64), name: Str(100) }, { additionalProperties: false }),
      data: Type.Record(Type.String(), Type.Unknown()),
    },
    { additionalProperties: false },
  ),
);

/** Extranet event: a certificate was issued (approval completes the case on it). */
export const CertificateIssued = Envelope(
  'certificate.issued',
  1,
  Type.Object(
    {
      certificateId: Str(128),
      caseId: Uuid,
      caseNumber: Str(64),
      applicationId: Uuid,
      certificateType: Str(64),
      issuedAt: Type.String({ format: 'date-time' }),
      signature: Str(1024),
      algorithm: Str(32),
    },
    { additionalProperties: false },
  ),
);

/**
 * Extranet event: a certificate request that cannot be honoured (制证失败) — its type or issuer is
 * unknown, the department issues no such type, the data breaks the type's schema, or the issuer has
 * no signing key and creates none on first use. Approval records it on the case; supervision lists
 * it as an anomaly; after the definition is fixed an admin retries (approval re-sends the request).
 */
export const CertificateFailed = Envelope(
  'certificate.failed',
  1,
  Type.Object(
    {
      /** The id of the certificate.requested message refused (each retry is a new request). */
      requestId: Uuid,
      /** What that request was for, as it said (its holder and data stay with the certificate service). */
      request: Type.Object(CertificateRequestSubject, { additionalProperties: false }),
      /** Stable machine code of the cause. */
      code: Type.Union(['certificate_type_unknown', 'issuer_unknown', 'issuer_not_allowed', 'data_invalid', 'signing_key_missing'].map((c) => Type.Literal(c))),
      /** The cause for staff, in Chinese. */
      reason: Type.String({ minLength: 1, maxLength: 2000 }),
      failedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

/** Outbound notice to the holder (no more personal data than the holder sees). */
export const CertificateNotice = Envelope(
  'certificate.notice',
  1,
  Type.Object(
    {
      certificateId: Str(128),
      applicationId: Uuid,
      caseNumber: Str(64),
      certificateType: Str(64),
      issuedAt: Type.String({ format: 'date-time' }),
      sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    },
    { additionalProperties: false },
  ),
);

/**
 * Outbound verification record of an issued certificate (e-certificate issue): the signed document,
 * its signature and the public key that checks it, so that the internet portal can verify by
 * identifier or QR and show the holder's wallet. The PDF travels as the envelope's attachment.
 */
export const CertificateRecord = Envelope(
  'certificate.record',
  1,
  Type.Object(
    {
      certificateId: Str(128),
      /** Absent for certificates not issued on an application. */
      applicationId: Type.Optional(Uuid),
      certificateType: Str(64),
      typeName: Str(200),
      holder: Type.Object({ accountId: Str(64), name: Str(100) }, { additionalProperties: false }),
      issuer: Type.Object({ department: Str(64), name: Str(200), creditCode: Str(32) }, { additionalProperties: false }),
      issuedAt: Type.String({ format: 'date-time' }),
      validUntil: Type.Optional(Type.String({ format: 'date-time' })),
      /** The signed document exactly as signed (canonical JSON of it is what the signature covers). */
      document: Type.Record(Type.String(), Type.Unknown()),
      signature: Str(1024),
      algorithm: Str(32),
      key: Type.Object({ kid: Str(128), algorithm: Str(32), publicKey: Str(2048) }, { additionalProperties: false }),
      sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
      /** Object key of the PDF among the envelope's attachments. */
      pdfKey: Type.Optional(Str(512)),
    },
    { additionalProperties: false },
  ),
);

/** Outbound: a certificate was revoked (注销/吊销), with the reason; both zones then answer "revoked". */
export const CertificateRevoked = Envelope(
  'certificate.revoked',
  1,
  Type.Object(
    {
      certificateId: Str(128),
      reason: Type.String({ minLength: 1, maxLength: 500 }),
      revokedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

/**
 * Extranet: the certificate service's check of an e-certificate offered instead of a material
 * (免提交) — valid, signature good, type as the material requires, held by the applicant — for
 * approval to attach to the case. `verified: false` carries the reason.
 */
export const CertificateReuseChecked = Envelope(
  'certificate.reuse.checked',
  1,
  Type.Object(
    {
      applicationId: Uuid,
      materialCode: Str(64),
      certificateId: Str(128),
      verified: Type.Boolean(),
      reason: Type.Optional(Type.String({ maxLength: 500 })),
      status: Type.Union([Type.Literal('valid'), Type.Literal('revoked'), Type.Literal('expired'), Type.Literal('unknown')]),
      signatureValid: Type.Boolean(),
      certificateType: Type.Optional(Str(64)),
      typeName: Type.Optional(Str(200)),
      issuerName: Type.Optional(Str(200)),
      issuedAt: Type.Optional(Type.String({ format: 'date-time' })),
      validUntil: Type.Optional(Type.String({ format: 'date-time' })),
      /** The signed document (holder and data), for the clerk in place of the upload. */
      document: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      /** The certificate's PDF in the extranet object store (shown to the clerk as the material). */
      pdf: Type.Optional(Type.Object({ key: Str(512), sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) }, { additionalProperties: false })),
      checkedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

export type ItemPublished = Static<typeof ItemPublished>;
export type CalendarPublished = Static<typeof CalendarPublished>;
export type CertificateTypePublished = Static<typeof CertificateTypePublished>;
export type IssuerPublished = Static<typeof IssuerPublished>;
export type CertificateFailed = Static<typeof CertificateFailed>;
export type ApplicationSubmitted = Static<typeof ApplicationSubmitted>;
export type CaseStatusChanged = Static<typeof CaseStatusChanged>;
export type CaseTransitioned = Static<typeof CaseTransitioned>;
export type ApplicationSupplemented = Static<typeof ApplicationSupplemented>;
export type ApplicationWithdrawn = Static<typeof ApplicationWithdrawn>;
export type EvaluationSubmitted = Static<typeof EvaluationSubmitted>;
export type CertificateRequested = Static<typeof CertificateRequested>;
export type CertificateIssued = Static<typeof CertificateIssued>;
export type CertificateNotice = Static<typeof CertificateNotice>;
export type CertificateRecord = Static<typeof CertificateRecord>;
export type CertificateRevoked = Static<typeof CertificateRevoked>;
export type CertificateReuseChecked = Static<typeof CertificateReuseChecked>;
export type SupervisionWarningRaised = Static<typeof SupervisionWarningRaised>;
