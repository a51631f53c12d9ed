-- Several councils share one FOI team and its address (Adur and Worthing,
-- joint Scottish and Welsh services). An import says so per authority;
-- an address repeated on rows not marked shared is still refused, and
-- 'campaign check' reports an address only when some authority using it is
-- not marked shared. Each authority still gets its own request.
ALTER TABLE authorities ADD COLUMN email_shared INTEGER NOT NULL DEFAULT 0 CHECK (email_shared IN (0, 1));
