-- Workflow engine (issue 7): deadlines and pauses on the case, tasks per workflow step, richer history.
ALTER TABLE "case" ADD COLUMN "promised_days" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "case" ADD COLUMN "clock_start" TEXT;
ALTER TABLE "case" ADD COLUMN "paused_days" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "case" ADD COLUMN "paused_since" TEXT;
ALTER TABLE "case" ADD COLUMN "due_date" TEXT;
ALTER TABLE "case" ADD COLUMN "pending" JSONB;
ALTER TABLE "case" ADD COLUMN "decided_at" TIMESTAMPTZ(3);
ALTER TABLE "case" ADD COLUMN "payment_reference" TEXT;

ALTER TABLE "case_action" ADD COLUMN "step_key" TEXT;
ALTER TABLE "case_action" ADD COLUMN "stage" TEXT;
ALTER TABLE "case_action" ADD COLUMN "detail" JSONB;

CREATE TABLE "case_task" (
  "id" UUID NOT NULL PRIMARY KEY,
  "case_id" UUID NOT NULL REFERENCES "case"("id"),
  "step_key" TEXT NOT NULL,
  "step_name" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "position" TEXT NOT NULL,
  "region" TEXT,
  "status" TEXT NOT NULL,
  "assignee_id" TEXT,
  "assignee_name" TEXT,
  "delegated_by" TEXT,
  "outcome" TEXT,
  "opinion" TEXT,
  "limit_days" INTEGER NOT NULL,
  "paused_days" INTEGER NOT NULL DEFAULT 0,
  "opened_on" TEXT NOT NULL,
  "due_date" TEXT NOT NULL,
  "opened_at" TIMESTAMPTZ(3) NOT NULL,
  "claimed_at" TIMESTAMPTZ(3),
  "completed_at" TIMESTAMPTZ(3),
  "completed_by" TEXT
);
-- The inbox: open and claimed tasks of a department and position, soonest deadline first.
CREATE INDEX "case_task_inbox_idx" ON "case_task"("department", "position", "due_date", "opened_at") WHERE "status" IN ('open', 'claimed');
CREATE INDEX "case_task_assignee_idx" ON "case_task"("assignee_id") WHERE "status" = 'claimed';
CREATE INDEX "case_task_case_idx" ON "case_task"("case_id");
-- One live task per step and case (a step runs once).
CREATE UNIQUE INDEX "case_task_case_step_key" ON "case_task"("case_id", "step_key");
