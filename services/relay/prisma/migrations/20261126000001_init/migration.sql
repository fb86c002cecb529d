CREATE TABLE "ledger_entry" (
  "lane" TEXT NOT NULL,
  "message_id" TEXT NOT NULL,
  "source_seq" BIGINT NOT NULL,
  "type" TEXT NOT NULL,
  "status" TEXT NOT NULL CHECK ("status" IN ('relayed', 'quarantined')),
  "reason" TEXT,
  "bytes" INTEGER NOT NULL,
  "handled_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  PRIMARY KEY ("lane", "message_id")
);
CREATE INDEX "ledger_entry_lane_seq_idx" ON "ledger_entry"("lane", "source_seq");

CREATE TABLE "quarantine_entry" (
  "id" BIGSERIAL PRIMARY KEY,
  "lane" TEXT NOT NULL,
  "message_id" TEXT,
  "source_seq" BIGINT NOT NULL,
  "reason" TEXT NOT NULL,
  "raw" TEXT NOT NULL,
  "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
