-- Triggers that name the days a write touched (see metric_dirty).
--
-- They insert with a NOT EXISTS guard rather than OR IGNORE: SQLite applies
-- the conflict policy of the statement that fired a trigger to the
-- trigger's own statements, so an upsert firing one would turn OR IGNORE
-- back into an error.

CREATE TRIGGER orders_dirty_insert AFTER INSERT ON orders BEGIN
    INSERT INTO metric_dirty (bucket) SELECT NEW.placed_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = NEW.placed_at / 86400);
    -- new vs returning and first-order month of the customer's later orders
    INSERT INTO metric_dirty (bucket) SELECT DISTINCT placed_at / 86400 FROM orders WHERE customer_id = NEW.customer_id AND placed_at > NEW.placed_at AND NOT EXISTS (SELECT 1 FROM metric_dirty d WHERE d.bucket = placed_at / 86400);
END;

CREATE TRIGGER orders_dirty_update AFTER UPDATE ON orders BEGIN
    INSERT INTO metric_dirty (bucket) SELECT OLD.placed_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = OLD.placed_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT NEW.placed_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = NEW.placed_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT DISTINCT placed_at / 86400 FROM orders WHERE customer_id IN (OLD.customer_id, NEW.customer_id) AND NOT EXISTS (SELECT 1 FROM metric_dirty d WHERE d.bucket = placed_at / 86400);
    -- contacts and sessions are grouped by their order's attributes
    INSERT INTO metric_dirty (bucket) SELECT DISTINCT started_at / 86400 FROM contacts WHERE order_id = NEW.id AND NOT EXISTS (SELECT 1 FROM metric_dirty d WHERE d.bucket = started_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT DISTINCT started_at / 86400 FROM self_service_sessions WHERE order_id = NEW.id AND NOT EXISTS (SELECT 1 FROM metric_dirty d WHERE d.bucket = started_at / 86400);
END;

CREATE TRIGGER orders_dirty_delete AFTER DELETE ON orders BEGIN
    INSERT INTO metric_dirty (bucket) SELECT OLD.placed_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = OLD.placed_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT DISTINCT placed_at / 86400 FROM orders WHERE customer_id = OLD.customer_id AND NOT EXISTS (SELECT 1 FROM metric_dirty d WHERE d.bucket = placed_at / 86400);
END;

CREATE TRIGGER contacts_dirty_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO metric_dirty (bucket) SELECT NEW.started_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = NEW.started_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT DISTINCT placed_at / 86400 FROM orders WHERE id = NEW.order_id AND NOT EXISTS (SELECT 1 FROM metric_dirty d WHERE d.bucket = placed_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT DISTINCT closed_at / 86400 FROM conversations WHERE id = NEW.conversation_id AND closed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM metric_dirty d WHERE d.bucket = closed_at / 86400);
END;

CREATE TRIGGER contacts_dirty_update AFTER UPDATE ON contacts BEGIN
    INSERT INTO metric_dirty (bucket) SELECT OLD.started_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = OLD.started_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT NEW.started_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = NEW.started_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT DISTINCT placed_at / 86400 FROM orders WHERE id IN (OLD.order_id, NEW.order_id) AND NOT EXISTS (SELECT 1 FROM metric_dirty d WHERE d.bucket = placed_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT DISTINCT closed_at / 86400 FROM conversations WHERE id = NEW.conversation_id AND closed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM metric_dirty d WHERE d.bucket = closed_at / 86400);
END;

CREATE TRIGGER contacts_dirty_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO metric_dirty (bucket) SELECT OLD.started_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = OLD.started_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT DISTINCT placed_at / 86400 FROM orders WHERE id = OLD.order_id AND NOT EXISTS (SELECT 1 FROM metric_dirty d WHERE d.bucket = placed_at / 86400);
END;

CREATE TRIGGER returns_dirty_insert AFTER INSERT ON returns BEGIN
    INSERT INTO metric_dirty (bucket) SELECT DISTINCT placed_at / 86400 FROM orders WHERE id IN (NEW.order_id) AND NOT EXISTS (SELECT 1 FROM metric_dirty d WHERE d.bucket = placed_at / 86400);
END;

CREATE TRIGGER returns_dirty_update AFTER UPDATE ON returns BEGIN
    INSERT INTO metric_dirty (bucket) SELECT DISTINCT placed_at / 86400 FROM orders WHERE id IN (OLD.order_id, NEW.order_id) AND NOT EXISTS (SELECT 1 FROM metric_dirty d WHERE d.bucket = placed_at / 86400);
END;

CREATE TRIGGER returns_dirty_delete AFTER DELETE ON returns BEGIN
    INSERT INTO metric_dirty (bucket) SELECT DISTINCT placed_at / 86400 FROM orders WHERE id IN (OLD.order_id) AND NOT EXISTS (SELECT 1 FROM metric_dirty d WHERE d.bucket = placed_at / 86400);
END;

CREATE TRIGGER sessions_dirty_insert AFTER INSERT ON self_service_sessions BEGIN
    INSERT INTO metric_dirty (bucket) SELECT NEW.started_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = NEW.started_at / 86400);
