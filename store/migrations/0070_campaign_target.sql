-- A campaign remembers whom it was written to, so that authorities imported
-- after it was created can join it ('foidesk campaign add NAME --missing').
-- JSON: {"all": bool, "nations": [...], "tags": [...]}. NULL for a campaign
-- created before this column: its target is not known.

ALTER TABLE campaigns ADD COLUMN target TEXT;
