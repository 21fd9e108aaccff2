package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func mustEncode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func qp(b []byte) string {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.String()
}

// Bodies and subjects in the charsets customers' mail programs still use.
func TestParseCharsets(t *testing.T) {
	tests := []struct {
		charset string
		enc     encoding.Encoding
		text    string
		cte     string
	}{
		{"ISO-8859-1", charmap.ISO8859_1, "Bonjour, où est ma commande ? Déjà 10 jours.", "quoted-printable"},
		{"iso-8859-15", charmap.ISO8859_15, "Rückerstattung von 20 € bitte, Grüße", "8bit"},
		{"windows-1252", charmap.Windows1252, "“Smart quotes” – and a € sign…", "base64"},
		{"Windows-1250", charmap.Windows1250, "Dzień dobry, proszę o zwrot", "quoted-printable"},
		{"koi8-r", charmap.KOI8R, "Здравствуйте, где мой заказ?", "8bit"},
		{"windows-1251", charmap.Windows1251, "Посылка не пришла", "base64"},
		{"Shift_JIS", japanese.ShiftJIS, "注文した商品がまだ届きません。", "base64"},
		{"iso-2022-jp", japanese.ISO2022JP, "返品をお願いします。", "7bit"},
		{"GB2312", simplifiedchinese.GBK, "我的包裹在哪里？", "base64"},
	}
	for _, tt := range tests {
		t.Run(tt.charset, func(t *testing.T) {
			body := mustEncode(t, tt.enc, tt.text)
			var encoded string
			switch tt.cte {
			case "quoted-printable":
				encoded = qp(body)
			case "base64":
				encoded = base64.StdEncoding.EncodeToString(body)
			default:
				encoded = string(body)
			}
			// An RFC 2047 encoded word carrying the same bytes.
			subject := "=?" + tt.charset + "?B?" + base64.StdEncoding.EncodeToString(body) + "?="
			raw := []byte("From: Customer <customer@example.org>\r\nTo: support@example.com\r\nSubject: " + subject +
				"\r\nDate: Tue, 01 Dec 2026 09:14:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"" + tt.charset +
				"\"\r\nContent-Transfer-Encoding: " + tt.cte + "\r\n\r\n" + encoded + "\r\n")
			m := Parse(raw, Options{})
			if m.Text != tt.text {
				t.Errorf("Text = %q, want %q", m.Text, tt.text)
			}
			if m.Subject != tt.text {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.text)
			}
			if len(m.Problems) != 0 {
				t.Errorf("problems: %q", m.Problems)
			}
		})
	}
}

func TestParseAddressesAndThreading(t *testing.T) {
	raw := crlf(`From: =?ISO-8859-1?Q?Andr=E9_M=FCller?= <Andre.Muller@Example.ORG>
To: "Support" <support@example.com>, other@example.com
Cc: =?UTF-8?B?w4VzZQ==?= <ase@example.no>
Reply-To: replies@example.org
Subject: =?UTF-8?Q?Re:_Bestellung_=E2=84=96_1043?=
Date: Tue, 1 Dec 2026 09:14:00 EST
Message-ID: <CAF=abc123@mail.gmail.com>
In-Reply-To: <qd.1043.out@example.com>
References: <qd.1000@example.com>
 <qd.1043.out@example.com>

Danke.
`)
	m := Parse(raw, Options{})
	if m.From.Name != "André Müller" || m.From.Addr != "andre.muller@example.org" {
		t.Errorf("From = %+v", m.From)
	}
	if len(m.To) != 2 || m.To[0].Addr != "support@example.com" || m.To[1].Addr != "other@example.com" {
		t.Errorf("To = %+v", m.To)
	}
	if len(m.Cc) != 1 || m.Cc[0].Name != "Åse" {
		t.Errorf("Cc = %+v", m.Cc)
	}
	if len(m.ReplyTo) != 1 || m.ReplyTo[0].Addr != "replies@example.org" {
		t.Errorf("ReplyTo = %+v", m.ReplyTo)
	}
	if m.Subject != "Re: Bestellung № 1043" {
		t.Errorf("Subject = %q", m.Subject)
	}
	want := time.Date(2026, 12, 1, 14, 14, 0, 0, time.UTC)
	if !m.Date.Equal(want) {
		t.Errorf("Date = %v, want %v (EST is UTC-5)", m.Date, want)
	}
	if m.MessageID != "CAF=abc123@mail.gmail.com" {
		t.Errorf("MessageID = %q", m.MessageID)
	}
	if len(m.InReplyTo) != 1 || m.InReplyTo[0] != "qd.1043.out@example.com" {
		t.Errorf("InReplyTo = %q", m.InReplyTo)
	}
	if strings.Join(m.References, " ") != "qd.1000@example.com qd.1043.out@example.com" {
		t.Errorf("References = %q", m.References)
	}
}

