package mail

import (
	"bytes"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding/charmap"
)

// splitHeader reads the header section of raw leniently and returns it with
// the body. It never fails: mail in the wild has mbox "From " lines, headers
// without the blank line before the body, and lines that are not fields.
// A line that is not a field ends the header (the body started without its
// blank line), which is how most mail readers treat it.
func splitHeader(raw []byte, m *Message) (textproto.Header, []byte) {
	var h textproto.Header
	rest := raw
	first := true
	var name string
	var value []byte
	flush := func() {
		if name != "" {
			h.Add(name, string(value))
		}
		name, value = "", nil
	}
	for len(rest) > 0 {
		line, next := cutLine(rest)
		trimmed := bytes.TrimRight(line, "\r")
		if first {
			first = false
			// An mbox separator or a line of padding before the header.
			if bytes.HasPrefix(trimmed, []byte("From ")) || len(bytes.TrimSpace(trimmed)) == 0 && len(trimmed) > 0 {
				rest = next
				first = true
				continue
			}
		}
		if len(trimmed) == 0 {
			flush()
			return h, next
		}
		if trimmed[0] == ' ' || trimmed[0] == '\t' {
			if name != "" {
				// Unfold: the line break goes, the white space stays.
				value = append(value, trimmed...)
			}
			rest = next
			continue
		}
		colon := bytes.IndexByte(trimmed, ':')
		if colon <= 0 || !validFieldName(trimmed[:colon]) {
			flush()
			if h.Len() == 0 {
				m.problemf("header: the message starts with %q, not a header field", clip(string(trimmed), 60))
			} else {
				m.problemf("header: %q is not a header field; the body is taken to start there", clip(string(trimmed), 60))
			}
			return h, rest
		}
		flush()
		name = string(trimmed[:colon])
		value = append([]byte(nil), bytes.TrimLeft(trimmed[colon+1:], " \t")...)
		rest = next
	}
	flush()
	return h, nil
}

func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

func validFieldName(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// wordDecoder decodes RFC 2047 encoded words in every charset the charset
// package knows (ISO-8859-x, Windows-125x, Shift_JIS, KOI8, GB2312...).
var wordDecoder = mime.WordDecoder{CharsetReader: charset.Reader}

// decodeText turns a header value into clean UTF-8 text: encoded words are
// decoded, raw 8-bit bytes that are not UTF-8 are read as Windows-1252 (the
// usual culprit), and control characters go, so a value can never smuggle a
// line break into a page or a log.
func decodeText(field, v string, m *Message) string {
	if !utf8.ValidString(v) {
		v = fromWindows1252([]byte(v))
		m.problemf("%s: raw 8-bit text read as Windows-1252", field)
	}
	if strings.Contains(v, "=?") {
		if dec, err := wordDecoder.DecodeHeader(v); err == nil {
			v = dec
		} else {
			m.problemf("%s: cannot decode %q: shown as sent", field, clip(v, 60))
		}
	}
	return cleanLine(v)
}

// cleanLine removes control characters and folds runs of white space.
func cleanLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			r = ' '
		}
		if r == ' ' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

func fromWindows1252(b []byte) string {
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

var looseAddr = regexp.MustCompile(`[^\s<>"'(),;:\[\]]+@[^\s<>"'(),;:\[\]]+\.[^\s<>"'(),;:\[\]]+`)

// parseAddresses reads an address list. When the list is not valid RFC 5322
// (it often is not), the addresses that can be recognised are kept.
func parseAddresses(field, v string, m *Message) []Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	raw := v
	if !utf8.ValidString(v) {
		v = fromWindows1252([]byte(v))
	}
	parser := mail.AddressParser{WordDecoder: &wordDecoder}
	if list, err := parser.ParseList(v); err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			name := a.Name
			if strings.Contains(name, "=?") {
				// Encoded words inside quotes are against RFC 2047 and
				// written by many mailers all the same.
				if dec, err := wordDecoder.DecodeHeader(name); err == nil {
					name = dec
				}
			}
			out = append(out, Address{Name: cleanLine(name), Addr: strings.ToLower(cleanLine(a.Address))})
		}
		return out
	}
	found := looseAddr.FindAllString(v, -1)
	if len(found) == 0 {
		m.problemf("%s: cannot read %q", field, clip(cleanLine(raw), 80))
		return nil
	}
	out := make([]Address, 0, len(found))
	for _, a := range found {
		out = append(out, Address{Addr: strings.ToLower(strings.Trim(a, "."))})
	}
	if len(found) == 1 {
		name := strings.Replace(v, found[0], "", 1)
		name = strings.Trim(name, " \t<>\"'(),;")
		if name != "" {
			if dec, err := wordDecoder.DecodeHeader(name); err == nil {
				name = dec
			}
			out[0].Name = cleanLine(name)
		}
	}
	return out
}

var idPattern = regexp.MustCompile(`<([^<>\s]+)>`)

// parseIDs reads message ids (Message-ID, In-Reply-To, References). Ids
// written without angle brackets are kept when they look like one.
func parseIDs(v string) []string {
	var out []string
	for _, mm := range idPattern.FindAllStringSubmatch(v, -1) {
		out = append(out, cleanLine(mm[1]))
	}
	if len(out) == 0 {
		for _, w := range strings.Fields(v) {
			w = strings.Trim(w, "<>,;")
			if strings.Contains(w, "@") {
				out = append(out, cleanLine(w))
			}
		}
	}
	const maxIDs = 100 // long References chains add nothing past this
	if len(out) > maxIDs {
		out = out[len(out)-maxIDs:]
	}
	return out
}

// zoneOffsets are the zone names still written in real Date headers;
// time.Parse would otherwise read them as UTC.
var zoneOffsets = map[string]string{
	"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
	"CET": "+0100", "CEST": "+0200", "BST": "+0100", "JST": "+0900",
}

var extraDateLayouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"Jan 2 15:04:05 2006 -0700",
	"2 January 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05",
}

var (
	dateComment = regexp.MustCompile(`\([^)]*\)`)
	dateWeekday = regexp.MustCompile(`^[A-Za-z]{2,9},?\s+`)
)

// parseDate reads a Date header the way mail readers do: strict RFC 5322
// first, then the common deviations (zone names, missing seconds or zone,
// ISO dates, the weekday written without a comma).
func parseDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	s := dateComment.ReplaceAllString(v, " ")
	s = dateWeekday.ReplaceAllString(strings.TrimSpace(s), "")
	fields := strings.Fields(s)
	for i, f := range fields {
		if off, ok := zoneOffsets[strings.ToUpper(f)]; ok && i > 0 {
			fields[i] = off
		}
	}
	s = strings.Join(fields, " ")
	if t, err := mail.ParseDate(s); err == nil {
		return t, true
	}
	for _, layout := range extraDateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
