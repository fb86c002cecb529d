CREATE TABLE "certificate" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "case_id" UUID NOT NULL,
  "case_number" TEXT NOT NULL,
  "application_id" UUID NOT NULL,
  "type" TEXT NOT NULL,
  "type_code" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "issuer_credit_code" TEXT NOT NULL,
  "holder" JSONB NOT NULL,
  "data" JSONB NOT NULL,
  "issued_at" TIMESTAMPTZ(3) NOT NULL,
  "status" TEXT NOT NULL,
  "algorithm" TEXT NOT NULL,
  "key_id" TEXT NOT NULL,
  "signature" TEXT NOT NULL,
  "document_sha256" TEXT NOT NULL
);
CREATE UNIQUE INDEX "certificate_case_id_key" ON "certificate"("case_id");

CREATE TABLE "signing_key" (
  "kid" TEXT NOT NULL PRIMARY KEY,
  "department" TEXT NOT NULL,
  "algorithm" TEXT NOT NULL,
  "public_key_pem" TEXT NOT NULL,
  "private_key_pem" TEXT NOT NULL,
  "active" BOOLEAN NOT NULL DEFAULT true,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "signing_key_department_idx" ON "signing_key"("department", "active");

CREATE TABLE "serial_counter" (
  "scope" TEXT NOT NULL PRIMARY KEY,
  "value" INTEGER NOT NULL
);
