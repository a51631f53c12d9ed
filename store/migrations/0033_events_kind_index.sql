-- events_kind (0001) was written on every event and read by nothing the
-- product runs: the request clock looks events up by request
-- (events_request), and only the events listing filters on kind alone,
-- which a scan of the log serves. With a claim and an outcome event per
-- message sent, it cost the dispatcher two or three page writes per commit,
-- a fifth of its bookkeeping.
DROP INDEX IF EXISTS events_kind;
