-- What each published item version accepts for each material, from the destination zone's own
-- catalog publications: the receiver checks every attachment's sniffed type against it.
CREATE TABLE "item_material_type" (
  "item_code" TEXT NOT NULL,
  "item_version" INTEGER NOT NULL,
  "material_code" TEXT NOT NULL,
  "allowed_types" TEXT[] NOT NULL,
  PRIMARY KEY ("item_code", "item_version", "material_code")
);
