-- Issue 13: payment orders (网上缴费) opened at a case's payment step.
CREATE TABLE "payment_order" (
  "id" UUID NOT NULL,
  "case_id" UUID NOT NULL,
  "application_id" UUID NOT NULL,
  "case_number" TEXT NOT NULL,
  "step_key" TEXT NOT NULL,
  "lines" JSONB NOT NULL,
  "amount_fen" INTEGER NOT NULL CHECK ("amount_fen" > 0),
  "status" TEXT NOT NULL DEFAULT 'ordered' CHECK ("status" IN ('ordered', 'paid', 'refunded', 'waived')),
  "receipt_no" TEXT,
  "trade_no" TEXT,
  "paid_at" TIMESTAMPTZ(3),
  "refunded_at" TIMESTAMPTZ(3),
  "waiver" TEXT,
  "ordered_at" TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "payment_order_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "payment_order_case_id_step_key_key" ON "payment_order"("case_id", "step_key");
