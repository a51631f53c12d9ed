-- A campaign's current codings in review order: the resolve page walks the
-- double-coded entries a page at a time by review id (store/coding
-- Disagreements), which codings_campaign, ending in the coding's rowid,
-- cannot give without sorting every coding of the campaign.
CREATE INDEX codings_campaign_review ON codings (campaign_id, review_id) WHERE current = 1;
