/**
 * Issue 13's messages on the internet OUT stream (政务公开 articles, complaint answers, payment
 * orders), and the refund trigger on case status. Called by the declaration consumer inside its
 * inbox transaction, so each message's effects commit once with the inbox row.
 */
import type { AnyMessage } from '@hall/messaging';
import type { CaseStatusChanged, ComplaintAnswered, OpennessArticlePublished, OpennessArticleWithdrawn, PaymentOrdered } from '@hall/contracts';
import type { Prisma } from './generated/prisma/client.js';
import { applyArticlePublished, applyArticleWithdrawn } from './openness.js';
import { applyComplaintAnswered } from './complaints.js';
import { applyCaseStatusForPayments, applyPaymentOrdered } from './payments.js';

/** Returns true when the message was issue 13's alone (nothing else needs to handle it). */
export async function applyOpennessMessage(tx: Prisma.TransactionClient, message: AnyMessage): Promise<boolean> {
  switch (message.type) {
    case 'openness.article.published': await applyArticlePublished(tx, (message as OpennessArticlePublished).payload); return true;
    case 'openness.article.withdrawn': await applyArticleWithdrawn(tx, (message as OpennessArticleWithdrawn).payload); return true;
    case 'complaint.answered': await applyComplaintAnswered(tx, (message as ComplaintAnswered).payload); return true;
    case 'payment.ordered': await applyPaymentOrdered(tx, (message as PaymentOrdered).payload); return true;
    case 'case.status.changed': await applyCaseStatusForPayments(tx, (message as CaseStatusChanged).payload); return false;
    default: return false;
  }
}
