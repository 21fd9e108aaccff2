-- The inbox (package desk, docs/desk.md#views). Every view lists
-- conversations newest first, a page at a time by (last_message_at, id),
-- inside one state and often one owner: each needs an index that starts
-- with what the view fixes and ends with last_message_at, so a page is
-- read in order and stops at its limit. The state and assignee views have
-- theirs since 012.

-- Everything, whatever its state: the whole table newest first.
CREATE INDEX conversations_last ON conversations (last_message_at, id);

-- By team and by channel.
CREATE INDEX conversations_team ON conversations (team_id, state, last_message_at);
CREATE INDEX conversations_channel ON conversations (channel, state, last_message_at);

-- Snoozed conversations: few at any time, so only they are indexed.
CREATE INDEX conversations_snoozed ON conversations (snoozed_until) WHERE snoozed_until IS NOT NULL;

-- A conversation's latest contact (its topic in the inbox, the contact that
-- handle time and topic corrections go to), whatever its channel.
CREATE INDEX contacts_conversation_started ON contacts (conversation_id, started_at);

-- A customer's email or phone, as each inbox row and thread names them:
-- the customer and the kind fix the first two columns, the value is in
-- order for the first.
CREATE INDEX customer_identities_customer_kind ON customer_identities (customer_id, kind, value);

-- Round-robin assignment: the agent who took the last conversation, per
-- team (team_id 0: every agent), so the next goes to the one after.
CREATE TABLE desk_round_robin (
    team_id      BIGINT PRIMARY KEY,
    last_user_id BIGINT NOT NULL
);