END;

CREATE TRIGGER sessions_dirty_update AFTER UPDATE ON self_service_sessions BEGIN
    INSERT INTO metric_dirty (bucket) SELECT OLD.started_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = OLD.started_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT NEW.started_at / 86400 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = NEW.started_at / 86400);
END;

CREATE TRIGGER actions_dirty_insert AFTER INSERT ON actions BEGIN
    INSERT INTO metric_dirty (bucket) SELECT (CAST(strftime('%s', NEW.due_date) AS INTEGER) / 86400) WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = (CAST(strftime('%s', NEW.due_date) AS INTEGER) / 86400));
END;

CREATE TRIGGER actions_dirty_update AFTER UPDATE ON actions BEGIN
    INSERT INTO metric_dirty (bucket) SELECT (CAST(strftime('%s', OLD.due_date) AS INTEGER) / 86400) WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = (CAST(strftime('%s', OLD.due_date) AS INTEGER) / 86400));
    INSERT INTO metric_dirty (bucket) SELECT (CAST(strftime('%s', NEW.due_date) AS INTEGER) / 86400) WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = (CAST(strftime('%s', NEW.due_date) AS INTEGER) / 86400));
END;

CREATE TRIGGER conversations_dirty_update AFTER UPDATE OF closed_at, state ON conversations BEGIN
    INSERT INTO metric_dirty (bucket) SELECT OLD.closed_at / 86400 WHERE OLD.closed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = OLD.closed_at / 86400);
    INSERT INTO metric_dirty (bucket) SELECT NEW.closed_at / 86400 WHERE NEW.closed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = NEW.closed_at / 86400);
END;

-- Rates, fees, fixed costs, teams and the time zone reach every day.

CREATE TRIGGER costs_dirty_insert AFTER INSERT ON cost_entries BEGIN
    INSERT INTO metric_dirty (bucket) SELECT -1 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = -1);
END;

CREATE TRIGGER costs_dirty_update AFTER UPDATE ON cost_entries BEGIN
    INSERT INTO metric_dirty (bucket) SELECT -1 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = -1);
END;

CREATE TRIGGER costs_dirty_delete AFTER DELETE ON cost_entries BEGIN
    INSERT INTO metric_dirty (bucket) SELECT -1 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = -1);
END;

CREATE TRIGGER agents_dirty_insert AFTER INSERT ON agents BEGIN
    INSERT INTO metric_dirty (bucket) SELECT -1 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = -1);
END;

CREATE TRIGGER agents_dirty_update AFTER UPDATE ON agents BEGIN
    INSERT INTO metric_dirty (bucket) SELECT -1 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = -1);
END;

CREATE TRIGGER settings_dirty_insert AFTER INSERT ON settings BEGIN
    INSERT INTO metric_dirty (bucket) SELECT -1 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = -1);
END;

CREATE TRIGGER settings_dirty_update AFTER UPDATE ON settings BEGIN
    INSERT INTO metric_dirty (bucket) SELECT -1 WHERE NOT EXISTS (SELECT 1 FROM metric_dirty WHERE bucket = -1);
END;
