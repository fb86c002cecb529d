-- 在线咨询 (issue 5): citizens' questions received through the INBOUND lane (consultation.asked),
-- answered by staff of the item's department; the answer leaves through the outbox
-- (consultation.answered). Written with SQL by src/consultation.ts (no Prisma model).
CREATE TABLE "consultation" (
  "id" UUID NOT NULL PRIMARY KEY,
  "item_code" TEXT NOT NULL,
  "item_name" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "application_id" UUID,
  "case_number" TEXT,
  "asker_name" TEXT NOT NULL,
  "question" TEXT NOT NULL,
  "asked_at" TIMESTAMPTZ(3) NOT NULL,
  "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "answer" TEXT,
  "answered_by_id" TEXT,
  "answered_by_name" TEXT,
  "answered_at" TIMESTAMPTZ(3)
);
CREATE INDEX "consultation_department_open_idx" ON "consultation"("department", "asked_at") WHERE "answer" IS NULL;
CREATE INDEX "consultation_department_idx" ON "consultation"("department", "asked_at");
