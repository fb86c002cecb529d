-- E-certificate lifecycle: validity, revocation with reason, the PDF in the object store, and
-- retired signing keys (rotation keeps old keys for verification).
ALTER TABLE "certificate" ADD COLUMN "valid_until" TIMESTAMPTZ(3);
ALTER TABLE "certificate" ADD COLUMN "revoked_at" TIMESTAMPTZ(3);
ALTER TABLE "certificate" ADD COLUMN "revocation_reason" TEXT;
ALTER TABLE "certificate" ADD COLUMN "revoked_by" TEXT;
ALTER TABLE "certificate" ADD COLUMN "pdf_key" TEXT;
ALTER TABLE "certificate" ADD COLUMN "pdf_sha256" TEXT;
ALTER TABLE "certificate" ADD COLUMN "record_at" TIMESTAMPTZ(3);
ALTER TABLE "signing_key" ADD COLUMN "retired_at" TIMESTAMPTZ(3);
