-- The facts a person recorded about a request, by request. Every derivation
-- of a request's clock (recompute above all) reads them, and they are few;
-- the request's other events (a clock change at every recompute that moves
-- it, every message decided) grow with its history, and through
-- events_request every one of them was read and thrown away. This index
-- holds only the fact kinds; the queries that read facts name the same
-- kinds literally (store/facts.go factKindsSQL), as SQLite needs to use it.
CREATE INDEX events_request_facts ON events (request_id, id)
	WHERE kind IN ('request.clarification_answered', 'request.fact_recorded', 'request.fact_undone');
