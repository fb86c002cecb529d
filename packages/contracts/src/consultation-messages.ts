/**
 * 在线咨询 (online consultation) of issue 5: a citizen's question about an item or one of their
 * applications travels inbound to the department that runs the item; the staff's answer travels
 * back outbound. No request/response crosses the zones: two one-way messages with one id.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Envelope, Uuid } from './envelope.js';

const Str = (max = 200) => Type.String({ minLength: 1, maxLength: max });

/** The question, addressed to the item's department (from the catalog's publication). */
export const ConsultationAsked = Envelope(
  'consultation.asked',
  1,
  Type.Object(
    {
      consultationId: Uuid,
      itemCode: Str(64),
      itemName: Str(200),
      department: Str(64),
      /** Present when the question is about one of the asker's applications. */
      applicationId: Type.Optional(Uuid),
      caseNumber: Type.Optional(Str(64)),
      /** How staff address the asker; no other personal data travels. */
      askerName: Str(100),
      question: Type.String({ minLength: 2, maxLength: 2000 }),
      askedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

/** The department's answer. */
export const ConsultationAnswered = Envelope(
  'consultation.answered',
  1,
  Type.Object(
    {
      consultationId: Uuid,
      department: Str(64),
      answer: Type.String({ minLength: 2, maxLength: 4000 }),
      /** The answering department's name as the citizen sees it (not the clerk's account). */
      answeredBy: Str(200),
      answeredAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

export type ConsultationAsked = Static<typeof ConsultationAsked>;
export type ConsultationAnswered = Static<typeof ConsultationAnswered>;