func TestParseDates(t *testing.T) {
	for _, v := range []string{
		"Tue, 01 Dec 2026 09:14:00 +0100",
		"1 Dec 2026 09:14:00 +0100",
		"Tue, 1 Dec 2026 09:14 +0100",
		"Tue, 1 Dec 2026 08:14:00 GMT",
		"Tue, 01 Dec 2026 09:14:00 +0100 (CET)",
		"Tue,  1 Dec 2026 09:14:00 CET",
		"2026-12-01T09:14:00+01:00",
	} {
		got, ok := parseDate(v)
		if !ok || !got.Equal(time.Date(2026, 12, 1, 8, 14, 0, 0, time.UTC)) {
			t.Errorf("parseDate(%q) = %v, %v", v, got, ok)
		}
	}
	for _, v := range []string{"yesterday", "<HR>", "", "32 Foo 2026"} {
		if _, ok := parseDate(v); ok {
			t.Errorf("parseDate(%q) read a date", v)
		}
	}
	m := Parse(crlf("From: a@example.org\nDate: yesterday\n\nhi\n"), Options{})
	if !m.Date.IsZero() || !hasProblem(m, `Date: cannot read "yesterday"`) {
		t.Errorf("Date = %v, problems %q", m.Date, m.Problems)
	}
}

func TestParseAttachmentNames(t *testing.T) {
	raw := crlf(`From: a@example.org
Subject: files
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

See attached.
--b1
Content-Type: application/pdf
Content-Disposition: attachment; filename*=iso-8859-1''r%E9sum%E9%20%281%29.pdf

JVBERi0=
--b1
Content-Type: image/jpeg; name="=?UTF-8?B?w6Zyw7hza2/DpnIuanBn?="
Content-Transfer-Encoding: base64
Content-Disposition: attachment

/9j/4AAQ
--b1
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="../../etc/passwd"

x
--b1
Content-Type: application/zip
Content-Disposition: attachment

UEsDBA==
--b1--
`)
	m := Parse(raw, Options{})
	var names []string
	for _, a := range m.Attachments {
		names = append(names, a.Name)
	}
	want := []string{"résumé (1).pdf", "ærøskoær.jpg", "passwd", "attachment-1.zip"}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("names = %q, want %q", names, want)
	}
	if m.Body != "See attached." {
		t.Errorf("Body = %q", m.Body)
	}
}

