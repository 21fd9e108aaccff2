-- A promotion's event names the discovery candidate it came from, so the
-- weekly review can say which candidate (and its top terms) became which
-- topic (docs/decisions.md#the-weekly-review). NULL for every other kind
-- of change, and for promotions recorded before this migration.
ALTER TABLE topic_events ADD COLUMN candidate_id BIGINT REFERENCES topic_candidates(id);
