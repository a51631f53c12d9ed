-- requests_sent_at (0030) cost a page write for every message sent; the
-- daily cap, its only reader, scans a campaign-sized table just as well.
DROP INDEX IF EXISTS requests_sent_at;
