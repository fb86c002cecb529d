-- Issue 13: government openness (政务公开) articles, result publication (结果公示) settings and the
-- applicant names they are masked from.
CREATE TABLE "openness_article" (
  "id" UUID NOT NULL,
  "category" TEXT NOT NULL CHECK ("category" IN ('notice', 'policy', 'news', 'result')),
  "title" TEXT NOT NULL,
  "summary" TEXT,
  "body" TEXT NOT NULL,
  "doc_number" TEXT,
  "department" TEXT,
  "department_name" TEXT,
  "tags" TEXT[] NOT NULL DEFAULT '{}',
  "attachments" JSONB NOT NULL DEFAULT '[]',
  "result" JSONB,
  "source_key" TEXT,
  "status" TEXT NOT NULL DEFAULT 'draft' CHECK ("status" IN ('draft', 'scheduled', 'published', 'withdrawn')),
  "revision" INTEGER NOT NULL DEFAULT 0,
  "publish_at" TIMESTAMPTZ(3),
  "withdraw_at" TIMESTAMPTZ(3),
  "published_at" TIMESTAMPTZ(3),
  "withdrawn_at" TIMESTAMPTZ(3),
  "created_by" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "openness_article_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "openness_article_source_key_key" ON "openness_article"("source_key");
CREATE INDEX "openness_article_status_publish_at_idx" ON "openness_article"("status", "publish_at");

CREATE TABLE "openness_result_item" (
  "item_code" TEXT NOT NULL,
  "keep_days" INTEGER,
  "updated_by" TEXT NOT NULL,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "openness_result_item_pkey" PRIMARY KEY ("item_code")
);

CREATE TABLE "openness_applicant" (
  "application_id" UUID NOT NULL,
  "item_code" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "openness_applicant_pkey" PRIMARY KEY ("application_id")
);
