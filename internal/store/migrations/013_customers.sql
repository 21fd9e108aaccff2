-- A customer's timeline and profile (package desk, docs/customers.md):
-- each source of the timeline is read for one customer, newest first, a
-- page at a time, so each needs an index that starts with the customer.

-- Self-service sessions of one customer, by start.
CREATE INDEX self_service_customer ON self_service_sessions (customer_id, started_at);

-- Share links of one customer (the profile lists the live ones).
CREATE INDEX share_links_customer ON share_links (customer_id);

-- Merges that absorbed a customer, to refuse undoing a merge whose
-- survivor was itself merged away since.
CREATE INDEX customer_merges_merged ON customer_merges (merged_id);

-- Customers merged into one (the profile's merged-away ids).
CREATE INDEX customers_merged_into ON customers (merged_into);

-- Customer search: by the start of a name, case-insensitively, and by an
-- identity's value whatever its kind (an external id pasted as is).
CREATE INDEX customers_name_lower ON customers (lower(name));
CREATE INDEX customer_identities_value ON customer_identities (value);
