-- The Twilio channel (docs/twilio.md): SMS, MMS, WhatsApp and voice.

-- A file kept elsewhere (an MMS or WhatsApp picture at Twilio, a call's
-- recording) is a link: url is set, content NULL.
ALTER TABLE attachments ADD COLUMN url TEXT NOT NULL DEFAULT '';

-- The provider's id for a sent delivery (Twilio's message sid), so its
-- status callbacks find the message.
ALTER TABLE deliveries ADD COLUMN provider_id TEXT NOT NULL DEFAULT '';
CREATE INDEX deliveries_provider ON deliveries (provider_id);

-- Addresses that asked for no more messages (STOP, or Twilio's error
-- 21610), as Twilio writes them: +15551234567 or whatsapp:+15551234567.
-- START removes the row.
CREATE TABLE opt_outs (
    address      TEXT PRIMARY KEY,
    reason       TEXT NOT NULL,
    opted_out_at BIGINT NOT NULL
);

-- Calls by Twilio's CallSid: who called, what became of it, how long it
-- lasted and its voicemail. message_id is the call's message on the desk
-- (NULL for calls the brand placed, which are no contact).
CREATE TABLE calls (
    call_sid          TEXT PRIMARY KEY,
    direction         TEXT NOT NULL DEFAULT '',
    caller            TEXT NOT NULL DEFAULT '',
    called            TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT '',
    -- answered or missed, once the call has ended
    outcome           TEXT NOT NULL DEFAULT '',
    duration_seconds  BIGINT NOT NULL DEFAULT 0,
    recording_url     TEXT NOT NULL DEFAULT '',
    recording_seconds BIGINT NOT NULL DEFAULT 0,
    message_id        BIGINT REFERENCES messages(id),
    started_at        BIGINT NOT NULL,
    ended_at          BIGINT
);
CREATE INDEX calls_message ON calls (message_id);
