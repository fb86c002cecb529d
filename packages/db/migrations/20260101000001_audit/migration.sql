-- Shared by every service that audits state changes (linked into its prisma/migrations):
-- who did what to which target, when, with details. Rows are only ever inserted.
CREATE TABLE "audit_entry" (
  "id" BIGSERIAL PRIMARY KEY,
  "actor" TEXT NOT NULL,
  "action" TEXT NOT NULL,
  "target" TEXT NOT NULL,
  "detail" JSONB NOT NULL,
  "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "audit_entry_target_idx" ON "audit_entry"("target", "at");
