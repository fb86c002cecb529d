-- Issue 19: a certificate request the certificate service could not honour (制证失败), shown on the case until a retry issues.
ALTER TABLE "case" ADD COLUMN "certificate_failure" JSONB;
CREATE INDEX "case_certificate_failure_idx" ON "case" ("department") WHERE "certificate_failure" IS NOT NULL;
