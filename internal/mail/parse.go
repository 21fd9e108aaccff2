package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"

	// Importing charset registers every common charset with go-message:
	// ISO-8859-x, Windows-125x, KOI8, Shift_JIS, EUC-KR, GB2312...
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
)

const (
	// maxTextBytes caps one text part. A longer "text" is almost always a
	// misdeclared file; the raw message keeps all of it.
	maxTextBytes = 2 << 20
	// maxDepth caps nested multiparts and forwarded messages: real mail
	// rarely goes past four levels, hostile mail goes as deep as it likes.
	maxDepth = 12
	// maxParts caps the parts read from one multipart.
	maxParts = 500
)

// Parse reads one raw RFC 5322 message. It never fails and never panics:
// whatever cannot be read is listed in Problems and the rest is kept.
func Parse(raw []byte, opt Options) (m *Message) {
	m = &Message{Kind: KindMessage}
	if opt.MaxAttachmentBytes <= 0 {
		opt.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	defer func() {
		if r := recover(); r != nil {
			// A bug must not lose the message: say so and keep what was read.
			m.problemf("the message could not be read to the end: %v", r)
			m.Body, m.Quoted = StripQuoted(m.Text)
		}
	}()
	if len(bytes.TrimSpace(raw)) == 0 {
		m.problemf("the message is empty")
		return m
	}
	h, body := splitHeader(raw, m)
	readHeaders(h, m, opt)

	p := &parser{m: m, opt: opt}
	plain, html := p.entity(h, body, 0, "")
	m.Text = strings.TrimSpace(plain)
	if m.Text == "" && html != "" {
		m.Text = HTMLToText(html)
	}
	if html != "" {
		m.HTML = strings.TrimSpace(SanitizeHTML(html))
	}
	m.Body, m.Quoted = stripQuoted(m.Text, isForward(m.Subject))
	classify(h, m, p)
	return m
}

func readHeaders(h textproto.Header, m *Message, opt Options) {
	froms := parseAddresses("From", h.Get("From"), m)
	switch {
	case len(froms) > 0:
		m.From = froms[0]
	case h.Get("From") == "":
		m.problemf("From: missing")
	}
	if m.From.Addr == "" {
		// Some mailers put the author only in Sender or Reply-To.
		for _, f := range []string{"Sender", "Reply-To", "Return-Path"} {
			if as := parseAddresses(f, h.Get(f), &Message{}); len(as) > 0 && as[0].Addr != "" {
				m.From = as[0]
				m.problemf("From: no address; %s used", f)
				break
			}
		}
	}
	m.To = parseAddresses("To", strings.Join(h.Values("To"), ", "), m)
	m.Cc = parseAddresses("Cc", strings.Join(h.Values("Cc"), ", "), m)
	m.ReplyTo = parseAddresses("Reply-To", h.Get("Reply-To"), m)
	m.Subject = decodeText("Subject", h.Get("Subject"), m)

	switch d := h.Get("Date"); {
	case strings.TrimSpace(d) == "":
		m.problemf("Date: missing")
	default:
		t, ok := parseDate(d)
		switch {
		case !ok:
			m.problemf("Date: cannot read %q", clip(cleanLine(d), 60))
		case !opt.Now.IsZero() && t.After(opt.Now.AddDate(0, 0, 1)):
			m.problemf("Date: %q is in the future", clip(cleanLine(d), 60))
		case t.Year() < 1970:
			m.problemf("Date: %q is before 1970", clip(cleanLine(d), 60))
		default:
			m.Date = t
		}
	}
	if ids := parseIDs(h.Get("Message-Id")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	m.InReplyTo = parseIDs(h.Get("In-Reply-To"))
	m.References = parseIDs(strings.Join(h.Values("References"), " "))
}

// parser walks the MIME tree of one message.
type parser struct {
	m   *Message
	opt Options

	// What a delivery report carries, read by classify.
	report     bool   // a multipart/report was seen
	reportType string // its report-type parameter
	dsn        []byte // the message/delivery-status part
	returned   *textproto.Header
	nameless   int
}

// entity reads one MIME entity and returns its readable text and HTML.
// Attachments are added to the message as they are met.
func (p *parser) entity(h textproto.Header, body []byte, depth int, parent string) (plain, html string) {
	mt, params := parseMediaValue(h.Get("Content-Type"))
	rawType := h.Get("Content-Type")
	disp, dparams := parseMediaValue(h.Get("Content-Disposition"))
	name := p.fileName(params, dparams)
	switch {
	case strings.TrimSpace(rawType) == "":
		mt = "text/plain"
		if parent == "multipart/digest" {
			mt = "message/rfc822"
		}
	case !mediaTypePattern.MatchString(mt):
		guess := "text/plain"
		if name != "" {
			guess = "application/octet-stream"
		}
		p.m.problemf("Content-Type %q: cannot read; read as %s", clip(cleanLine(rawType), 60), guess)
		mt = guess
	}
	enc := p.transferEncoding(h.Get("Content-Transfer-Encoding"), mt)

	if strings.HasPrefix(mt, "multipart/") {
		if depth >= maxDepth {
			p.m.problemf("%s nested deeper than %d levels: kept as an attachment", mt, maxDepth)
			p.attach(Attachment{Name: p.defaultName(name, mt), ContentType: mt}, bytes.NewReader(body), "")
			return "", ""
		}
		return p.multipart(mt, params, enc, body, depth)
	}

	switch mt {
	case "message/rfc822", "message/news", "message/global":
		return p.enclosed(mt, disp, name, enc, body, depth, parent)
	case "message/delivery-status", "message/global-delivery-status":
		if p.dsn == nil {
			p.dsn, _ = io.ReadAll(io.LimitReader(decodeTransfer(enc, body), maxTextBytes))
		}
		return "", ""
	case "text/rfc822-headers", "text/global-headers":
		if parent == "multipart/report" {
			b, _ := io.ReadAll(io.LimitReader(decodeTransfer(enc, body), maxTextBytes))
			rh, _ := splitHeader(b, &Message{})
			p.returned = &rh
			return "", ""
		}
	}

	isText := mt == "text/plain" || mt == "text/html"
	if !isText || disp == "attachment" || name != "" {
		a := Attachment{
			Name:        p.defaultName(name, mt),
			ContentType: mt,
			ContentID:   contentID(h.Get("Content-Id")),
		}
		a.Inline = disp == "inline" || (disp == "" && a.ContentID != "")
		p.attach(a, decodeTransfer(enc, body), enc)
		return "", ""
	}

	data, err := io.ReadAll(io.LimitReader(decodeTransfer(enc, body), maxTextBytes+1))
	if err != nil {
		p.m.problemf("%s: %s: shown up to the damage", mt, describeDecodeError(enc, err))
	}
	if len(data) > maxTextBytes {
		data = data[:maxTextBytes]
		p.m.problemf("%s: longer than %d MiB; the rest is in the raw message only", mt, maxTextBytes>>20)
	}
	if sniffed := sniff(data); sniffed != "" {
		// A "text" body that is really a file (a base64 image declared as
		// text/plain is common in spam and broken mailers).
		p.m.problemf("%s body holds %s data: kept as an attachment", mt, sniffed)
		p.attach(Attachment{Name: p.defaultName("", sniffed), ContentType: sniffed}, bytes.NewReader(data), "")
		return "", ""
	}
	text := p.decodeCharset(mt, params["charset"], data)
	if mt == "text/html" {
		return "", text
	}
	if strings.EqualFold(params["format"], "flowed") {
		text = unflow(text, strings.EqualFold(params["delsp"], "yes"))
	}
	return text, ""
}

func (p *parser) multipart(mt string, params map[string]string, enc string, body []byte, depth int) (plain, html string) {
	boundary := params["boundary"]
	if boundary == "" {
		p.m.problemf("%s has no boundary: its body is shown as text", mt)
		return p.plainFallback(body), ""
	}
	if enc == "base64" || enc == "quoted-printable" {
		// Not allowed on a multipart, yet some mailers do it.
		if b, err := io.ReadAll(decodeTransfer(enc, body)); err == nil {
			body = b
		}
	}
	type part struct {
		h    textproto.Header
		body []byte
	}
	var parts []part
	mr := textproto.NewMultipartReader(bytes.NewReader(body), boundary)
	for len(parts) < maxParts {
		ph, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(parts) > 0 {
				p.m.problemf("%s: %s after part %d; the parts before it are kept", mt, describeMultipartError(err), len(parts))
			}
			break
		}
		b, err := io.ReadAll(ph)
		parts = append(parts, part{h: ph.Header, body: b})
		if err != nil {
			p.m.problemf("%s: the closing boundary is missing; part %d runs to the end", mt, len(parts))
			break
		}
	}
	if len(parts) == 0 {
		p.m.problemf("%s: no part found under its boundary: its body is shown as text", mt)
		return p.plainFallback(body), ""
	}
	if mt == "multipart/report" {
		p.report = true
		if p.reportType == "" {
			p.reportType = strings.ToLower(params["report-type"])
		}
	}
	var plains, htmls []string
	for _, pt := range parts {
		pl, ht := p.entity(pt.h, pt.body, depth+1, mt)
		if mt == "multipart/alternative" {
			// One of the alternatives: the first plain text, the last (richest) HTML.
			if pl != "" && len(plains) == 0 {
				plains = append(plains, pl)
			}
			if ht != "" {
				htmls = []string{ht}
			}
			continue
		}
		if strings.TrimSpace(pl) != "" {
			plains = append(plains, strings.TrimSpace(pl))
		}
		if ht != "" {
			htmls = append(htmls, ht)
		}
	}
	return strings.Join(plains, "\n\n"), strings.Join(htmls, "\n<hr>\n")
}

// enclosed reads a message carried inside this one: a forwarded message,
// or the returned message inside a delivery report.
func (p *parser) enclosed(mt, disp, name, enc string, body []byte, depth int, parent string) (plain, html string) {
	data, err := io.ReadAll(decodeTransfer(enc, body))
	if err != nil {
		p.m.problemf("%s: %s", mt, describeDecodeError(enc, err))
	}
	scratch := &Message{}
	ih, ibody := splitHeader(data, scratch)
	if parent == "multipart/report" {
		p.returned = &ih
		return "", ""
	}
	subject := decodeText("Subject", ih.Get("Subject"), scratch)
	if name == "" {
		name = sanitizeFileName(subject)
		if name == "" {
			name = "message"
		}
		name += ".eml"
	}
	p.attach(Attachment{Name: name, ContentType: "message/rfc822", Inline: disp != "attachment"}, bytes.NewReader(data), "")
	if disp == "attachment" || depth >= maxDepth {
		return "", ""
	}
	// An inline forwarded message is content the sender is sharing: its text
	// joins ours under a forward marker, which StripQuoted keeps.
	ipl, iht := p.entity(ih, ibody, depth+1, mt)
	if ipl == "" && iht != "" {
		ipl = HTMLToText(iht)
	}
	var b strings.Builder
	b.WriteString("---------- Forwarded message ---------\n")
	for _, f := range []string{"From", "Date", "Subject", "To"} {
		if v := decodeText(f, ih.Get(f), scratch); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", f, v)
		}
	}
	b.WriteString("\n")
	b.WriteString(strings.TrimSpace(ipl))
	return b.String(), iht
}

