/**
 * Contracts of the relay lanes themselves (网闸), not of any business flow:
 * - a reconciliation report (对账报告): what a lane's receiver holds, published in the receiver's
 *   zone on the subject of the OPPOSITE lane, so that it reaches the lane's sender without any
 *   packet ever travelling backwards on the lane itself;
 * - a quarantine event (隔离): a message the receiver refused, with the reason, on the zone's
 *   QUARANTINE stream for operators and supervision.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Envelope } from './envelope.js';

const LaneName = Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]);
const Seq = Type.Integer({ minimum: 0 });

const ReconciliationPayload = Type.Object(
  {
    lane: LaneName,
    /** Every lane sequence up to and including this one has been handled (relayed, quarantined or skipped). */
    receivedThrough: Seq,
    /** Highest sequence the receiver has seen, from a record or from the sender's heartbeat. */
    highestSeen: Seq,
    /** Sequences above `receivedThrough` the receiver does not hold, as closed ranges (bounded). */
    missing: Type.Array(Type.Object({ from: Seq, to: Seq }, { additionalProperties: false }), { maxItems: 500 }),
    /** Sender epoch the receiver last heard from (changes when the sender restarts). */
    senderEpoch: Type.Integer({ minimum: 0 }),
    relayed: Seq,
    quarantined: Seq,
    at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

/** INBOUND lane's receiver (extranet) → OUTBOUND lane → INBOUND lane's sender (internet). */
export const InboundReconciliation = Envelope('relay.inbound.reconciliation', 1, ReconciliationPayload);
/** OUTBOUND lane's receiver (internet) → INBOUND lane → OUTBOUND lane's sender (extranet). */
export const OutboundReconciliation = Envelope('relay.outbound.reconciliation', 1, ReconciliationPayload);

/** A refused message: reason and a bounded, inspectable copy of what arrived (never forwarded). */
export const MessageQuarantined = Envelope(
  'relay.message.quarantined',
  1,
  Type.Object(
    {
      lane: LaneName,
      sourceSeq: Seq,
      messageId: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
      messageType: Type.String({ maxLength: 128 }),
      reason: Type.String({ minLength: 1, maxLength: 2000 }),
      /** Size and SHA-256 of the whole refused message; `raw` may be cut. */
      bytes: Seq,
      sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
      raw: Type.String({ maxLength: 65536 }),
      at: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);

export type InboundReconciliation = Static<typeof InboundReconciliation>;
export type OutboundReconciliation = Static<typeof OutboundReconciliation>;
export type MessageQuarantined = Static<typeof MessageQuarantined>;
