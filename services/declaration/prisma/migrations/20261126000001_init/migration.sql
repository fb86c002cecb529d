CREATE TABLE "item_replica" (
  "code" TEXT NOT NULL PRIMARY KEY,
  "version" INTEGER NOT NULL,
  "name" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "publication" JSONB NOT NULL,
  "published_at" TIMESTAMPTZ(3) NOT NULL,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);

CREATE TABLE "material" (
  "id" UUID NOT NULL PRIMARY KEY,
  "account_id" TEXT NOT NULL,
  "item_code" TEXT NOT NULL,
  "material_code" TEXT NOT NULL,
  "file_name" TEXT NOT NULL,
  "object_key" TEXT NOT NULL,
  "sha256" TEXT NOT NULL,
  "size" INTEGER NOT NULL,
  "content_type" TEXT NOT NULL,
  "application_id" UUID,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "material_account_idx" ON "material"("account_id");

CREATE TABLE "application" (
  "id" UUID NOT NULL PRIMARY KEY,
  "receipt_no" TEXT NOT NULL,
  "account_id" TEXT NOT NULL,
  "applicant_name" TEXT NOT NULL,
  "item_code" TEXT NOT NULL,
  "item_version" INTEGER NOT NULL,
  "form" JSONB NOT NULL,
  "status" TEXT NOT NULL,
  "case_number" TEXT,
  "certificate_id" TEXT,
  "idempotency_key" TEXT NOT NULL,
  "request_hash" TEXT NOT NULL,
  "submitted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX "application_receipt_no_key" ON "application"("receipt_no");
CREATE UNIQUE INDEX "application_account_id_idempotency_key_key" ON "application"("account_id", "idempotency_key");
CREATE INDEX "application_account_idx" ON "application"("account_id", "submitted_at" DESC);

CREATE TABLE "timeline_entry" (
  "id" BIGSERIAL PRIMARY KEY,
  "application_id" UUID NOT NULL,
  "status" TEXT NOT NULL,
  "reason" TEXT,
  "case_number" TEXT,
  "certificate_id" TEXT,
  "at" TIMESTAMPTZ(3) NOT NULL,
  "source_message_id" TEXT NOT NULL
);
CREATE UNIQUE INDEX "timeline_entry_source_message_id_key" ON "timeline_entry"("source_message_id");
CREATE INDEX "timeline_entry_application_idx" ON "timeline_entry"("application_id", "at");

CREATE SEQUENCE "receipt_no_seq";
