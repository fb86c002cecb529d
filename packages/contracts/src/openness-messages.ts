/**
 * Contracts of issue 13: government openness (政务公开), complaints (投诉) and online fees (网上缴费).
 *
 * - `openness.article.*` travel outbound: the extranet catalog authors articles and the portal
 *   keeps a read replica (published → visible, withdrawn → gone).
 * - `complaint.filed` travels inbound to supervision; `complaint.answered` travels back outbound.
 * - `payment.ordered` travels outbound (approval opens an order when a case enters its payment
 *   step); `payment.settled` and `payment.refunded` travel inbound from the portal's payment side.
 * Amounts are integers in fen (分), never floating yuan.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Envelope, Uuid } from './envelope.js';

const Str = (max = 200) => Type.String({ minLength: 1, maxLength: max });
const DateTime = Type.String({ format: 'date-time' });

/** 通知公告 / 政策法规 / 新闻动态 / 结果公示. */
export const ArticleCategory = Type.Union([Type.Literal('notice'), Type.Literal('policy'), Type.Literal('news'), Type.Literal('result')]);
export type ArticleCategory = Static<typeof ArticleCategory>;

/** A file published with an article; its bytes travel as an envelope attachment with the same key. */
export const ArticleAttachment = Type.Object(
  { key: Str(512), fileName: Str(255), contentType: Str(128), size: Type.Integer({ minimum: 0 }), sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) },
  { additionalProperties: false },
);

/** 结果公示: one decided case, the applicant's name masked (see docs/openness.md for the rule). */
export const ApprovalResult = Type.Object(
  {
    caseNumber: Str(64),
    itemCode: Str(64),
    itemName: Str(200),
    applicantMasked: Str(200),
    /** approved 准予许可 / denied 不予许可 / rejected 不予受理 / completed 办结. */
    decision: Str(32),
    decidedAt: DateTime,
  },
  { additionalProperties: false },
);

export const OpennessArticlePublished = Envelope(
  'openness.article.published',
  1,
  Type.Object(
    {
      articleId: Uuid,
      /** Grows with every re-publication; the replica keeps the highest. */
      revision: Type.Integer({ minimum: 1 }),
      category: ArticleCategory,
      title: Str(300),
      summary: Type.Optional(Type.String({ maxLength: 1000 })),
      body: Type.String({ maxLength: 200_000 }),
      /** 文号 of a policy or regulation. */
      docNumber: Type.Optional(Str(100)),
      department: Type.Optional(Str(64)),
      departmentName: Type.Optional(Str(200)),
      tags: Type.Optional(Type.Array(Str(32), { maxItems: 20 })),
      attachments: Type.Optional(Type.Array(ArticleAttachment, { maxItems: 20 })),
      result: Type.Optional(ApprovalResult),
      publishedAt: DateTime,
    },
    { additionalProperties: false },
  ),
);

export const OpennessArticleWithdrawn = Envelope(
  'openness.article.withdrawn',
  1,
  Type.Object(
    { articleId: Uuid, revision: Type.Integer({ minimum: 1 }), reason: Type.Optional(Type.String({ maxLength: 1000 })), withdrawnAt: DateTime },
    { additionalProperties: false },
  ),
);

/** What a complaint is about: a case, a department, or a member of staff (by name and department). */
export const ComplaintTarget = Type.Object(
  {
    kind: Type.Union([Type.Literal('case'), Type.Literal('department'), Type.Literal('staff')]),
    caseNumber: Type.Optional(Str(64)),
    department: Type.Optional(Str(64)),
    staffName: Type.Optional(Str(100)),
  },
  { additionalProperties: false },
);

