CREATE TABLE "item_definition" (
  "code" TEXT NOT NULL,
  "version" INTEGER NOT NULL,
  "name" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "department_name" TEXT NOT NULL,
  "certificate_type" TEXT,
  "promised_days" INTEGER NOT NULL,
  "publication" JSONB NOT NULL,
  "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  PRIMARY KEY ("code", "version")
);

CREATE TABLE "case" (
  "id" UUID NOT NULL PRIMARY KEY,
  "case_number" TEXT NOT NULL,
  "application_id" UUID NOT NULL,
  "receipt_no" TEXT NOT NULL,
  "item_code" TEXT NOT NULL,
  "item_version" INTEGER NOT NULL,
  "item_name" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "applicant" JSONB NOT NULL,
  "form" JSONB NOT NULL,
  "materials" JSONB NOT NULL,
  "status" TEXT NOT NULL,
  "certificate_id" TEXT,
  "received_at" TIMESTAMPTZ(3) NOT NULL,
  "updated_at" TIMESTAMPTZ(3) NOT NULL
);
CREATE UNIQUE INDEX "case_case_number_key" ON "case"("case_number");
CREATE UNIQUE INDEX "case_application_id_key" ON "case"("application_id");
CREATE INDEX "case_department_status_idx" ON "case"("department", "status", "received_at");

CREATE TABLE "case_action" (
  "id" BIGSERIAL PRIMARY KEY,
  "case_id" UUID NOT NULL REFERENCES "case"("id"),
  "action" TEXT NOT NULL,
  "from_status" TEXT,
  "to_status" TEXT NOT NULL,
  "actor_id" TEXT NOT NULL,
  "actor_name" TEXT NOT NULL,
  "reason" TEXT,
  "at" TIMESTAMPTZ(3) NOT NULL
);
CREATE INDEX "case_action_case_idx" ON "case_action"("case_id", "id");

CREATE TABLE "case_number_counter" (
  "scope" TEXT NOT NULL PRIMARY KEY,
  "value" INTEGER NOT NULL
);
