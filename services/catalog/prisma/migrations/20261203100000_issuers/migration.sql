-- Issue 19: issuers (发证机关) are catalog data; certificate types name the departments that issue them.
CREATE TABLE "issuer" (
    "department" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "credit_code" TEXT NOT NULL,
    "key_policy" TEXT NOT NULL DEFAULT 'on_first_use',
    "version" INTEGER NOT NULL,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "issuer_pkey" PRIMARY KEY ("department")
);

ALTER TABLE "certificate_type" ADD COLUMN "issuers" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
