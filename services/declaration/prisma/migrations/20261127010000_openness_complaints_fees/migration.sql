-- Issue 13: the 政务公开 replica, complaints (投诉) and online fees (网上缴费) on the portal side,
-- plus the built-in demo payment provider's own ledger.
CREATE TABLE "openness_entry" (
  "article_id" UUID NOT NULL,
  "revision" INTEGER NOT NULL,
  "category" TEXT NOT NULL,
  "title" TEXT NOT NULL,
  "summary" TEXT,
  "body" TEXT NOT NULL,
  "doc_number" TEXT,
  "department_name" TEXT,
  "tags" TEXT[] NOT NULL DEFAULT '{}',
  "attachments" JSONB NOT NULL DEFAULT '[]',
  "result" JSONB,
  "published_at" TIMESTAMPTZ(3) NOT NULL,
  "withdrawn_at" TIMESTAMPTZ(3),
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "openness_entry_pkey" PRIMARY KEY ("article_id")
);
CREATE INDEX "openness_entry_category_published_at_idx" ON "openness_entry"("category", "published_at");

CREATE TABLE "complaint" (
  "id" UUID NOT NULL,
  "tracking_code" TEXT NOT NULL,
  "account_id" TEXT,
  "anonymous" BOOLEAN NOT NULL,
  "target_kind" TEXT NOT NULL,
  "case_number" TEXT,
  "department" TEXT,
  "staff_name" TEXT,
  "category" TEXT NOT NULL,
  "content" TEXT NOT NULL,
  "status" TEXT NOT NULL DEFAULT 'filed',
  "outcome" TEXT,
  "answer" TEXT,
  "answered_at" TIMESTAMPTZ(3),
  "idempotency_key" TEXT NOT NULL,
  "request_hash" TEXT NOT NULL,
  "filed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "complaint_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "complaint_tracking_code_key" ON "complaint"("tracking_code");
CREATE UNIQUE INDEX "complaint_idempotency_key_request_hash_key" ON "complaint"("idempotency_key", "request_hash");
CREATE INDEX "complaint_account_id_filed_at_idx" ON "complaint"("account_id", "filed_at");

CREATE TABLE "payment_order" (
  "id" UUID NOT NULL,
  "application_id" UUID NOT NULL,
  "account_id" TEXT NOT NULL,
  "case_number" TEXT NOT NULL,
  "item_code" TEXT NOT NULL,
  "item_name" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "department_name" TEXT,
  "lines" JSONB NOT NULL,
  "amount_fen" INTEGER NOT NULL CHECK ("amount_fen" > 0),
  "status" TEXT NOT NULL DEFAULT 'pending' CHECK ("status" IN ('pending', 'paid', 'refunding', 'refunded')),
  "provider" TEXT,
  "trade_no" TEXT,
  "receipt_no" TEXT,
  "paid_at" TIMESTAMPTZ(3),
  "refund_no" TEXT,
  "refund_reason" TEXT,
  "refunded_at" TIMESTAMPTZ(3),
  "ordered_at" TIMESTAMPTZ(3) NOT NULL,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "payment_order_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "payment_order_trade_no_key" ON "payment_order"("trade_no");
CREATE UNIQUE INDEX "payment_order_receipt_no_key" ON "payment_order"("receipt_no");
CREATE UNIQUE INDEX "payment_order_refund_no_key" ON "payment_order"("refund_no");
CREATE INDEX "payment_order_account_id_ordered_at_idx" ON "payment_order"("account_id", "ordered_at");
CREATE INDEX "payment_order_application_id_idx" ON "payment_order"("application_id");

CREATE TABLE "payment_notification" (
  "notify_id" TEXT NOT NULL,
  "order_id" UUID NOT NULL,
  "kind" TEXT NOT NULL,
  "body" JSONB NOT NULL,
  "outcome" TEXT NOT NULL,
  "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "payment_notification_pkey" PRIMARY KEY ("notify_id")
);
CREATE INDEX "payment_notification_order_id_idx" ON "payment_notification"("order_id");

CREATE TABLE "payment_reconciliation" (
  "id" BIGSERIAL NOT NULL,
  "day" TEXT NOT NULL,
  "provider" TEXT NOT NULL,
  "sha256" TEXT NOT NULL,
  "matched" INTEGER NOT NULL,
  "mismatches" JSONB NOT NULL,
  "checked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "payment_reconciliation_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "payment_reconciliation_day_idx" ON "payment_reconciliation"("day");

CREATE TABLE "demo_pay_trade" (
  "trade_no" TEXT NOT NULL,
  "merchant_order_id" UUID NOT NULL,
  "amount_fen" INTEGER NOT NULL,
  "subject" TEXT NOT NULL,
  "notify_url" TEXT NOT NULL,
  "status" TEXT NOT NULL DEFAULT 'created',
  "paid_at" TIMESTAMPTZ(3),
  "refund_no" TEXT,
  "refunded_at" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "demo_pay_trade_pkey" PRIMARY KEY ("trade_no")
);
CREATE UNIQUE INDEX "demo_pay_trade_merchant_order_id_key" ON "demo_pay_trade"("merchant_order_id");
CREATE UNIQUE INDEX "demo_pay_trade_refund_no_key" ON "demo_pay_trade"("refund_no");

CREATE TABLE "demo_pay_notice" (
  "id" TEXT NOT NULL,
  "trade_no" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "body" JSONB NOT NULL,
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "delivered_at" TIMESTAMPTZ(3),
  "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "demo_pay_notice_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "demo_pay_notice_delivered_at_next_attempt_at_idx" ON "demo_pay_notice"("delivered_at", "next_attempt_at");
