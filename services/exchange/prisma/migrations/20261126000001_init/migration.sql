CREATE TABLE "api_call" (
  "id" BIGSERIAL PRIMARY KEY,
  "client_id" TEXT NOT NULL,
  "endpoint" TEXT NOT NULL,
  "purpose" TEXT,
  "result_ids" TEXT[] NOT NULL DEFAULT '{}',
  "status" INTEGER NOT NULL,
  "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "api_call_client_at_idx" ON "api_call"("client_id", "at");
