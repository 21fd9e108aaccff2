-- Orders whose revenue is unknown (docs/metrics.md#unknown-revenue): an
-- export that carries no amount at all still says an order was placed.
-- Such an order counts wherever orders are counted (contacts per order,
-- support cost per order), and is left out of the revenue metrics, which
-- say how many orders they could not cover.
ALTER TABLE orders ADD COLUMN revenue_unknown BOOLEAN NOT NULL DEFAULT FALSE;

-- The rollup's facts: of a day's orders, how many have unknown revenue,
-- and the returns cost of those (kept apart, so the revenue ratios leave
-- it out while the returns cost still counts it).
ALTER TABLE metric_days ADD COLUMN revenue_unknown DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE metric_days ADD COLUMN unknown_returns_cost DOUBLE PRECISION NOT NULL DEFAULT 0;

-- Any write that changes an order's fields comes with its amounts (an
-- import, the API, a sync): the revenue is then known again. Only the
-- importer that found no amount sets the flag, after its write, with an
-- update that leaves row_hash as it is.
CREATE TRIGGER orders_revenue_known AFTER UPDATE OF row_hash ON orders
    WHEN NEW.revenue_unknown AND NEW.row_hash IS NOT OLD.row_hash AND OLD.revenue_unknown = NEW.revenue_unknown BEGIN
    UPDATE orders SET revenue_unknown = FALSE WHERE id = NEW.id;
END;
