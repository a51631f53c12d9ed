-- requests_campaign (0030) duplicated work the outbox index already does
-- and made every state change of a request write one more index page;
-- campaign reports scan a campaign's few hundred rows just as fast without it.
DROP INDEX IF EXISTS requests_campaign;