func (p *parser) plainFallback(body []byte) string {
	if len(body) > maxTextBytes {
		body = body[:maxTextBytes]
	}
	return normalizeText(textFromBytes(body))
}

// transferEncoding names the decoding to apply, forgiving the usual
// misspellings ("quoted printable", "7-bit", "8bits", "base-64").
func (p *parser) transferEncoding(v, mt string) string {
	e := strings.ToLower(strings.Trim(strings.TrimSpace(v), `";`))
	squeezed := strings.NewReplacer("-", "", "_", "", " ", "").Replace(e)
	switch {
	case e == "":
		return ""
	case squeezed == "quotedprintable" || squeezed == "qp":
		if e != "quoted-printable" {
			p.m.problemf("Content-Transfer-Encoding %q read as quoted-printable", clip(v, 40))
		}
		return "quoted-printable"
	case squeezed == "base64":
		return "base64"
	case squeezed == "7bit" || squeezed == "8bit" || squeezed == "8bits" || squeezed == "binary" || squeezed == "7bits":
		return ""
	default:
		p.m.problemf("Content-Transfer-Encoding %q of %s is unknown: shown as sent", clip(cleanLine(v), 40), mt)
		return ""
	}
}

func decodeTransfer(enc string, body []byte) io.Reader {
	r := bytes.NewReader(body)
	switch enc {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &skipSpace{r: r})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// skipSpace drops the white space base64 bodies are wrapped with.
type skipSpace struct{ r io.Reader }

func (s *skipSpace) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		j := 0
		for _, c := range p[:n] {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

func describeDecodeError(enc string, err error) string {
	var ce base64.CorruptInputError
	switch {
	case errors.As(err, &ce):
		return fmt.Sprintf("base64 is damaged at byte %d", int64(ce))
	case enc == "quoted-printable":
		return "quoted-printable is damaged: " + err.Error()
	}
	return err.Error()
}

func describeMultipartError(err error) string {
	msg := err.Error()
	if strings.Contains(msg, "EOF") {
		return "the closing boundary is missing"
	}
	return msg
}

// decodeCharset turns text in the declared charset into UTF-8. An unknown
// charset is reported and the text shown as sent (read as Windows-1252 when
// it is not UTF-8, so that every byte still shows as something).
func (p *parser) decodeCharset(mt, cs string, data []byte) string {
	cs = strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"'`))
	var text string
	switch cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "unicode-1-1-utf-8":
		text = string(data)
		if !utf8.ValidString(text) {
			if cs == "" || strings.Contains(cs, "ascii") {
				// Undeclared 8-bit text: Windows-1252 is the usual truth.
				text = fromWindows1252(data)
			} else {
				p.m.problemf("%s: invalid UTF-8 bytes replaced", mt)
				text = strings.ToValidUTF8(text, "\uFFFD")
			}
		}
	default:
		decoded, ok := convertCharset(cs, data)
		if !ok {
			p.m.problemf("charset %s: unknown, shown undecoded", clip(cs, 40))
			decoded = textFromBytes(data)
		}
		text = decoded
	}
	return normalizeText(text)
}

func convertCharset(cs string, data []byte) (string, bool) {
	r, err := charset.Reader(cs, bytes.NewReader(data))
	if err != nil {
		return "", false
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return "", false
	}
	return strings.ToValidUTF8(string(out), "\uFFFD"), true
}

// normalizeText makes line ends \n and drops control characters other than
// tab and newline (they have no business in a page or a classifier).
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < ' ' || r == 0x7f:
			return -1
		case r == '\u00a0':
			return ' '
		}
		return r
	}, s)
}

