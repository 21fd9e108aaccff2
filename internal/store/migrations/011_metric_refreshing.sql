-- The days the rollups task is recomputing (package metrics, Refresh): it
-- moves the marks of metric_dirty here in a short transaction, recomputes
-- those days without holding the writer, writes them, and clears them
-- here. Writes meanwhile mark metric_dirty again, so nothing is lost; a
-- process that dies mid-way leaves its days here for the next run. Reads
-- treat both tables' days as not yet rolled up.
CREATE TABLE metric_refreshing (
    bucket BIGINT PRIMARY KEY
);
