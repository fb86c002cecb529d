CREATE TABLE "item" (
  "id" UUID NOT NULL PRIMARY KEY,
  "code" TEXT NOT NULL,
  "version" INTEGER NOT NULL,
  "status" TEXT NOT NULL CHECK ("status" IN ('draft', 'published', 'retired')),
  "name" TEXT NOT NULL,
  "power_type" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "department_name" TEXT NOT NULL,
  "hall" TEXT NOT NULL,
  "level" TEXT NOT NULL,
  "promised_days" INTEGER NOT NULL,
  "statutory_days" INTEGER NOT NULL,
  "certificate_type" TEXT,
  "guide" JSONB NOT NULL,
  "form_schema" JSONB NOT NULL,
  "materials" JSONB NOT NULL,
  "workflow" JSONB NOT NULL,
  "published_at" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX "item_code_version_key" ON "item"("code", "version");
