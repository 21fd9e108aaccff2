-- Retrainings of the store's topic model (docs/topics.md#agents-teach-it):
-- one row per retraining, shipped or not, so the Topics learning page can
-- show how the model's figures moved and why a model was kept. A model
-- that scored worse is not stored, so new_model_id is NULL when shipped is
-- false; old_model_id is NULL when the starter model was in use.
-- labels: the store's labelled contacts read; agent_labels: of which set by
-- agents; trained_on: examples trained on (the starter data included).
-- sets: JSON list of the held-out sets the gate compared the models on,
-- each {"name", "n", "old_macro_f1", "new_macro_f1"}.
CREATE TABLE topic_trainings (
    id           {{id}},
    at           BIGINT NOT NULL,
    labels       BIGINT NOT NULL,
    agent_labels BIGINT NOT NULL,
    trained_on   BIGINT NOT NULL,
    old_model_id BIGINT REFERENCES topic_models(id),
    new_model_id BIGINT REFERENCES topic_models(id),
    shipped      BOOLEAN NOT NULL,
    reason       TEXT NOT NULL,
    sets         TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX topic_trainings_at ON topic_trainings (at);
