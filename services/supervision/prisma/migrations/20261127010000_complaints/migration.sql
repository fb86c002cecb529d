-- Issue 13: complaints (投诉) tracked by supervision, their actions and overdue warnings. Separate
-- from the case deadline warnings.
CREATE TABLE "complaint" (
  "id" UUID NOT NULL,
  "tracking_code" TEXT NOT NULL,
  "target_kind" TEXT NOT NULL,
  "case_number" TEXT,
  "staff_name" TEXT,
  "department" TEXT NOT NULL,
  "category" TEXT NOT NULL,
  "content" TEXT NOT NULL,
  "anonymous" BOOLEAN NOT NULL,
  "complainant_name" TEXT,
  "complainant_phone" TEXT,
  "status" TEXT NOT NULL DEFAULT 'received' CHECK ("status" IN ('received', 'assigned', 'answered')),
  "assignee" TEXT,
  "assignee_name" TEXT,
  "filed_at" TIMESTAMPTZ(3) NOT NULL,
  "due_at" TIMESTAMPTZ(3) NOT NULL,
  "outcome" TEXT,
  "answer" TEXT,
  "answered_by" TEXT,
  "answered_at" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "complaint_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "complaint_tracking_code_key" ON "complaint"("tracking_code");
CREATE INDEX "complaint_department_status_idx" ON "complaint"("department", "status");
CREATE INDEX "complaint_status_due_at_idx" ON "complaint"("status", "due_at");

CREATE TABLE "complaint_action" (
  "id" BIGSERIAL NOT NULL,
  "complaint_id" UUID NOT NULL,
  "action" TEXT NOT NULL,
  "actor" TEXT NOT NULL,
  "detail" JSONB NOT NULL,
  "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "complaint_action_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "complaint_action_complaint_id_idx" ON "complaint_action"("complaint_id");

CREATE TABLE "complaint_warning" (
  "complaint_id" UUID NOT NULL,
  "department" TEXT NOT NULL,
  "level" TEXT NOT NULL,
  "due_at" TIMESTAMPTZ(3) NOT NULL,
  "raised_at" TIMESTAMPTZ(3) NOT NULL,
  "resolved_at" TIMESTAMPTZ(3),
  CONSTRAINT "complaint_warning_pkey" PRIMARY KEY ("complaint_id")
);
CREATE INDEX "complaint_warning_department_idx" ON "complaint_warning"("department");
