-- Issue 19: issuer records come from the catalog (catalog.issuer.published); a type names its issuers;
-- a request that cannot be honoured is recorded with its cause (and announced as certificate.failed).
CREATE TABLE "issuer" (
    "department" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "credit_code" TEXT NOT NULL,
    "key_policy" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "published_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "issuer_pkey" PRIMARY KEY ("department")
);

ALTER TABLE "certificate_type" ADD COLUMN "issuers" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

ALTER TABLE "certificate_refusal" ADD COLUMN "code" TEXT NOT NULL DEFAULT 'data_invalid';
ALTER TABLE "certificate_refusal" ADD COLUMN "reason" TEXT;
