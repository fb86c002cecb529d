CREATE TABLE "process_event" (
  "message_id" TEXT NOT NULL PRIMARY KEY,
  "type" TEXT NOT NULL,
  "correlation_id" TEXT NOT NULL,
  "case_number" TEXT,
  "department" TEXT,
  "stage" TEXT,
  "payload" JSONB NOT NULL,
  "occurred_at" TIMESTAMPTZ(3) NOT NULL,
  "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "process_event_case_number_occurred_at_idx" ON "process_event"("case_number", "occurred_at");
CREATE INDEX "process_event_correlation_idx" ON "process_event"("correlation_id");