// unflow joins the soft line breaks of format=flowed text (RFC 3676):
// a line ending in a space continues on the next line of the same depth.
func unflow(s string, delsp bool) string {
	lines := strings.Split(s, "\n")
	var out []string
	var cur strings.Builder
	curDepth := -1
	open := false
	for _, line := range lines {
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		content := line[depth:]
		if depth > 0 && strings.HasPrefix(content, " ") {
			content = content[1:] // space-stuffing after the quote marks
		} else if depth == 0 && strings.HasPrefix(content, " ") {
			content = content[1:]
		}
		if open && depth != curDepth {
			out = append(out, cur.String())
			cur.Reset()
			open = false
		}
		if !open {
			cur.WriteString(strings.Repeat(">", depth))
			if depth > 0 {
				cur.WriteString(" ")
			}
			curDepth = depth
		}
		soft := strings.HasSuffix(content, " ") && content != "-- "
		if soft && delsp {
			content = content[:len(content)-1]
		}
		cur.WriteString(content)
		if soft {
			open = true
			continue
		}
		out = append(out, cur.String())
		cur.Reset()
		open = false
	}
	if open {
		out = append(out, cur.String())
	}
	return strings.Join(out, "\n")
}

// sniff reports the media type of data when it is plainly not text.
func sniff(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	head := data
	if len(head) > 512 {
		head = head[:512]
	}
	t := http.DetectContentType(head)
	if strings.HasPrefix(t, "text/") {
		return ""
	}
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return t
}

