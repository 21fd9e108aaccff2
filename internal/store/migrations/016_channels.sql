-- Channels beyond email (docs/channels.md). A message's channel is what
-- metrics count (sms, social, chat, voice); via names the service it came
-- through or goes out on inside that channel: sms, mms, whatsapp (counted
-- as social messaging), instagram, messenger, tiktok… Empty for email and
-- imports.
ALTER TABLE messages ADD COLUMN via TEXT NOT NULL DEFAULT '';
