CREATE TABLE "account" (
  "id" UUID NOT NULL PRIMARY KEY,
  "realm" TEXT NOT NULL,
  "username" TEXT NOT NULL,
  "password_hash" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "roles" TEXT[] NOT NULL DEFAULT '{}',
  "department" TEXT,
  "positions" TEXT[] NOT NULL DEFAULT '{}',
  "region" TEXT,
  "id_number_hash" TEXT,
  "disabled" BOOLEAN NOT NULL DEFAULT false,
  "failed_logins" INTEGER NOT NULL DEFAULT 0,
  "locked_until" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX "account_realm_username_key" ON "account"("realm", "username");
