package mail

import (
	"regexp"
	"strings"
)

// StripQuoted splits a reply into what the sender wrote now (body) and the
// history and signature their mail program added below it (quoted).
//
// It recognises, in English, French, German, Spanish and the Scandinavian
// languages (and Italian, Dutch, Portuguese): "On … wrote:" headers, also
// wrapped over two lines as Gmail does; "-----Original Message-----"
// separators; Outlook header blocks (From/Sent/To/Subject, localised);
// lines starting with ">"; "Sent from my iPhone" and its translations; and
// signatures after a "-- " line. A forwarded message ("---------- Forwarded
// message ---------", "Begin forwarded message:") is content the sender is
// sharing and stays in body. If stripping would leave nothing, body is the
// whole text: an agent must never be shown an empty message.
func StripQuoted(text string) (body, quoted string) {
	return stripQuoted(text, false)
}

// stripQuoted is StripQuoted; forwarded says the subject marks a forward
// (Fwd:, TR:, WG:...), so the first separator or header block introduces
// the forwarded message and is kept.
func stripQuoted(text string, forwarded bool) (body, quoted string) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	n := len(lines)
	fwd := -1
	for i := range lines {
		if isForwardMarker(lines[i]) || forwarded && (isSeparator(lines[i]) || outlookBlockAt(lines, i)) {
			fwd = i
			break
		}
	}
	removed := make([]bool, n)
	for i := 0; i < n; {
		if i == fwd {
			break
		}
		if isHardCut(lines, i) {
			end := n
			if fwd > i {
				end = fwd
			}
			for j := i; j < end; j++ {
				removed[j] = true
			}
			if end == n {
				break
			}
			i = end
			continue
		}
		if span, strict := attribution(lines, i); span > 0 {
			next := nextNonBlank(lines, i+span)
			switch {
			case next < n && isQuotedLine(lines[next]):
				for j := i; j < i+span; j++ {
					removed[j] = true
				}
				i += span
				continue
			case strict:
				// "On … wrote:" followed by the original without ">" marks
				// (common once HTML is turned into text): all of it is history.
				end := n
				if fwd > i {
					end = fwd
				}
				for j := i; j < end; j++ {
					removed[j] = true
				}
				if end == n {
					i = n
					continue
				}
				i = end
				continue
			}
			// A loose attribution not followed by a quote is ordinary text.
		}
		if isQuotedLine(lines[i]) {
			removed[i] = true
		}
		i++
	}
	var b, q []string
	for i, l := range lines {
		if removed[i] {
			q = append(q, l)
		} else {
			b = append(b, l)
		}
	}
	body = trimBlankLines(strings.Join(b, "\n"))
	quoted = trimBlankLines(strings.Join(q, "\n"))
	if body == "" {
		return trimBlankLines(text), ""
	}
	return body, quoted
}

func trimBlankLines(s string) string {
	lines := strings.Split(s, "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " \t")
	}
	return strings.Join(lines, "\n")
}

func nextNonBlank(lines []string, i int) int {
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	return i
}

func isQuotedLine(l string) bool {
	return strings.HasPrefix(strings.TrimLeft(l, " \t"), ">")
}

// isHardCut reports a line after which everything (up to a forwarded
// message) is history or signature.
func isHardCut(lines []string, i int) bool {
	l := lines[i]
	switch {
	case l == "-- " || strings.TrimSpace(l) == "--":
		return true
	case isSeparator(l), isMobileSignature(l), outlookBlockAt(lines, i):
		return true
	case underscores.MatchString(l):
		// Outlook draws a line above its header block.
		if j := nextNonBlank(lines, i+1); j < len(lines) && outlookBlockAt(lines, j) {
			return true
		}
	}
	return false
}

var (
	underscores = regexp.MustCompile(`^\s*_{10,}\s*$`)

	separator = regexp.MustCompile(`(?i)^\s*[-_=*]{2,}\s*(original message|original e-?mail|message d'origine|message original|ursprüngliche nachricht|originalnachricht|mensaje original|opprinnelig melding|original melding|oprindelig meddelelse|ursprungligt meddelande|messaggio originale|oorspronkelijk bericht|mensagem original|reply message|antwort)\s*[-_=*]{2,}\s*$`)

	forwardMarker = regexp.MustCompile(`(?i)^\s*(-{2,}\s*(forwarded message|forwarded e-?mail|message transféré|message transfere|weitergeleitete nachricht|mensaje reenviado|videresendt melding|videresendt meddelelse|videresendt e-post|vidarebefordrat meddelande|messaggio inoltrato|doorgestuurd bericht|mensagem encaminhada)\s*-{2,}|(begin forwarded message|début du message réexpédié|début du message transféré|anfang der weitergeleiteten nachricht|inicio del mensaje reenviado|comienzo del mensaje reenviado|begynnelse på videresendt melding|videresendt melding|start på videresendt meddelelse|inizio messaggio inoltrato|begin doorgestuurd bericht)\s*:)\s*$`)

	mobileSignature = regexp.MustCompile(`(?i)^\s*(sent from my .{1,40}|sent from (yahoo mail|outlook|mail for windows|samsung|android|gmail).{0,40}|sent with .{1,40}|get outlook for .{1,30}|envoyé de mon .{1,40}|envoyé depuis mon .{1,40}|envoyé de (yahoo|outlook|gmail).{0,30}|obtenir outlook pour .{1,30}|von meinem .{1,40} gesendet|gesendet von meinem .{1,40}|gesendet von (yahoo|outlook|gmail|mail).{0,30}|outlook für .{1,20} beziehen|enviado desde mi .{1,40}|enviado desde (yahoo|outlook|gmail|correo).{0,30}|obtener outlook para .{1,30}|sendt fra min .{1,40}|sendt fra (yahoo|outlook|gmail|e-post).{0,30}|hent outlook for .{1,30}|skickat från min .{1,40}|verzonden (met|vanaf) (mijn )?.{1,40}|inviato da .{1,40}|enviado do meu .{1,40})\s*$`)
)

