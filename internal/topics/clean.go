package topics

import (
	"regexp"
	"strings"
)

// Clean keeps what the customer wrote in this message: it cuts quoted
// replies, forwarded history, signatures and sign-offs, and drops a leading
// greeting. Customers reply on top of the whole thread, so without this the
// previous messages (often the brand's own) would decide the topic.
// A text that would be left empty is returned trimmed instead.
func Clean(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	kept := make([]string, 0, len(lines))
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if quoteHeader(lines, i) || signatureStart(line) {
			break
		}
		if strings.HasPrefix(line, ">") {
			continue
		}
		kept = append(kept, line)
	}
	kept = dropSignOff(kept)
	kept = dropGreeting(kept)
	out := strings.TrimSpace(strings.Join(kept, "\n"))
	if out == "" {
		return strings.TrimSpace(text)
	}
	return out
}

var (
	// "On Mon, 5 Jan 2026 at 10:02, Jane <j@x.com> wrote:" — Gmail and Apple
	// Mail, sometimes wrapped over two lines; French and German clients too.
	onWrote       = regexp.MustCompile(`(?i)^(on|le|am) .{4,200}(wrote|a écrit|schrieb)\s*:?\s*$`)
	onStart       = regexp.MustCompile(`(?i)^on .{4,120}$`)
	originalMsg   = regexp.MustCompile(`(?i)^-{2,}\s*(original message|forwarded message|message d'origine)\s*-{2,}`)
	headerField   = regexp.MustCompile(`(?i)^(from|de|von)\s*:`)
	sentField     = regexp.MustCompile(`(?i)^(sent|date|to|envoyé|gesendet)\s*:`)
	outlookRule   = regexp.MustCompile(`^_{10,}$`)
	sentFrom      = regexp.MustCompile(`(?i)^(sent from my|sent from (mail|outlook|yahoo)|get outlook for|envoyé de mon)\b`)
	signOff       = regexp.MustCompile(`(?i)^((best|kind|warm|many)\s+)?(regards|wishes|thanks|thank you|cheers|sincerely|best|thx|merci|cordialement|tia)( so much| in advance| again)?[,.!]*\s*$`)
	greetingLine  = regexp.MustCompile(`(?i)^(hi|hello|hey|hiya|dear|greetings|good (morning|afternoon|evening)|bonjour|hallo)(\s+[\p{L}'.-]+){0,2}\s*[,.!:]?$`)
	greetingStart = regexp.MustCompile(`(?i)^(hi|hello|hey|hiya|dear|greetings|good (morning|afternoon|evening))( there| team| all| guys| support| folks| [a-z]+)?\s*[,!:]\s*`)
)

// quoteHeader reports whether lines[i] starts the quoted history of a reply.
func quoteHeader(lines []string, i int) bool {
	line := strings.TrimSpace(lines[i])
	if onWrote.MatchString(line) || originalMsg.MatchString(line) || outlookRule.MatchString(line) {
		return true
	}
	if i+1 < len(lines) {
		next := strings.TrimSpace(lines[i+1])
		if onStart.MatchString(line) && onWrote.MatchString(line+" "+next) {
			return true
		}
		// Outlook: "From: …" followed by "Sent: …" or "Date: …".
		if headerField.MatchString(line) && sentField.MatchString(next) {
			return true
		}
	}
	return false
}

func signatureStart(line string) bool {
	return line == "--" || line == "-- " || line == "—" || sentFrom.MatchString(line)
}

// dropSignOff removes a closing ("Best regards,", "Thanks!") and the few
// short lines after it (a name, a phone number), but only when there is a
// message before it.
func dropSignOff(lines []string) []string {
	for i := len(lines) - 1; i > 0; i-- {
		if len(lines)-i > 6 {
			break
		}
		if !signOff.MatchString(lines[i]) {
			continue
		}
		short := true
		for _, l := range lines[i+1:] {
			if len(l) > 40 {
				short = false
			}
		}
		if short && hasText(lines[:i]) {
			return lines[:i]
		}
	}
	return lines
}

// dropGreeting removes an opening greeting line ("Hi team,") or the
// greeting that starts the first line ("Hello, my order…").
func dropGreeting(lines []string) []string {
	for i, l := range lines {
		if l == "" {
			continue
		}
		if greetingLine.MatchString(l) && hasText(lines[i+1:]) {
			return lines[i+1:]
		}
		if loc := greetingStart.FindStringIndex(l); loc != nil && loc[1] < len(l) {
			out := append([]string{l[loc[1]:]}, lines[i+1:]...)
			return out
		}
		return lines[i:]
	}
	return lines
}

func hasText(lines []string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return true
		}
	}
	return false
}
