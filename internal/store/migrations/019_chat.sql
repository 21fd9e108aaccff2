-- The chat widget (docs/chat.md). A visitor is one browser: the widget
-- keeps a random token in the brand site's localStorage and sends it with
-- every request; only its hash is stored. customer_id is the anonymous
-- customer their messages are recorded under (set with the first one).
-- session_id and session_at are the chat session of the contact rules: a
-- new one starts after ChatIdle without a message.
CREATE TABLE chat_visitors (
    id          {{id}},
    token_hash  TEXT NOT NULL UNIQUE,
    public_id   TEXT NOT NULL UNIQUE,
    customer_id BIGINT REFERENCES customers(id),
    email       TEXT NOT NULL DEFAULT '',
    session_id  TEXT NOT NULL DEFAULT '',
    session_at  BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);

-- The conversations a visitor wrote in. An anonymous visitor reads only
-- these (identified = FALSE); an identified visitor reads their
-- customer's conversations, so their rows only say where they wrote.
CREATE TABLE chat_links (
    visitor_id      BIGINT NOT NULL REFERENCES chat_visitors(id),
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    identified      BOOLEAN NOT NULL,
    PRIMARY KEY (visitor_id, conversation_id, identified)
);
CREATE INDEX chat_links_conversation ON chat_links (conversation_id);

-- What the chat side knows of a conversation: where to mail replies the
-- visitor did not see, the last message an open widget acknowledged, the
-- last one mailed, and until when the visitor is typing.
CREATE TABLE chat_conversations (
    conversation_id BIGINT PRIMARY KEY REFERENCES conversations(id),
    email           TEXT NOT NULL DEFAULT '',
    seen_through    BIGINT NOT NULL DEFAULT 0,
    mailed_through  BIGINT NOT NULL DEFAULT 0,
    typing_until    BIGINT NOT NULL DEFAULT 0
);
