-- Team figures and customer satisfaction (docs/metrics.md#team-figures,
-- #satisfaction). The same changes as the PostgreSQL file, in SQLite's
-- trigger dialect.

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
CREATE TRIGGER contacts_ended_dirty_insert AFTER INSERT ON contacts WHEN NEW.ended_at IS NOT NULL BEGIN
    INSERT INTO metric_dirty (bucket) SELECT NEW.ended_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = NEW.ended_at / 86400);
END;

CREATE TRIGGER contacts_ended_dirty_update AFTER UPDATE ON contacts WHEN (OLD.ended_at IS NOT NULL OR NEW.ended_at IS NOT NULL)
    AND (OLD.ended_at IS NOT NEW.ended_at OR OLD.started_at IS NOT NEW.started_at OR OLD.replies IS NOT NEW.replies OR OLD.channel IS NOT NEW.channel
        OR OLD.topic IS NOT NEW.topic OR OLD.agent IS NOT NEW.agent OR OLD.team IS NOT NEW.team) BEGIN
    INSERT INTO metric_dirty (bucket) SELECT OLD.ended_at / 86400 WHERE OLD.ended_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = OLD.ended_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT NEW.ended_at / 86400 WHERE NEW.ended_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = NEW.ended_at / 86400);
END;

CREATE TRIGGER contacts_ended_dirty_delete AFTER DELETE ON contacts WHEN OLD.ended_at IS NOT NULL BEGIN
    INSERT INTO metric_dirty (bucket) SELECT OLD.ended_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = OLD.ended_at / 86400);
END;

-- Satisfaction belongs to the day a survey was answered.
CREATE TRIGGER csat_dirty_insert AFTER INSERT ON csat WHEN NEW.answered_at IS NOT NULL BEGIN
    INSERT INTO metric_dirty (bucket) SELECT NEW.answered_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = NEW.answered_at / 86400);
END;

CREATE TRIGGER csat_dirty_update AFTER UPDATE ON csat BEGIN
    INSERT INTO metric_dirty (bucket) SELECT OLD.answered_at / 86400 WHERE OLD.answered_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = OLD.answered_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT NEW.answered_at / 86400 WHERE NEW.answered_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = NEW.answered_at / 86400);
END;

CREATE TRIGGER csat_dirty_delete AFTER DELETE ON csat WHEN OLD.answered_at IS NOT NULL BEGIN
    INSERT INTO metric_dirty (bucket) SELECT OLD.answered_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = OLD.answered_at / 86400);
END;

-- Contacts ended and answered before this version are rolled up again.
INSERT INTO metric_dirty (bucket) SELECT -1 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = -1);