// attach reads an attachment, keeping its content when it fits the limit.
func (p *parser) attach(a Attachment, r io.Reader, enc string) {
	limit := p.opt.MaxAttachmentBytes
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	a.Size = int64(len(data))
	if a.Size > limit {
		n, err2 := io.Copy(io.Discard, r)
		a.Size += n
		data = nil
		if err == nil {
			err = err2
		}
		p.m.problemf("attachment %q (%d bytes) is over the %s limit: kept in the raw message only", a.Name, a.Size, byteSize(limit))
	}
	if err != nil {
		p.m.problemf("attachment %q: %s after %d bytes", a.Name, describeDecodeError(enc, err), a.Size)
	}
	a.Content = data
	p.m.Attachments = append(p.m.Attachments, a)
}

func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// fileName finds an attachment's name: Content-Disposition filename first,
// then Content-Type name, RFC 2231 and RFC 2047 forms both decoded.
func (p *parser) fileName(params, dparams map[string]string) string {
	for _, v := range []string{dparams["filename"], params["name"]} {
		if strings.TrimSpace(v) == "" {
			continue
		}
		if strings.Contains(v, "=?") {
			if dec, err := wordDecoder.DecodeHeader(v); err == nil {
				v = dec
			}
		}
		if n := sanitizeFileName(textFromBytes([]byte(v))); n != "" {
			return n
		}
	}
	return ""
}