/** 行政投诉网上受理: filed at the portal, travelling inbound to supervision. */
export const ComplaintFiled = Envelope(
  'complaint.filed',
  1,
  Type.Object(
    {
      complaintId: Uuid,
      /** What an anonymous complainant keeps to follow the complaint (查询码). */
      trackingCode: Str(32),
      target: ComplaintTarget,
      category: Str(32),
      content: Type.String({ minLength: 5, maxLength: 5000 }),
      anonymous: Type.Boolean(),
      /** Absent when anonymous. */
      complainant: Type.Optional(Type.Object({ accountId: Str(64), name: Str(100), phone: Type.Optional(Str(32)) }, { additionalProperties: false })),
      filedAt: DateTime,
    },
    { additionalProperties: false },
  ),
);

/** Supervision's answer (答复), travelling outbound to the complainant. */
export const ComplaintAnswered = Envelope(
  'complaint.answered',
  1,
  Type.Object(
    {
      complaintId: Uuid,
      trackingCode: Str(32),
      /** substantiated 投诉属实 / partly 部分属实 / unsubstantiated 投诉不属实. */
      outcome: Type.Union([Type.Literal('substantiated'), Type.Literal('partly'), Type.Literal('unsubstantiated')]),
      answer: Type.String({ minLength: 2, maxLength: 5000 }),
      department: Type.Optional(Str(64)),
      answeredAt: DateTime,
    },
    { additionalProperties: false },
  ),
);

/** Supervision's warning that a complaint passed its answer deadline (extranet only). */
export const ComplaintOverdue = Envelope(
  'supervision.complaint.overdue',
  1,
  Type.Object(
    { complaintId: Uuid, trackingCode: Str(32), department: Str(64), dueAt: DateTime, workingDaysLimit: Type.Integer({ minimum: 1 }), raisedAt: DateTime },
    { additionalProperties: false },
  ),
);
export type ComplaintOverdue = Static<typeof ComplaintOverdue>;

export const FeeLine = Type.Object({ code: Str(64), name: Str(200), amountFen: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }) }, { additionalProperties: false });

/** A payment order (缴费通知) for a case that reached its payment step, travelling outbound. */
export const PaymentOrdered = Envelope(
  'payment.ordered',
  1,
  Type.Object(
    {
      orderId: Uuid,
      applicationId: Uuid,
      caseNumber: Str(64),
      itemCode: Str(64),
      itemName: Str(200),
      department: Str(64),
      departmentName: Type.Optional(Str(200)),
      lines: Type.Array(FeeLine, { minItems: 1, maxItems: 20 }),
      amountFen: Type.Integer({ minimum: 1 }),
      orderedAt: DateTime,
    },
    { additionalProperties: false },
  ),
);

/** The provider confirmed the payment (its callback was verified); travels inbound to approval. */
export const PaymentSettled = Envelope(
  'payment.settled',
  1,
  Type.Object(
    {
      orderId: Uuid,
      applicationId: Uuid,
      caseNumber: Str(64),
      amountFen: Type.Integer({ minimum: 1 }),
      provider: Str(32),
      providerTradeNo: Str(64),
      receiptNo: Str(64),
      paidAt: DateTime,
    },
    { additionalProperties: false },
  ),
);

/** A settled payment was refunded (退费) by the provider; travels inbound. */
export const PaymentRefunded = Envelope(
  'payment.refunded',
  1,
  Type.Object(
    {
      orderId: Uuid,
      applicationId: Uuid,
      caseNumber: Str(64),
      amountFen: Type.Integer({ minimum: 1 }),
      providerRefundNo: Str(64),
      reason: Str(500),
      refundedAt: DateTime,
    },
    { additionalProperties: false },
  ),
);

export type OpennessArticlePublished = Static<typeof OpennessArticlePublished>;
export type OpennessArticleWithdrawn = Static<typeof OpennessArticleWithdrawn>;
export type ComplaintFiled = Static<typeof ComplaintFiled>;
export type ComplaintAnswered = Static<typeof ComplaintAnswered>;
export type PaymentOrdered = Static<typeof PaymentOrdered>;
export type PaymentSettled = Static<typeof PaymentSettled>;
export type PaymentRefunded = Static<typeof PaymentRefunded>;
export type FeeLine = Static<typeof FeeLine>;
export type ApprovalResult = Static<typeof ApprovalResult>;
