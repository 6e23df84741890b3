-- Fencing tokens of the markets' matchers. An instance that takes a market's Redis lease
-- advances the market's token here; an offer is made only under the current token, so an
-- instance paused past its lease (or a Redis that lost the lease key) cannot act once another
-- instance has taken the market.
CREATE TABLE matcher_fences (
  market_id  text PRIMARY KEY,
  holder     text NOT NULL,
  token      bigint NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now()
);
