-- CreateTable
CREATE TABLE "certificate_refusal" (
    "case_id" UUID NOT NULL,
    "case_number" TEXT NOT NULL,
    "application_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "department" TEXT NOT NULL,
    "errors" JSONB NOT NULL,
    "refused_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "certificate_refusal_pkey" PRIMARY KEY ("case_id")
);
