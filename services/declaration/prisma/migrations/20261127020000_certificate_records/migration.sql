-- E-certificate verification records from the OUTBOUND lane: the holder's wallet and public verification.
CREATE TABLE "certificate_record" (
  "id" TEXT NOT NULL,
  "holder_id" TEXT NOT NULL,
  "holder_name" TEXT NOT NULL,
  "type" TEXT NOT NULL,
  "type_name" TEXT NOT NULL,
  "issuer_name" TEXT NOT NULL,
  "issuer_credit_code" TEXT NOT NULL,
  "issued_at" TIMESTAMPTZ(3) NOT NULL,
  "valid_until" TIMESTAMPTZ(3),
  "document" JSONB NOT NULL,
  "signature" TEXT NOT NULL,
  "algorithm" TEXT NOT NULL,
  "key_id" TEXT NOT NULL,
  "public_key" TEXT NOT NULL,
  "sha256" TEXT NOT NULL,
  "pdf_key" TEXT,
  "application_id" UUID,
  "status" TEXT NOT NULL,
  "revoked_at" TIMESTAMPTZ(3),
  "revocation_reason" TEXT,
  "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "certificate_record_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "certificate_record_holder_id_idx" ON "certificate_record"("holder_id");
