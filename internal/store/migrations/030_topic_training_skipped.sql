-- The sets a retraining did not judge on (docs/topics.md#agents-teach-it):
-- JSON list of {"name", "n", "why"}, e.g. the real messages in a store
-- whose taxonomy is not the default one. The sets column's entries gain
-- "families", how many phrasing families a set of the store's labels was
-- held out as.
ALTER TABLE topic_trainings ADD COLUMN skipped TEXT NOT NULL DEFAULT '[]';
