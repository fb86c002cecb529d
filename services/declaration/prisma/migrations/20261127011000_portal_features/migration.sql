-- Portal features of issue 5: the item version as filed, status details (due date, missing
-- materials), drafts, supplements (补正), consultations (在线咨询), appointments (网上预约),
-- evaluations (好差评), and notifications shown on the portal (我的消息).
ALTER TABLE "application" ADD COLUMN "submitted_by_name" TEXT;
ALTER TABLE "application" ADD COLUMN "item_name" TEXT;
ALTER TABLE "application" ADD COLUMN "department" TEXT;
ALTER TABLE "application" ADD COLUMN "item_spec" JSONB;
ALTER TABLE "application" ADD COLUMN "contact_phone" TEXT;
ALTER TABLE "application" ADD COLUMN "status_at" TIMESTAMPTZ(3);
ALTER TABLE "application" ADD COLUMN "due_at" TIMESTAMPTZ(3);
ALTER TABLE "application" ADD COLUMN "missing_materials" JSONB;

ALTER TABLE "timeline_entry" ADD COLUMN "missing_materials" JSONB;
ALTER TABLE "timeline_entry" ADD COLUMN "due_at" TIMESTAMPTZ(3);
ALTER TABLE "timeline_entry" ADD COLUMN "note" TEXT;

ALTER TABLE "material" ADD COLUMN "supplement_id" UUID;

CREATE TABLE "draft" (
  "id" UUID NOT NULL PRIMARY KEY,
  "account_id" TEXT NOT NULL,
  "item_code" TEXT NOT NULL,
  "item_name" TEXT NOT NULL,
  "form" JSONB NOT NULL,
  "materials" JSONB NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "draft_account_id_updated_at_idx" ON "draft"("account_id", "updated_at");

CREATE TABLE "supplement" (
  "id" UUID NOT NULL PRIMARY KEY,
  "application_id" UUID NOT NULL,
  "form" JSONB NOT NULL,
  "comment" TEXT,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "supplement_application_id_idx" ON "supplement"("application_id");

CREATE TABLE "consultation" (
  "id" UUID NOT NULL PRIMARY KEY,
  "account_id" TEXT NOT NULL,
  "item_code" TEXT NOT NULL,
  "item_name" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "application_id" UUID,
  "question" TEXT NOT NULL,
  "asked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "answer" TEXT,
  "answered_by" TEXT,
  "answered_at" TIMESTAMPTZ(3)
);
CREATE INDEX "consultation_account_id_asked_at_idx" ON "consultation"("account_id", "asked_at");

CREATE TABLE "appointment_slot" (
  "id" UUID NOT NULL PRIMARY KEY,
  "item_code" TEXT NOT NULL,
  "starts_at" TIMESTAMPTZ(3) NOT NULL,
  "ends_at" TIMESTAMPTZ(3) NOT NULL,
  "capacity" INTEGER NOT NULL,
  "booked" INTEGER NOT NULL DEFAULT 0,
  -- the database itself refuses an overbooked slot, whatever the code does
  CONSTRAINT "appointment_slot_capacity_check" CHECK ("booked" >= 0 AND "booked" <= "capacity")
);
CREATE UNIQUE INDEX "appointment_slot_item_code_starts_at_key" ON "appointment_slot"("item_code", "starts_at");

CREATE TABLE "appointment" (
  "id" UUID NOT NULL PRIMARY KEY,
  "code" TEXT NOT NULL,
  "account_id" TEXT NOT NULL,
  "slot_id" UUID NOT NULL REFERENCES "appointment_slot"("id"),
  "item_code" TEXT NOT NULL,
  "application_id" UUID,
  "status" TEXT NOT NULL CHECK ("status" IN ('booked', 'cancelled')),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "cancelled_at" TIMESTAMPTZ(3)
);
CREATE UNIQUE INDEX "appointment_code_key" ON "appointment"("code");
CREATE INDEX "appointment_account_id_created_at_idx" ON "appointment"("account_id", "created_at");
-- No double booking: one active booking per account and item.
CREATE UNIQUE INDEX "appointment_one_active_per_item" ON "appointment"("account_id", "item_code") WHERE "status" = 'booked';

CREATE TABLE "evaluation" (
  "id" UUID NOT NULL PRIMARY KEY,
  "application_id" UUID NOT NULL,
  "account_id" TEXT NOT NULL,
  "level" INTEGER NOT NULL CHECK ("level" BETWEEN 1 AND 5),
  "comment" TEXT,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX "evaluation_application_id_key" ON "evaluation"("application_id");

CREATE TABLE "notification_contact" (
  "account_id" TEXT NOT NULL PRIMARY KEY,
  "phone" TEXT,
  "email" TEXT,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);

CREATE TABLE "notification_owner" (
  "notification_id" UUID NOT NULL PRIMARY KEY,
  "account_id" TEXT NOT NULL,
  "application_id" UUID
);

CREATE TABLE "portal_message" (
  "id" UUID NOT NULL PRIMARY KEY,
  "account_id" TEXT NOT NULL,
  "application_id" UUID,
  "channel" TEXT NOT NULL,
  "recipient" TEXT NOT NULL,
  "subject" TEXT NOT NULL,
  "body" TEXT NOT NULL,
  "delivered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "read_at" TIMESTAMPTZ(3)
);
CREATE INDEX "portal_message_account_id_delivered_at_idx" ON "portal_message"("account_id", "delivered_at");
