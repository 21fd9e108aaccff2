-- Triggers that name the days a write touched (see metric_dirty). The same
-- rules as the SQLite file, in PL/pgSQL.

CREATE FUNCTION metric_dirty_mark(b BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO metric_dirty (bucket) VALUES (b) ON CONFLICT DO NOTHING
$$;

CREATE FUNCTION orders_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM metric_dirty_mark(OLD.placed_at / 86400);
        INSERT INTO metric_dirty (bucket) SELECT DISTINCT placed_at / 86400 FROM orders WHERE customer_id = OLD.customer_id ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM metric_dirty_mark(NEW.placed_at / 86400);
        -- new vs returning and first-order month of the customer's other orders
        INSERT INTO metric_dirty (bucket) SELECT DISTINCT placed_at / 86400 FROM orders WHERE customer_id = NEW.customer_id AND placed_at > NEW.placed_at ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM metric_dirty_mark(NEW.placed_at / 86400);
        INSERT INTO metric_dirty (bucket) SELECT DISTINCT placed_at / 86400 FROM orders WHERE customer_id = NEW.customer_id ON CONFLICT DO NOTHING;
        -- contacts and sessions are grouped by their order's attributes
        INSERT INTO metric_dirty (bucket) SELECT DISTINCT started_at / 86400 FROM contacts WHERE order_id = NEW.id ON CONFLICT DO NOTHING;
        INSERT INTO metric_dirty (bucket) SELECT DISTINCT started_at / 86400 FROM self_service_sessions WHERE order_id = NEW.id ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER orders_dirty AFTER INSERT OR UPDATE OR DELETE ON orders FOR EACH ROW EXECUTE FUNCTION orders_dirty();

CREATE FUNCTION contacts_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM metric_dirty_mark(OLD.started_at / 86400);
        INSERT INTO metric_dirty (bucket) SELECT placed_at / 86400 FROM orders WHERE id = OLD.order_id ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM metric_dirty_mark(NEW.started_at / 86400);
        INSERT INTO metric_dirty (bucket) SELECT placed_at / 86400 FROM orders WHERE id = NEW.order_id ON CONFLICT DO NOTHING;
        INSERT INTO metric_dirty (bucket) SELECT closed_at / 86400 FROM conversations WHERE id = NEW.conversation_id AND closed_at IS NOT NULL ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER contacts_dirty AFTER INSERT OR UPDATE OR DELETE ON contacts FOR EACH ROW EXECUTE FUNCTION contacts_dirty();

CREATE FUNCTION returns_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO metric_dirty (bucket) SELECT placed_at / 86400 FROM orders WHERE id = OLD.order_id ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO metric_dirty (bucket) SELECT placed_at / 86400 FROM orders WHERE id = NEW.order_id ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER returns_dirty AFTER INSERT OR UPDATE OR DELETE ON returns FOR EACH ROW EXECUTE FUNCTION returns_dirty();

CREATE FUNCTION sessions_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM metric_dirty_mark(OLD.started_at / 86400); END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM metric_dirty_mark(NEW.started_at / 86400); END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER sessions_dirty AFTER INSERT OR UPDATE OR DELETE ON self_service_sessions FOR EACH ROW EXECUTE FUNCTION sessions_dirty();

CREATE FUNCTION actions_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM metric_dirty_mark((EXTRACT(EPOCH FROM OLD.due_date::date)::bigint) / 86400); END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM metric_dirty_mark((EXTRACT(EPOCH FROM NEW.due_date::date)::bigint) / 86400); END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER actions_dirty AFTER INSERT OR UPDATE OR DELETE ON actions FOR EACH ROW EXECUTE FUNCTION actions_dirty();

CREATE FUNCTION conversations_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.closed_at IS NOT NULL THEN PERFORM metric_dirty_mark(OLD.closed_at / 86400); END IF;
    IF NEW.closed_at IS NOT NULL THEN PERFORM metric_dirty_mark(NEW.closed_at / 86400); END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER conversations_dirty AFTER UPDATE OF closed_at, state ON conversations FOR EACH ROW EXECUTE FUNCTION conversations_dirty();

-- Rates, fees, fixed costs, teams and the time zone reach every day.
CREATE FUNCTION everything_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM metric_dirty_mark(-1);
    RETURN NULL;
END $$;
CREATE TRIGGER costs_dirty AFTER INSERT OR UPDATE OR DELETE ON cost_entries FOR EACH ROW EXECUTE FUNCTION everything_dirty();
CREATE TRIGGER agents_dirty AFTER INSERT OR UPDATE ON agents FOR EACH ROW EXECUTE FUNCTION everything_dirty();
CREATE TRIGGER settings_dirty AFTER INSERT OR UPDATE ON settings FOR EACH ROW EXECUTE FUNCTION everything_dirty();
