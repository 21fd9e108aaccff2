package twilio

import (
	"bytes"
	"encoding/xml"
)

// TwiML answers: Twilio reads the response to a messaging webhook as
// instructions, and an empty <Response/> tells it to do nothing more.

// Empty is the answer to every callback that needs no action.
const Empty = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

// VoicePrompt is what a caller hears before leaving a voicemail.
const VoicePrompt = "Thank you for calling. Nobody can take your call right now: please leave a message after the tone, and we will call you back."

// MaxVoicemailSeconds bounds a voicemail recording.
const MaxVoicemailSeconds = 180

// Forward answers an inbound call by connecting it to number.
func Forward(number string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial>`)
	xml.EscapeText(&b, []byte(number))
	b.WriteString(`</Dial></Response>`)
	return b.Bytes()
}

// Voicemail answers an inbound call by asking for a message and recording
// it; Twilio posts the recording to callback (the webhook itself).
func Voicemail(callback string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>`)
	xml.EscapeText(&b, []byte(VoicePrompt))
	b.WriteString(`</Say><Record action="`)
	xml.EscapeText(&b, []byte(callback))
	b.WriteString(`" method="POST" maxLength="180" playBeep="true"/></Response>`)
	return b.Bytes()
}
