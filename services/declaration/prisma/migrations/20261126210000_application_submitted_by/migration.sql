-- Who actually submitted: the applicant themself, or a handler (经办人) or agent (代办员) acting for
-- the owning party. Kept with the application as its audit of the submission.
ALTER TABLE "application" ADD COLUMN "submitted_by" TEXT;
ALTER TABLE "application" ADD COLUMN "submitted_as" TEXT;
