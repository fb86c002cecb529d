-- Data-exchange API: the call audit gets the method and request id; the base registries
-- (人口库 population, 法人库 enterprise) are minimal tables owned by this service, loaded from files.
ALTER TABLE "api_call" ADD COLUMN "method" TEXT NOT NULL DEFAULT 'GET';
ALTER TABLE "api_call" ADD COLUMN "request_id" TEXT;
CREATE INDEX "api_call_at_idx" ON "api_call"("at");

-- The surrogate id is what the call audit records: the ID number itself is personal data.
CREATE TABLE "population_record" (
  "id" UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  "id_number" TEXT NOT NULL UNIQUE,
  "name" TEXT NOT NULL,
  "gender" TEXT NOT NULL,
  "birth_date" DATE NOT NULL,
  "ethnicity" TEXT,
  "address" TEXT,
  "region_code" TEXT,
  "source" TEXT NOT NULL,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);

CREATE TABLE "enterprise_record" (
  "credit_code" TEXT PRIMARY KEY,
  "name" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "status" TEXT NOT NULL,
  "legal_representative" TEXT,
  "legal_representative_id_number" TEXT,
  "registered_capital" TEXT,
  "address" TEXT,
  "established_on" DATE,
  "source" TEXT NOT NULL,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
