package mail

import (
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
)

var mediaTypePattern = regexp.MustCompile(`^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$`)

// parseMediaValue reads a Content-Type or Content-Disposition value: the
// leading token, lower-cased, and its parameters. It is deliberately more
// forgiving than mime.ParseMediaType, which refuses the unquoted "=" that
// Outlook Express puts in boundaries and drops RFC 2231 values in any
// charset but UTF-8. Parameter names are lower-cased; RFC 2231 continuations
// (name*0*, name*1*) are joined and decoded from their charset.
func parseMediaValue(v string) (token string, params map[string]string) {
	segs := splitParams(v)
	params = map[string]string{}
	if len(segs) == 0 {
		return "", params
	}
	token = strings.ToLower(strings.TrimSpace(segs[0]))
	type piece struct {
		n       int
		encoded bool
		value   string
	}
	pieces := map[string][]piece{}
	for _, seg := range segs[1:] {
		k, val, ok := strings.Cut(seg, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = strings.ReplaceAll(val[1:len(val)-1], `\"`, `"`)
		} else if strings.HasPrefix(val, `"`) {
			val = strings.TrimPrefix(val, `"`) // a quote that is never closed
		}
		if k == "" {
			continue
		}
		base, rest, star := strings.Cut(k, "*")
		if !star {
			if _, dup := params[k]; !dup {
				params[k] = val
			}
			continue
		}
		p := piece{encoded: strings.HasSuffix(rest, "*") || rest == ""}
		num := strings.TrimSuffix(rest, "*")
		if num != "" {
			n, err := strconv.Atoi(num)
			if err != nil || n > 100 {
				continue
			}
			p.n = n
		}
		p.value = val
		pieces[base] = append(pieces[base], p)
	}
	for name, ps := range pieces {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].n < ps[j].n })
		cs := ""
		var raw []byte
		for i, p := range ps {
			val := p.value
			if p.encoded {
				if i == 0 {
					// charset'language'value
					parts := strings.SplitN(val, "'", 3)
					if len(parts) == 3 {
						cs, val = parts[0], parts[2]
					}
				}
				raw = append(raw, percentDecode(val)...)
			} else {
				raw = append(raw, val...)
			}
		}
		// An RFC 2231 value wins over a plain one of the same name: it is the
		// one written for readers that understand it.
		params[name] = decodeBytes(cs, raw)
	}
	return token, params
}

// splitParams splits on semicolons that are not inside quotes.
func splitParams(v string) []string {
	var out []string
	var b strings.Builder
	quoted := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && quoted && i+1 < len(v):
			b.WriteByte(c)
			i++
			b.WriteByte(v[i])
			continue
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			out = append(out, b.String())
			b.Reset()
			continue
		}
		b.WriteByte(c)
	}
	if s := b.String(); strings.TrimSpace(s) != "" || len(out) == 0 {
		out = append(out, s)
	}
	return out
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if b, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				out = append(out, byte(b))
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

// decodeBytes converts b from the named charset to UTF-8. An unknown or
// empty charset falls back to UTF-8 when the bytes are UTF-8, Windows-1252
// otherwise.
func decodeBytes(cs string, b []byte) string {
	cs = strings.ToLower(strings.TrimSpace(cs))
	if cs != "" && cs != "utf-8" && cs != "us-ascii" {
		if r, err := charset.Reader(cs, strings.NewReader(string(b))); err == nil {
			if out, err := io.ReadAll(r); err == nil {
				return strings.ToValidUTF8(string(out), "\uFFFD")
			}
		}
	}
	return textFromBytes(b)
}

func textFromBytes(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		return fromWindows1252(b)
	}
	return s
}
