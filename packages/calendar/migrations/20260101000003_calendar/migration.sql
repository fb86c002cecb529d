-- Shared by every service that counts deadlines in working days (linked into its prisma/migrations):
-- the admins' calendar overrides as the catalog last published them, one row per year, so a
-- restarted process applies them before its first deadline (see followCalendar in @hall/service).
CREATE TABLE "calendar_override" (
  "year" INTEGER PRIMARY KEY,
  "holidays" JSONB NOT NULL,
  "workdays" JSONB NOT NULL,
  "published_at" TIMESTAMPTZ(3) NOT NULL
);