func isSeparator(l string) bool       { return len(l) < 120 && separator.MatchString(l) }
func isForwardMarker(l string) bool   { return len(l) < 120 && forwardMarker.MatchString(l) }
func isMobileSignature(l string) bool { return len(l) < 80 && mobileSignature.MatchString(l) }

// Attribution lines: "On … wrote:" and its translations. The strict forms
// start with the word that opens them in each language; the loose form is
// how Gmail writes it in languages that put the date first ("15. marts
// 2017 kl. 11.00 skrev John Doe <john@example.com>:") and only counts
// before a quote.
var (
	strictAttribution = regexp.MustCompile(`(?i)^\s*(on\s.{3,250}\swrote|le\s.{3,250}\sa écrit|am\s.{3,250}\sschrieb.{0,250}|el\s.{3,250}\sescribió|den\s.{3,250}\sskrev.{0,250}|.{3,250}\sskrev følgende|il\s.{3,250}\sha scritto|op\s.{3,250}\sschreef.{0,250}|em\s.{3,250}\sescreveu|on\s.{3,250}\skirjoitti)\s*:\s*$`)
	looseAttribution  = regexp.MustCompile(`(?i)^\s*.{3,250}\s(wrote|schrieb|skrev|escribió|a écrit|ha scritto|schreef|escreveu|kirjoitti)(\s.{0,250})?\s*:\s*$`)
	timeOrAddress     = regexp.MustCompile(`@|\d{1,2}[:.]\d{2}`)
)

// attribution reports an attribution starting at line i: how many lines it
// spans (0 when none) and whether it is one of the strict forms.
func attribution(lines []string, i int) (span int, strict bool) {
	l := strings.TrimSpace(lines[i])
	if l == "" || len(l) > 300 || isQuotedLine(l) {
		return 0, false
	}
	if strictAttribution.MatchString(l) {
		return 1, true
	}
	if looseAttribution.MatchString(l) && timeOrAddress.MatchString(l) {
		return 1, false
	}
	// Gmail wraps a long attribution: "On Tue, … John Smith <\njohn@example.com> wrote:".
	if i+1 < len(lines) {
		second := strings.TrimSpace(lines[i+1])
		joined := l + " " + second
		if second != "" && !isQuotedLine(second) && len(joined) <= 300 && !strings.HasSuffix(l, ":") {
			if strictAttribution.MatchString(joined) {
				return 2, true
			}
			// The loose form must carry its date or address on the first
			// line, or any sentence above a wrapped attribution would join it.
			if looseAttribution.MatchString(joined) && timeOrAddress.MatchString(l) {
				return 2, false
			}
		}
	}
	return 0, false
}

// Outlook header blocks: From, then within a few lines a Subject and a
// Sent or Date field, in the reader's language ("De :", "Von:", "Fra:"...).
// Requiring all three keeps an itinerary ("From: Oslo / To: Paris") as text.
var headerKey = regexp.MustCompile(`(?i)^\s*\*?\s*([\p{L}]+)\s*\*?\s*:`)

var (
	fromKeys    = keySet("from", "de", "von", "fra", "van", "da", "från", "od", "lähettäjä")
	sentKeys    = keySet("sent", "date", "envoyé", "gesendet", "datum", "enviado", "fecha", "sendt", "dato", "verzonden", "inviato", "data", "skickat", "päivämäärä")
	subjectKeys = keySet("subject", "objet", "betreff", "asunto", "emne", "onderwerp", "oggetto", "assunto", "ämne", "aihe")
)

func keySet(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

func fieldKey(l string) string {
	if m := headerKey.FindStringSubmatch(l); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}

func outlookBlockAt(lines []string, i int) bool {
	if !fromKeys[fieldKey(lines[i])] {
		return false
	}
	sent, subject := false, false
	for j := i + 1; j < len(lines) && j <= i+6; j++ {
		if strings.TrimSpace(lines[j]) == "" {
			break
		}
		k := fieldKey(lines[j])
		sent = sent || sentKeys[k]
		subject = subject || subjectKeys[k]
	}
	return sent && subject
}
