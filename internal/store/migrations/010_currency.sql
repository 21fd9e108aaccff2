-- One currency per store (the "currency" setting). An order in another
-- currency is stored converted into it at the rate of the day it was
-- placed; the order keeps the currency it came in and the rate, so its
-- own amounts can be worked out again (amount / fx_rate). Rates are kept
-- as the exact decimal text they were given: neither engine's REAL would
-- hold 18.2345 exactly. See docs/import.md#currency.

-- rate: units of the store's currency per one unit of currency, from
-- rate_date ('YYYY-MM-DD', store time zone) until the next rate.
CREATE TABLE fx_rates (
    currency  TEXT NOT NULL,
    rate_date TEXT NOT NULL,
    rate      TEXT NOT NULL,
    PRIMARY KEY (currency, rate_date)
);

-- Both '' for an order that came in the store's currency.
ALTER TABLE orders ADD COLUMN original_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN fx_rate TEXT NOT NULL DEFAULT '';
