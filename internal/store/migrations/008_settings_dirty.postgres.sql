-- Only the time zone changes the metrics (it cuts the days): other
-- settings (the program's start, delivery settings, the week whose review
-- went out) must not make the whole rollup be rebuilt, which on a store of
-- millions of orders takes minutes. Writing the same zone again changes
-- nothing either.
DROP TRIGGER settings_dirty ON settings;
CREATE TRIGGER settings_dirty_insert AFTER INSERT ON settings FOR EACH ROW
    WHEN (NEW.key = 'timezone') EXECUTE FUNCTION everything_dirty();
CREATE TRIGGER settings_dirty_update AFTER UPDATE ON settings FOR EACH ROW
    WHEN (NEW.key = 'timezone' AND NEW.value IS DISTINCT FROM OLD.value) EXECUTE FUNCTION everything_dirty();
