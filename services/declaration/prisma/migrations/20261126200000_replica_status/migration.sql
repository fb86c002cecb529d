-- Catalog issue 4: a retired item version stays in the replica (its guide still shows, cases filed
-- under it carry on) but takes no new applications.
ALTER TABLE "item_replica" ADD COLUMN "status" TEXT NOT NULL DEFAULT 'published' CHECK ("status" IN ('published', 'retired'));
