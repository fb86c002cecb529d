/**
 * The registry of message types: schema, compiled validator, and the subject that carries each.
 * Subjects: `hall.in.*` travel internet → extranet (INBOUND lane), `hall.out.*` extranet → internet
 * (OUTBOUND lane), `hall.x.*` stay in the extranet, `hall.i.*` stay in the internet zone.
 */
import type { TObject, Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { FormatRegistry } from '@sinclair/typebox';
import * as M from './messages.js';
import * as R from './relay-messages.js';
import * as O from './openness-messages.js';
import * as C from './consultation-messages.js';

if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v));
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d\d-\d\dT/.test(v));

export interface MessageDef<S extends TObject = TObject> {
  type: string;
  version: number;
  subject: string;
  schema: S;
  check: TypeCheck<S>;
}

function def<S extends TObject>(schema: S, subject: string): MessageDef<S> {
  const type = (schema.properties as unknown as { type: { const: string } }).type.const;
  const version = (schema.properties as unknown as { version: { const: number } }).version.const;
  return { type, version, subject, schema, check: TypeCompiler.Compile(schema) };
}

export const Messages = {
  'catalog.item.published': def(M.ItemPublished, 'hall.out.catalog.item.published'),
  'catalog.calendar.published': def(M.CalendarPublished, 'hall.out.catalog.calendar.published'),
  'catalog.certificate-type.published': def(M.CertificateTypePublished, 'hall.x.catalog.certificate-type.published'),
  'catalog.issuer.published': def(M.IssuerPublished, 'hall.x.catalog.issuer.published'),
  'application.submitted': def(M.ApplicationSubmitted, 'hall.in.application.submitted'),
  'application.supplemented': def(M.ApplicationSupplemented, 'hall.in.application.supplemented'),
  'application.withdrawn': def(M.ApplicationWithdrawn, 'hall.in.application.withdrawn'),
  'evaluation.submitted': def(M.EvaluationSubmitted, 'hall.in.evaluation.submitted'),
  'case.status.changed': def(M.CaseStatusChanged, 'hall.out.case.status.changed'),
  'case.transitioned': def(M.CaseTransitioned, 'hall.x.case.transitioned'),
  'certificate.requested': def(M.CertificateRequested, 'hall.x.certificate.requested'),
  'certificate.issued': def(M.CertificateIssued, 'hall.x.certificate.issued'),
  'certificate.failed': def(M.CertificateFailed, 'hall.x.certificate.failed'),
  'certificate.notice': def(M.CertificateNotice, 'hall.out.certificate.notice'),
  'certificate.record': def(M.CertificateRecord, 'hall.out.certificate.record'),
  'certificate.revoked': def(M.CertificateRevoked, 'hall.out.certificate.revoked'),
  'certificate.reuse.checked': def(M.CertificateReuseChecked, 'hall.x.certificate.reuse.checked'),
  'supervision.warning.raised': def(M.SupervisionWarningRaised, 'hall.x.supervision.warning.raised'),
  // Issue 13: openness (政务公开), complaints (投诉), fees (网上缴费).
  'openness.article.published': def(O.OpennessArticlePublished, 'hall.out.openness.article.published'),
  'openness.article.withdrawn': def(O.OpennessArticleWithdrawn, 'hall.out.openness.article.withdrawn'),
  'complaint.filed': def(O.ComplaintFiled, 'hall.in.complaint.filed'),
  'complaint.answered': def(O.ComplaintAnswered, 'hall.out.complaint.answered'),
  'supervision.complaint.overdue': def(O.ComplaintOverdue, 'hall.x.supervision.complaint.overdue'),
  'payment.ordered': def(O.PaymentOrdered, 'hall.out.payment.ordered'),
  'payment.settled': def(O.PaymentSettled, 'hall.in.payment.settled'),
  'payment.refunded': def(O.PaymentRefunded, 'hall.in.payment.refunded'),
  // Issue 5: online consultation (在线咨询).
  'consultation.asked': def(C.ConsultationAsked, 'hall.in.consultation.asked'),
  'consultation.answered': def(C.ConsultationAnswered, 'hall.out.consultation.answered'),
  'relay.inbound.reconciliation': def(R.InboundReconciliation, 'hall.out.relay.inbound.reconciliation'),
  'relay.outbound.reconciliation': def(R.OutboundReconciliation, 'hall.in.relay.outbound.reconciliation'),
  'relay.message.quarantined': def(R.MessageQuarantined, 'hall.quarantine.relay'),
} as const;

export type MessageType = keyof typeof Messages;
export type MessageOf<T extends MessageType> = Static<(typeof Messages)[T]['schema']>;

export class ContractError extends Error {
  constructor(public readonly type: string, public readonly errors: { path: string; message: string }[]) {
    super(`message ${type} violates its contract: ${errors.slice(0, 5).map((e) => `${e.path || '/'} ${e.message}`).join('; ')}`);
    this.name = 'ContractError';
  }
}

export function isMessageType(t: unknown): t is MessageType {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(Messages, t);
}

/** Validates an unknown value as a known message; throws ContractError with the first problems. */
export function validateMessage(value: unknown): MessageOf<MessageType> {
  const type = (value as { type?: unknown } | null)?.type;
  if (!isMessageType(type)) throw new ContractError(String(type), [{ path: '/type', message: 'unknown message type' }]);
  const d = Messages[type] as MessageDef;
  if (!d.check.Check(value)) {
    throw new ContractError(type, [...d.check.Errors(value)].map((e) => ({ path: e.path, message: e.message })));
  }
  return value as MessageOf<MessageType>;
}

export function subjectOf(type: MessageType): string {
  return Messages[type].subject;
}
