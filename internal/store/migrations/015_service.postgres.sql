-- Team figures and customer satisfaction (docs/metrics.md#team-figures,
-- #satisfaction). The same changes as the SQLite file.

-- Contacts by the time they ended (resolution time, replies per contact),
-- and the desk's contacts still open (the backlog): few at any time, so
-- only they are indexed.
CREATE INDEX contacts_ended ON contacts (ended_at);
CREATE INDEX contacts_open ON contacts (started_at) WHERE ended_at IS NULL AND conversation_id IS NOT NULL;

-- The rollup's facts of the team figures and of satisfaction. A
-- histogram is "minutes:count,…" of durations rounded as
-- docs/metrics.md#team-figures says, from which a period's median is read.
ALTER TABLE metric_days ADD COLUMN answered DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE metric_days ADD COLUMN first_response_hist TEXT NOT NULL DEFAULT '';
ALTER TABLE metric_days ADD COLUMN resolved DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE metric_days ADD COLUMN resolution_hist TEXT NOT NULL DEFAULT '';
ALTER TABLE metric_days ADD COLUMN replies DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE metric_days ADD COLUMN csat_answers DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE metric_days ADD COLUMN csat_satisfied DOUBLE PRECISION NOT NULL DEFAULT 0;

-- Resolution facts belong to the day a contact ended: a write that
-- changes what they read (its end, start, replies or a cut's value)
-- marks that day too.
CREATE FUNCTION contacts_ended_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NOT (OLD.ended_at IS DISTINCT FROM NEW.ended_at OR OLD.started_at IS DISTINCT FROM NEW.started_at
            OR OLD.replies IS DISTINCT FROM NEW.replies OR OLD.channel IS DISTINCT FROM NEW.channel OR OLD.topic IS DISTINCT FROM NEW.topic
            OR OLD.agent IS DISTINCT FROM NEW.agent OR OLD.team IS DISTINCT FROM NEW.team) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.ended_at IS NOT NULL THEN PERFORM metric_dirty_mark(OLD.ended_at / 86400); END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.ended_at IS NOT NULL THEN PERFORM metric_dirty_mark(NEW.ended_at / 86400); END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER contacts_ended_dirty AFTER INSERT OR UPDATE OR DELETE ON contacts FOR EACH ROW EXECUTE FUNCTION contacts_ended_dirty();

-- Satisfaction belongs to the day a survey was answered.
CREATE FUNCTION csat_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.answered_at IS NOT NULL THEN PERFORM metric_dirty_mark(OLD.answered_at / 86400); END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.answered_at IS NOT NULL THEN PERFORM metric_dirty_mark(NEW.answered_at / 86400); END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER csat_dirty AFTER INSERT OR UPDATE OR DELETE ON csat FOR EACH ROW EXECUTE FUNCTION csat_dirty();

-- Contacts ended and answered before this version are rolled up again.
INSERT INTO metric_dirty (bucket) VALUES (-1) ON CONFLICT DO NOTHING;
