-- The udp transport: a per-lane sequence ledger at the receiver (every lane sequence accounted
-- for, so gaps are visible), the receiver's contiguous watermark, and the sender's progress.
CREATE TABLE "lane_sequence" (
  "lane" TEXT NOT NULL,
  "seq" BIGINT NOT NULL,
  "outcome" TEXT NOT NULL CHECK ("outcome" IN ('relayed', 'quarantined', 'duplicate', 'skipped')),
  "message_id" TEXT,
  "handled_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  PRIMARY KEY ("lane", "seq")
);

CREATE TABLE "lane_receiver_state" (
  "lane" TEXT NOT NULL PRIMARY KEY,
  "received_through" BIGINT NOT NULL DEFAULT 0,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);

CREATE TABLE "lane_sender_state" (
  "lane" TEXT NOT NULL PRIMARY KEY,
  "next_seq" BIGINT NOT NULL,
  "confirmed_through" BIGINT NOT NULL DEFAULT 0,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
