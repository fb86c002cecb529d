-- The signed document names its type and issuer; keep those names with the certificate so that a
-- later renaming of a department or a type cannot break verification of what was already issued.
ALTER TABLE "certificate" ADD COLUMN "type_name" TEXT;
ALTER TABLE "certificate" ADD COLUMN "issuer_name" TEXT;
