-- Issue 4: the full item record, published-version immutability, bundles and the working-day calendar.
ALTER TABLE "item"
  ADD COLUMN "implementation_code" TEXT,
  ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'promised' CHECK ("kind" IN ('immediate', 'promised')),
  ADD COLUMN "online" BOOLEAN NOT NULL DEFAULT true,
  ADD COLUMN "visits" INTEGER NOT NULL DEFAULT 0 CHECK ("visits" BETWEEN 0 AND 2),
  ADD COLUMN "keywords" TEXT[] NOT NULL DEFAULT '{}',
  ADD COLUMN "bundle" JSONB,
  ADD COLUMN "retired_at" TIMESTAMPTZ(3),
  ADD COLUMN "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now();

CREATE INDEX "item_status_code_idx" ON "item"("status", "code");

-- A published or retired version is immutable: only draft → published → retired moves are allowed,
-- and nothing but the status and its timestamps may change once a version left the draft state.
-- The repository checks this too; the trigger makes it hold for every writer.
CREATE FUNCTION item_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'draft' AND
     (to_jsonb(OLD) - 'status' - 'published_at' - 'retired_at' - 'updated_at') IS DISTINCT FROM
     (to_jsonb(NEW) - 'status' - 'published_at' - 'retired_at' - 'updated_at') THEN
    RAISE EXCEPTION 'item % version % is %, its content is immutable', OLD.code, OLD.version, OLD.status USING ERRCODE = 'check_violation';
  END IF;
  IF NOT (OLD.status = NEW.status OR (OLD.status = 'draft' AND NEW.status = 'published') OR (OLD.status = 'published' AND NEW.status = 'retired')) THEN
    RAISE EXCEPTION 'item % version %: % → % is not allowed', OLD.code, OLD.version, OLD.status, NEW.status USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "item_guard" BEFORE UPDATE ON "item" FOR EACH ROW EXECUTE FUNCTION item_guard();

-- Admin overrides of the working-day calendar, one row per year (replaces the bundled year).
CREATE TABLE "calendar_year" (
  "year" INTEGER NOT NULL PRIMARY KEY CHECK ("year" BETWEEN 2000 AND 2100),
  "holidays" JSONB NOT NULL,
  "workdays" JSONB NOT NULL,
  "updated_by" TEXT NOT NULL,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