// A 30 MB attachment: parsed without trouble, its size known, its content
// left to the raw message, and the limit named in Problems.
func TestParseHugeAttachment(t *testing.T) {
	const size = 30 << 20
	payload := make([]byte, size)
	rand.New(rand.NewSource(1)).Read(payload)
	var b bytes.Buffer
	b.WriteString("From: Customer <customer@example.org>\r\nTo: support@example.com\r\nSubject: the video of the damage\r\nDate: Tue, 01 Dec 2026 09:14:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"xyz\"\r\n\r\n--xyz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe box arrived crushed, see the video.\r\n--xyz\r\nContent-Type: video/mp4; name=\"damage.mp4\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"damage.mp4\"\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(payload)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--xyz--\r\n")
	raw := b.Bytes()
	before := sha256.Sum256(raw)

	m := Parse(raw, Options{})
	if sha256.Sum256(raw) != before {
		t.Fatal("Parse changed the raw message")
	}
	if m.Body != "The box arrived crushed, see the video." {
		t.Errorf("Body = %q", m.Body)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("attachments = %d", len(m.Attachments))
	}
	a := m.Attachments[0]
	if a.Name != "damage.mp4" || a.Size != size || a.Content != nil || a.ContentType != "video/mp4" {
		t.Errorf("attachment = %q %s %d content=%v", a.Name, a.ContentType, a.Size, a.Content != nil)
	}
	if !hasProblem(m, `attachment "damage.mp4" (31457280 bytes) is over the 10 MiB limit`) {
		t.Errorf("problems = %q", m.Problems)
	}

	// A larger limit keeps the content.
	m = Parse(raw, Options{MaxAttachmentBytes: 40 << 20})
	if a := m.Attachments[0]; !bytes.Equal(a.Content, payload) {
		t.Errorf("content not kept under a 40 MiB limit (%d bytes)", len(a.Content))
	}
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := 0; i < 8; i++ {
		img.Set(i, i, color.RGBA{200, 20, 20, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A base64 "text" body that is really an image is kept as an attachment,
// not shown as text.
func TestParseImageDeclaredAsText(t *testing.T) {
	img := pngBytes(t)
	raw := []byte("From: a@example.org\r\nSubject: photo\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(img) + "\r\n")
	m := Parse(raw, Options{})
	if m.Text != "" {
		t.Errorf("Text = %q, want none", clip(m.Text, 50))
	}
	if len(m.Attachments) != 1 || m.Attachments[0].ContentType != "image/png" || !bytes.Equal(m.Attachments[0].Content, img) {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	if !hasProblem(m, "text/plain body holds image/png data: kept as an attachment") {
		t.Errorf("problems = %q", m.Problems)
	}
}

// Broken and hostile input never panics, always yields a kind, and the
// problems say what went wrong.
func TestParseNeverPanics(t *testing.T) {
	deep := strings.Repeat("Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n--a\r\n", 200)
	inputs := map[string][]byte{
		"empty":              nil,
		"spaces":             []byte("   \r\n  "),
		"header only":        []byte("From: a@example.org\r\nSubject: x"),
		"no colon anywhere":  []byte("hello world\nthis is not mail\n"),
		"binary":             {0, 1, 2, 0xff, 0xfe, '\n', ':', 0},
		"deep nesting":       []byte("From: a@example.org\r\n" + deep + "hi\r\n"),
		"boundary no parts":  crlf("From: a@example.org\nContent-Type: multipart/mixed; boundary=zz\n\nno parts here\n"),
		"empty boundary":     crlf("From: a@example.org\nContent-Type: multipart/alternative; boundary=\"\"\n\n--\nx\n"),
		"bad base64 text":    crlf("From: a@example.org\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!!****\n"),
		"bad qp":             crlf("From: a@example.org\nContent-Transfer-Encoding: quoted-printable\n\n=ZZ=\n=4\n"),
		"unknown encoding":   crlf("From: a@example.org\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a\n"),
		"huge header line":   []byte("From: a@example.org\r\nSubject: " + strings.Repeat("x", 1<<20) + "\r\n\r\nbody"),
		"many references":    []byte("From: a@example.org\r\nReferences: " + strings.Repeat("<a@b> ", 10000) + "\r\n\r\nbody"),
		"control chars":      []byte("From: \"Eve\x00\x1b[31m\" <eve@example.org>\r\nSubject: hi\x07\r\n\r\nbody\x00\x08\r\n"),
		"8-bit header":       []byte("From: Andr\xe9 <andre@example.org>\r\nSubject: caf\xe9\r\n\r\nbody"),
		"rfc822 no header":   crlf("From: a@example.org\nContent-Type: message/rfc822\n\n"),
		"report no parts":    crlf("From: MAILER-DAEMON@example.org\nContent-Type: multipart/report; report-type=delivery-status; boundary=q\n\n--q--\n"),
		"dsn garbage":        crlf("From: a@example.org\nContent-Type: multipart/report; boundary=q\n\n--q\nContent-Type: message/delivery-status\n\n;;;\n:\nFinal-Recipient:\n--q--\n"),
		"auto-submitted ;":   crlf("From: a@example.org\nAuto-Submitted: ;\n\nhi\n"),
		"unterminated quote": crlf("From: a@example.org\nContent-Type: text/plain; charset=\"utf-8\nContent-Disposition: attachment; filename=\"x\n\nhi\n"),
	}
	for name, raw := range inputs {
		t.Run(name, func(t *testing.T) {
			m := Parse(raw, Options{})
			if m == nil || m.Kind == "" {
				t.Fatalf("Parse returned %+v", m)
			}
			for _, s := range []string{m.Subject, m.From.Name, m.Text, m.Body} {
				if strings.ContainsAny(s, "\x00\x1b\x07") {
					t.Errorf("control characters kept: %q", clip(s, 80))
				}
			}
		})
	}
	if m := Parse(nil, Options{}); !hasProblem(m, "the message is empty") {
		t.Errorf("empty message problems = %q", m.Problems)
	}
	if m := Parse(inputs["8-bit header"], Options{}); m.Subject != "café" || m.From.Name != "André" {
		t.Errorf("8-bit header read as %q / %q", m.Subject, m.From.Name)
	}
}

// Random damage to real messages must never panic.
func TestParseDamagedCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*.eml"))
	rng := rand.New(rand.NewSource(7))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 30; i++ {
			b := append([]byte(nil), raw...)
			switch i % 3 {
			case 0: // truncate
				b = b[:rng.Intn(len(b)+1)]
			case 1: // flip bytes
				for j := 0; j < 10 && len(b) > 0; j++ {
					b[rng.Intn(len(b))] = byte(rng.Intn(256))
				}
			case 2: // drop a slice
				if len(b) > 10 {
					s := rng.Intn(len(b) - 5)
					b = append(b[:s], b[s+rng.Intn(len(b)-s):]...)
				}
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%s damage %d panicked: %v", f, i, r)
					}
				}()
				Parse(b, Options{})
			}()
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 20000 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := Parse(raw, Options{})
		if m.Kind == "" {
			t.Fatal("no kind")
		}
		if !strings.Contains(fmt.Sprint(KindMessage, KindAutoReply, KindBounce, KindList), m.Kind) {
			t.Fatalf("kind %q", m.Kind)
		}
	})
}

func TestHTMLToText(t *testing.T) {
	in := `<html><head><title>t</title><style>p{color:red}</style></head><body>
<p>Hello&nbsp;Anna,</p><p>Your order <b>#1043</b> has shipped.</p>
<ul><li>Shoes</li><li>Socks</li></ul>
<script>alert(1)</script>
<div class="gmail_quote">On Mon, Nov 30, 2026 at 4:22 PM Shop &lt;support@example.com&gt; wrote:<br>
<blockquote>Where is my order?<br>Thanks</blockquote></div></body></html>`
	want := "Hello Anna,\n\nYour order #1043 has shipped.\n\n- Shoes\n- Socks\n\nOn Mon, Nov 30, 2026 at 4:22 PM Shop <support@example.com> wrote:\n\n> Where is my order?\n> Thanks"
	if got := HTMLToText(in); got != want {
		t.Errorf("HTMLToText =\n%q\nwant\n%q", got, want)
	}
	body, _ := StripQuoted(HTMLToText(in))
	if strings.Contains(body, "Where is my order") || !strings.Contains(body, "has shipped") {
		t.Errorf("quoted HTML not stripped: %q", body)
	}
}
