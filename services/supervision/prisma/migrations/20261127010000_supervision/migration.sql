-- Issue 9 (supervision): items, case projection, warnings, anomalies, rule settings, duty roster,
-- contacts, 好差评 rectification, the provincial front-end exchange table and the hash chain.
CREATE TABLE "item" (
  "code" TEXT NOT NULL PRIMARY KEY,
  "version" INTEGER NOT NULL,
  "name" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "department_name" TEXT NOT NULL,
  "hall" TEXT NOT NULL,
  "promised_days" INTEGER NOT NULL,
  "statutory_days" INTEGER NOT NULL,
  "online" BOOLEAN NOT NULL,
  "workflow" JSONB,
  "first_published_at" TIMESTAMPTZ(3) NOT NULL,
  "published_at" TIMESTAMPTZ(3) NOT NULL,
  "retired_at" TIMESTAMPTZ(3)
);
CREATE INDEX "item_department_idx" ON "item"("department");

CREATE TABLE "supervised_case" (
  "case_number" TEXT NOT NULL PRIMARY KEY,
  "case_id" TEXT NOT NULL,
  "application_id" TEXT NOT NULL,
  "item_code" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "hall" TEXT,
  "status" TEXT NOT NULL,
  "online" BOOLEAN NOT NULL DEFAULT false,
  "received_at" TIMESTAMPTZ(3) NOT NULL,
  "accepted_at" TIMESTAMPTZ(3),
  "closed_at" TIMESTAMPTZ(3),
  "completed_at" TIMESTAMPTZ(3),
  "promised_days" INTEGER,
  "used_days" INTEGER,
  "within_limit" BOOLEAN,
  "paused" BOOLEAN NOT NULL DEFAULT false,
  "supplements" INTEGER NOT NULL DEFAULT 0,
  "current_step" TEXT,
  "step_entered_at" TIMESTAMPTZ(3),
  "responsible" TEXT,
  "last_result" TEXT,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "supervised_case_department_status_idx" ON "supervised_case"("department", "status");
CREATE INDEX "supervised_case_application_id_idx" ON "supervised_case"("application_id");
CREATE INDEX "supervised_case_completed_at_idx" ON "supervised_case"("completed_at");

CREATE TABLE "warning" (
  "id" UUID NOT NULL PRIMARY KEY,
  "case_number" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "scope" TEXT NOT NULL,
  "level" TEXT NOT NULL,
  "limit_days" INTEGER NOT NULL,
  "used_days" INTEGER NOT NULL,
  "due_date" TEXT NOT NULL,
  "responsible" TEXT,
  "notified" INTEGER NOT NULL DEFAULT 0,
  "raised_at" TIMESTAMPTZ(3) NOT NULL,
  "resolved_at" TIMESTAMPTZ(3),
  "resolution" TEXT
);
CREATE UNIQUE INDEX "warning_case_number_scope_level_key" ON "warning"("case_number", "scope", "level");
CREATE INDEX "warning_department_resolved_at_idx" ON "warning"("department", "resolved_at");

CREATE TABLE "anomaly" (
  "id" UUID NOT NULL PRIMARY KEY,
  "rule" TEXT NOT NULL,
  "case_number" TEXT NOT NULL,
  "department" TEXT,
  "message_id" TEXT NOT NULL,
  "actor" TEXT,
  "detail" JSONB NOT NULL,
  "detected_at" TIMESTAMPTZ(3) NOT NULL,
  "retracted_at" TIMESTAMPTZ(3)
);
CREATE UNIQUE INDEX "anomaly_rule_case_number_message_id_key" ON "anomaly"("rule", "case_number", "message_id");
CREATE INDEX "anomaly_detected_at_idx" ON "anomaly"("detected_at");

CREATE TABLE "rule_config" (
  "rule" TEXT NOT NULL PRIMARY KEY,
  "enabled" BOOLEAN NOT NULL,
  "params" JSONB NOT NULL,
  "updated_by" TEXT NOT NULL,
  "updated_at" TIMESTAMPTZ(3) NOT NULL
);

CREATE TABLE "duty_shift" (
  "id" UUID NOT NULL PRIMARY KEY,
  "account" TEXT NOT NULL,
  "starts_at" TIMESTAMPTZ(3) NOT NULL,
  "ends_at" TIMESTAMPTZ(3) NOT NULL,
  "note" TEXT
);
CREATE INDEX "duty_shift_account_starts_at_idx" ON "duty_shift"("account", "starts_at");

CREATE TABLE "staff_contact" (
  "account" TEXT NOT NULL PRIMARY KEY,
  "name" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "head" BOOLEAN NOT NULL DEFAULT false,
  "phone" TEXT,
  "email" TEXT
);
CREATE INDEX "staff_contact_department_idx" ON "staff_contact"("department");

CREATE TABLE "rectification" (
  "id" UUID NOT NULL PRIMARY KEY,
  "evaluation_id" TEXT NOT NULL,
  "case_number" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "level" INTEGER NOT NULL,
  "comment" TEXT,
  "opened_at" TIMESTAMPTZ(3) NOT NULL,
  "deadline" TEXT NOT NULL,
  "status" TEXT NOT NULL,
  "result" TEXT,
  "closed_at" TIMESTAMPTZ(3),
  "closed_by" TEXT
);
CREATE UNIQUE INDEX "rectification_evaluation_id_key" ON "rectification"("evaluation_id");
CREATE INDEX "rectification_department_status_idx" ON "rectification"("department", "status");

CREATE TABLE "province_exchange" (
  "id" UUID NOT NULL PRIMARY KEY,
  "source_message_id" TEXT NOT NULL,
  "stage" TEXT NOT NULL,
  "stage_name" TEXT NOT NULL,
  "case_number" TEXT NOT NULL,
  "item_code" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "actor" TEXT,
  "occurred_at" TIMESTAMPTZ(3) NOT NULL,
  "opinion" TEXT,
  "promised_days" INTEGER,
  "data" JSONB NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "sent_at" TIMESTAMPTZ(3),
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "last_error" TEXT,
  "next_attempt_at" TIMESTAMPTZ(3)
);
CREATE UNIQUE INDEX "province_exchange_source_message_id_key" ON "province_exchange"("source_message_id");
CREATE INDEX "province_exchange_sent_at_created_at_idx" ON "province_exchange"("sent_at", "created_at");

CREATE TABLE "supervision_chain" (
  "seq" SERIAL NOT NULL PRIMARY KEY,
  "record_type" TEXT NOT NULL,
  "record_id" TEXT NOT NULL,
  "record_hash" TEXT NOT NULL,
  "prev_hash" TEXT NOT NULL,
  "hash" TEXT NOT NULL,
  "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "supervision_chain_record_type_record_id_idx" ON "supervision_chain"("record_type", "record_id");