// sanitizeFileName keeps a name safe to show and to offer as a download:
// no directories, no control characters, no leading dots, bounded length.
func sanitizeFileName(s string) string {
	s = strings.ReplaceAll(s, "\\", "/")
	s = path.Base(strings.TrimSpace(s))
	s = cleanLine(s)
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`<>:"|?*`, r) {
			return '_'
		}
		return r
	}, s)
	s = strings.TrimLeft(s, ". ")
	if s == "/" || s == "" {
		return ""
	}
	return clipName(s, 200)
}

func clipName(s string, n int) string {
	if len(s) <= n {
		return s
	}
	ext := path.Ext(s)
	if len(ext) > 20 {
		ext = ""
	}
	base := s[:n-len(ext)]
	for len(base) > 0 && !utf8.ValidString(base) {
		base = base[:len(base)-1]
	}
	return base + ext
}

func (p *parser) defaultName(name, mt string) string {
	if name != "" {
		return name
	}
	p.nameless++
	base := "attachment"
	if strings.HasPrefix(mt, "image/") {
		base = "image"
	}
	ext := ""
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		ext = exts[0]
		for _, e := range exts {
			if e == ".jpg" || e == ".png" || e == ".txt" || e == ".pdf" || e == ".html" || e == ".eml" {
				ext = e
			}
		}
	}
	return fmt.Sprintf("%s-%d%s", base, p.nameless, ext)
}

func contentID(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "<")
	v = strings.TrimSuffix(v, ">")
	return cleanLine(v)
}

// isForward tells a forwarded message by its subject, in the languages
// customers write: its quoted part is the point of the message.
func isForward(subject string) bool {
	s := strings.ToLower(strings.TrimSpace(subject))
	for _, p := range []string{"fwd:", "fw:", "tr:", "wg:", "rv:", "vs:", "fwd :", "tr :", "doorst:", "enc:", "[fwd:"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
