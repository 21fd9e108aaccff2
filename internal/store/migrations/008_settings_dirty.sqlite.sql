-- Only the time zone changes the metrics (it cuts the days): other
-- settings (the program's start, delivery settings, the week whose review
-- went out) must not make the whole rollup be rebuilt, which on a store of
-- millions of orders takes minutes. Writing the same zone again changes
-- nothing either.
DROP TRIGGER settings_dirty_insert;
DROP TRIGGER settings_dirty_update;

CREATE TRIGGER settings_dirty_insert AFTER INSERT ON settings WHEN NEW.key = 'timezone' BEGIN
    INSERT INTO metric_dirty (bucket) SELECT -1 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = -1);
END;

CREATE TRIGGER settings_dirty_update AFTER UPDATE ON settings WHEN NEW.key = 'timezone' AND NEW.value IS NOT OLD.value BEGIN
    INSERT INTO metric_dirty (bucket) SELECT -1 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = -1);
END;
