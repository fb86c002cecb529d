-- CreateTable
CREATE TABLE "certificate_type" (
    "code" TEXT NOT NULL,
    "type_code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "validity_years" INTEGER,
    "holder_kind" TEXT NOT NULL,
    "schema" JSONB NOT NULL,
    "template" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "certificate_type_pkey" PRIMARY KEY ("code")
);
