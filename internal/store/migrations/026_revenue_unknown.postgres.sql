-- Orders whose revenue is unknown (docs/metrics.md#unknown-revenue). The
-- same changes as the SQLite file, in PL/pgSQL.
ALTER TABLE orders ADD COLUMN revenue_unknown BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE metric_days ADD COLUMN revenue_unknown DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE metric_days ADD COLUMN unknown_returns_cost DOUBLE PRECISION NOT NULL DEFAULT 0;

-- A write that changes an order's fields brings its amounts: the revenue
-- is known again, unless the write itself sets the flag.
CREATE FUNCTION orders_revenue_known() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.row_hash IS DISTINCT FROM OLD.row_hash AND NEW.revenue_unknown = OLD.revenue_unknown THEN
        NEW.revenue_unknown := FALSE;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER orders_revenue_known BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION orders_revenue_known();
