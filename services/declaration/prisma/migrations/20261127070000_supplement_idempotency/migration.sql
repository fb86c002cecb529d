-- An Idempotency-Key on supplements (补正): a retried answer replays the first one instead of a 409.
ALTER TABLE "supplement" ADD COLUMN "idempotency_key" TEXT, ADD COLUMN "request_hash" TEXT;
CREATE UNIQUE INDEX "supplement_application_id_idempotency_key_key" ON "supplement"("application_id", "idempotency_key");
