-- The background tasks of package schedule: one row per named task. A
-- process runs a task only while it holds the task's claim (claimed_by
-- until claimed_until, unix seconds), so several serve processes on one
-- PostgreSQL run each task once at a time; a process that dies leaves a
-- claim that expires. The last run's times and error are kept for
-- quietdesk tasks.
CREATE TABLE scheduled_tasks (
    name             TEXT PRIMARY KEY,
    claimed_by       TEXT NOT NULL DEFAULT '',
    claimed_until    BIGINT NOT NULL DEFAULT 0,
    last_started_at  BIGINT,
    last_finished_at BIGINT,
    last_error       TEXT NOT NULL DEFAULT ''
);
