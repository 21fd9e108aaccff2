-- Topics (DESIGN §4.2): the store's taxonomy with its history, the topic
-- models it has trained, and the candidates discovery proposes.

-- A topic's id never changes (contacts and metrics refer to it); its name
-- does. status: active or retired. A merged topic is retired with
-- merged_into naming the topic its contacts moved to.
CREATE TABLE topics (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'active',
    merged_into TEXT REFERENCES topics(id),
    created_at  BIGINT NOT NULL
);

-- Every change to the taxonomy, so a trend can be read across a rename or a
-- merge. kind: created, renamed, merged, retired, promoted. contacts is how
-- many contacts a merge or a promotion relabelled.
CREATE TABLE topic_events (
    id       {{id}},
    topic_id TEXT NOT NULL REFERENCES topics(id),
    kind     TEXT NOT NULL,
    old_name TEXT NOT NULL DEFAULT '',
    new_name TEXT NOT NULL DEFAULT '',
    into_id  TEXT REFERENCES topics(id),
    contacts BIGINT NOT NULL DEFAULT 0,
    at       BIGINT NOT NULL
);
CREATE INDEX topic_events_topic ON topic_events (topic_id, at);

INSERT INTO topics (id, name, created_at) VALUES
    ('where_is_my_order', 'Where is my order', 0),
    ('delivery_delay', 'Delivery delay', 0),
    ('return', 'Return', 0),
    ('refund', 'Refund', 0),
    ('cancel', 'Cancel', 0),
    ('change_order', 'Change order or address', 0),
    ('damaged_or_defective', 'Damaged or defective', 0),
    ('wrong_or_missing_item', 'Wrong or missing item', 0),
    ('product_question', 'Product question', 0),
    ('sizing', 'Sizing', 0),
    ('payment', 'Payment', 0),
    ('discount_promo', 'Discount or promo', 0),
    ('account', 'Account', 0),
    ('subscription', 'Subscription', 0),
    ('other', 'Other', 0);

-- Models trained on the store's own labels (internal/topics model files).
-- At most one is active; with none, the starter model shipped in the binary
-- classifies. digest is the SHA-256 of model, so a process can tell whether
-- the model it holds is still current without reading the blob. scores is
-- the JSON evaluation of this model on the held-out slice of the store's
-- labels; comparison the JSON record of that slice scored by this model and
-- by the model it challenged, and the decision.
CREATE TABLE topic_models (
    id         {{id}},
    created_at BIGINT NOT NULL,
    digest     TEXT NOT NULL,
    model      {{blob}} NOT NULL,
    trained_on BIGINT NOT NULL,
    scores     TEXT NOT NULL DEFAULT '{}',
    comparison TEXT NOT NULL DEFAULT '{}',
    active     BOOLEAN NOT NULL DEFAULT FALSE
);

-- contacts.topic is the label in force and topic_source who set it:
-- imported (an export or the API), agent, model, promoted (discovery).
-- topic_confidence and topic_guess are what the model said when it ran (it
-- runs on every contact that arrives without a label), kept when an agent
-- corrects the topic so corrections can be measured.
ALTER TABLE contacts ADD COLUMN topic_source TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN topic_guess TEXT NOT NULL DEFAULT '';
CREATE INDEX contacts_topic_started ON contacts (topic, started_at);

-- Discovery: clusters of contacts the model could not place, proposed as
-- new topics. status: open, promoted, dismissed. terms and weekly are JSON.
CREATE TABLE topic_candidates (
    id          {{id}},
    created_at  BIGINT NOT NULL,
    from_day    TEXT NOT NULL,
    to_day      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    terms       TEXT NOT NULL,
    weekly      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',
    promoted_to TEXT REFERENCES topics(id)
);

CREATE TABLE topic_candidate_members (
    candidate_id   BIGINT NOT NULL REFERENCES topic_candidates(id) ON DELETE CASCADE,
    contact_id     BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    representative BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (candidate_id, contact_id)
);
