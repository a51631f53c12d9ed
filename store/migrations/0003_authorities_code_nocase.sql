-- Imports match an authority's code without regard to case ("kent" is
-- KEN's row as much as "KEN"). The UNIQUE index on code compares bytes, so
-- without this one every lookup scanned the whole table and a large import
-- took quadratic time.
CREATE INDEX authorities_code_nocase ON authorities (code COLLATE NOCASE);
