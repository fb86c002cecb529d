-- Unified identity (issue 3): people and companies of the public realm, staff scope of the staff
-- realm, API clients, rotating refresh tokens, signing keys kept for rotation, password resets.
ALTER TABLE "account"
  ADD COLUMN "phone" TEXT,
  -- AES-256-GCM under the realm's data key; id_number_hash (HMAC) is what lookups match on
  ADD COLUMN "id_number_enc" TEXT,
  ADD COLUMN "region_level" TEXT,
  ADD COLUMN "service_point" TEXT,
  ADD COLUMN "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now();
CREATE UNIQUE INDEX "account_realm_id_number_hash_key" ON "account"("realm", "id_number_hash") WHERE "id_number_hash" IS NOT NULL;

-- 法人: a company or institution, represented by a natural person (its legal representative).
CREATE TABLE "legal_person" (
  "id" UUID NOT NULL PRIMARY KEY,
  "credit_code" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "legal_rep_id" UUID NOT NULL REFERENCES "account"("id"),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX "legal_person_credit_code_key" ON "legal_person"("credit_code");

-- 经办人: authority granted by the legal representative to a natural person; revoked_at ends it.
CREATE TABLE "handler_grant" (
  "id" UUID NOT NULL PRIMARY KEY,
  "legal_person_id" UUID NOT NULL REFERENCES "legal_person"("id"),
  "handler_id" UUID NOT NULL REFERENCES "account"("id"),
  "granted_by" UUID NOT NULL,
  "granted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "revoked_at" TIMESTAMPTZ(3),
  "revoked_by" UUID
);
CREATE UNIQUE INDEX "handler_grant_active_key" ON "handler_grant"("legal_person_id", "handler_id") WHERE "revoked_at" IS NULL;
CREATE INDEX "handler_grant_handler_idx" ON "handler_grant"("handler_id");

-- 代办: a citizen's recorded consent that a service-point agent may submit and read on their behalf.
CREATE TABLE "agent_consent" (
  "id" UUID NOT NULL PRIMARY KEY,
  "agent_id" UUID NOT NULL REFERENCES "account"("id"),
  "citizen_id" UUID NOT NULL REFERENCES "account"("id"),
  "granted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  "revoked_at" TIMESTAMPTZ(3)
);
CREATE UNIQUE INDEX "agent_consent_active_key" ON "agent_consent"("agent_id", "citizen_id") WHERE "revoked_at" IS NULL;

-- Refresh tokens (only their SHA-256 is stored); every rotation stays in its family, and reuse of a
-- used token revokes the whole family.
CREATE TABLE "refresh_token" (
  "id" UUID NOT NULL PRIMARY KEY,
  "family_id" UUID NOT NULL,
  "account_id" UUID NOT NULL REFERENCES "account"("id"),
  "token_hash" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  "used_at" TIMESTAMPTZ(3),
  "revoked_at" TIMESTAMPTZ(3),
  "revoked_reason" TEXT
);
CREATE UNIQUE INDEX "refresh_token_token_hash_key" ON "refresh_token"("token_hash");
CREATE INDEX "refresh_token_family_idx" ON "refresh_token"("family_id");
CREATE INDEX "refresh_token_account_idx" ON "refresh_token"("account_id");

-- The realm's signing keys: one active; retired keys stay in the JWKS until retired_at.
CREATE TABLE "signing_key" (
  "kid" TEXT NOT NULL PRIMARY KEY,
  "alg" TEXT NOT NULL,
  "public_pem" TEXT NOT NULL,
  "private_enc" TEXT NOT NULL,
  "active" BOOLEAN NOT NULL DEFAULT false,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "retired_at" TIMESTAMPTZ(3)
);
CREATE UNIQUE INDEX "signing_key_one_active" ON "signing_key"("active") WHERE "active";

-- Other departments' systems using the data-exchange API (client-credentials grant).
CREATE TABLE "api_client" (
  "id" UUID NOT NULL PRIMARY KEY,
  "client_id" TEXT NOT NULL,
  "secret_hash" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "department" TEXT NOT NULL,
  "scopes" TEXT[] NOT NULL DEFAULT '{}',
  "disabled" BOOLEAN NOT NULL DEFAULT false,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX "api_client_client_id_key" ON "api_client"("client_id");

CREATE TABLE "password_reset" (
  "id" UUID NOT NULL PRIMARY KEY,
  "account_id" UUID NOT NULL REFERENCES "account"("id"),
  "code_hash" TEXT NOT NULL,
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  "used_at" TIMESTAMPTZ(3),
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "password_reset_account_idx" ON "password_reset"("account_id", "created_at");
