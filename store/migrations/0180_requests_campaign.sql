-- A campaign's requests in the order they were made: campaign status and
-- the other listings page through them by id (store/campaign EachRequest),
-- which the (campaign_id, authority_id) key cannot give without sorting.
CREATE INDEX requests_campaign ON requests (campaign_id, id);
