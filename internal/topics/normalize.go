package topics

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Placeholders stand for the parts of a message that identify one order or
// person rather than say what the message is about, so "2026-01-05" and
// "12/01" are the same feature. They start with '_', which no word token
// does. An order reference ("#1001", "order no. 1001", "BR-10023") becomes
// the one word "order", so "cancel my order #1001" reads exactly as "cancel
// my order": customers add numbers to any topic, and a topic must not lean
// on whether they did.
const (
	tokURL      = "_url_"
	tokEmail    = "_email_"
	tokOrderNum = "_ordnum_" // never emitted: see orderRef
	tokTracking = "_tracking_"
	tokMoney    = "_money_"
	tokDate     = "_date_"
	tokNum      = "_num_"
)

func isPlaceholder(tok string) bool { return len(tok) > 1 && tok[0] == '_' }

// Tokens appends the normalised tokens of text to dst: lower case, words
// split on anything but letters and digits (apostrophes dropped, so "don't"
// is "dont"), emoji dropped, and URLs, e-mail addresses, order numbers,
// tracking numbers, money amounts, dates and other numbers replaced by
// placeholders. It does not Clean the text first.
func Tokens(text string, dst []string) []string {
	low := lowerText(text)
	start := len(dst)
	for len(low) > 0 {
		i := strings.IndexFunc(low, notSpace)
		if i < 0 {
			break
		}
		low = low[i:]
		j := strings.IndexFunc(low, unicode.IsSpace)
		if j < 0 {
			j = len(low)
		}
		chunk := low[:j]
		low = low[j:]
		dst = chunkTokens(chunk, dst, start)
	}
	return mergeUnits(dst, start)
}

func notSpace(r rune) bool { return !unicode.IsSpace(r) }

// lowerText lower-cases text, drops apostrophes inside words and turns
// emoji and other symbols into spaces, in one pass.
func lowerText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	prevLetter := false
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if r == '\'' && prevLetter && i+1 < len(s) && isASCIILetter(s[i+1]) {
				continue
			}
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
		case r == '’' && prevLetter:
			continue
		case unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) || unicode.Is(unicode.Cs, r) ||
			r == 0x200d || (r >= 0xfe00 && r <= 0xfe0f) || (r >= 0x1f3fb && r <= 0x1f3ff):
			b.WriteByte(' ')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
		prevLetter = unicode.IsLetter(r)
	}
	return b.String()
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool       { return '0' <= c && c <= '9' }

// chunkTokens tokenises one whitespace-separated chunk. start is where this
// text's tokens begin in dst, so the previous token can be looked at.
func chunkTokens(chunk string, dst []string, start int) []string {
	if strings.Contains(chunk, "://") || strings.HasPrefix(chunk, "www.") {
		return appendPlaceholder(dst, start, tokURL)
	}
	if at := strings.IndexByte(chunk, '@'); at > 0 && strings.IndexByte(chunk[at:], '.') > 1 {
		return appendPlaceholder(dst, start, tokEmail)
	}
	chunk = strings.TrimRight(chunk, ".,;:!?)]}\"'*")
	chunk = strings.TrimLeft(chunk, "([{\"'*")
	if chunk == "" {
		return dst
	}
	if tok := numberChunk(chunk, prevWord(dst, start)); tok != "" {
		return appendPlaceholder(dst, start, tok)
	}
	// Words: runs of letters and digits.
	for len(chunk) > 0 {
		i := strings.IndexFunc(chunk, isWordRune)
		if i < 0 {
			break
		}
		chunk = chunk[i:]
		j := strings.IndexFunc(chunk, notWordRune)
		if j < 0 {
			j = len(chunk)
		}
		w := chunk[:j]
		chunk = chunk[j:]
		if tok := numberChunk(w, prevWord(dst, start)); tok != "" {
			dst = appendPlaceholder(dst, start, tok)
			continue
		}
		dst = append(dst, w)
	}
	return dst
}

func isWordRune(r rune) bool  { return unicode.IsLetter(r) || unicode.IsDigit(r) }
func notWordRune(r rune) bool { return !isWordRune(r) }

// prevWord is the token before the next one; "tracking" when a tracking
// word is one of the two before it ("tracking number 9400…").
func prevWord(dst []string, start int) string {
	n := len(dst) - start
	if n >= 2 && trackingWords[dst[len(dst)-2]] {
		return "tracking"
	}
	if n >= 1 {
		if trackingWords[dst[len(dst)-1]] {
			return "tracking"
		}
		return dst[len(dst)-1]
	}
	return ""
}

var trackingWords = map[string]bool{"tracking": true, "track": true, "awb": true, "waybill": true, "consignment": true}

// appendPlaceholder appends tok unless the previous token is the same
// placeholder: "9400 1000 0000 0000" is one number, not four.
func appendPlaceholder(dst []string, start int, tok string) []string {
	if tok == tokOrderNum {
		return orderRef(dst, start)
	}
	if len(dst) > start && dst[len(dst)-1] == tok {
		return dst
	}
	return append(dst, tok)
}

// orderRef appends an order reference as the word "order": after "order",
// "order no" or "order number" it adds nothing and drops the "no".
func orderRef(dst []string, start int) []string {
	n := len(dst) - start
	if n >= 1 && dst[len(dst)-1] == "order" {
		return dst
	}
	if n >= 2 && dst[len(dst)-2] == "order" && orderWords[dst[len(dst)-1]] {
		return dst[:len(dst)-1]
	}
	return append(dst, "order")
}

// orderWords are the words after which a number is an order number.
var orderWords = map[string]bool{"order": true, "no": true, "number": true, "nr": true, "num": true, "ord": true, "ref": true, "reference": true, "commande": true}

// numberChunk returns the placeholder for a chunk that is a number of some
// kind, or "" for a word. prev is the token before it.
func numberChunk(c, prev string) string {
	digits, letters, seps := 0, 0, 0
	for i := 0; i < len(c); i++ {
		switch ch := c[i]; {
		case isDigit(ch):
			digits++
		case 'a' <= ch && ch <= 'z':
			letters++
		case ch == '/' || ch == '-' || ch == '.' || ch == ',' || ch == ':':
			seps++
		}
	}
	if digits == 0 {
		return ""
	}
	switch {
	case c[0] == '#':
		return tokOrderNum
	case hasCurrency(c):
		return tokMoney
	case letters == 0 && seps >= 1 && dateLike(c):
		return tokDate
	case letters == 0 && seps == 0 && digits == len(c):
		switch {
		case prev == "tracking" || prev == "awb":
			return tokTracking
		case orderWords[prev] && digits >= 3:
			return tokOrderNum
		case digits >= 10:
			return tokTracking
		}
		return tokNum
	case letters == 0:
		return tokNum // 12.50, 3-4, 10:30
	case digits+letters == len(c) && len(c) >= 10 && digits >= 4:
		return tokTracking // 1Z999AA10123456784, LX123456789CN
	case ordinal(c):
		return tokNum
	case dashedOrder(c):
		return tokOrderNum // br-10023
	}
	return ""
}

func hasCurrency(c string) bool {
	return strings.ContainsAny(c, "$€£¥") || strings.HasSuffix(c, "eur") || strings.HasSuffix(c, "usd") || strings.HasSuffix(c, "gbp")
}

// dateLike matches 2026-01-05, 05/01/2026, 5/1, 05.01.26.
func dateLike(c string) bool {
	parts := strings.FieldsFunc(c, func(r rune) bool { return r == '/' || r == '-' || r == '.' })
	if len(parts) < 2 || len(parts) > 3 || strings.ContainsAny(c, ",:") {
		return false
	}
	if len(parts) == 2 && strings.ContainsRune(c, '.') {
		return false // 12.50 is an amount
	}
	for _, p := range parts {
		if len(p) == 0 || len(p) > 4 {
			return false
		}
	}
	return true
}

func ordinal(c string) bool {
	n := len(c)
	if n < 3 || !isDigit(c[0]) {
		return false
	}
	suf := c[n-2:]
	for i := 0; i < n-2; i++ {
		if !isDigit(c[i]) {
			return false
		}
	}
	return suf == "st" || suf == "nd" || suf == "rd" || suf == "th"
}

func dashedOrder(c string) bool {
	dash := strings.IndexByte(c, '-')
	if dash < 2 || dash > 5 || len(c)-dash-1 < 3 {
		return false
	}
	for i := 0; i < dash; i++ {
		if !('a' <= c[i] && c[i] <= 'z') {
			return false
		}
	}
	for i := dash + 1; i < len(c); i++ {
		if !isDigit(c[i]) {
			return false
		}
	}
	return true
}

var months = map[string]bool{
	"jan": true, "january": true, "feb": true, "february": true, "mar": true, "march": true, "apr": true, "april": true,
	"may": true, "jun": true, "june": true, "jul": true, "july": true, "aug": true, "august": true, "sep": true, "sept": true,
	"september": true, "oct": true, "october": true, "nov": true, "november": true, "dec": true, "december": true,
}

var currencies = map[string]bool{"usd": true, "eur": true, "gbp": true, "euro": true, "euros": true, "dollar": true, "dollars": true, "bucks": true, "pounds": true, "quid": true}

// mergeUnits turns "5 january", "january 5" and "jan 5th" into one date
// placeholder and "20 euros" into one amount; a month name alone stays a
// word ("the invoice from May").
func mergeUnits(toks []string, start int) []string {
	out := toks[:start]
	for i := start; i < len(toks); i++ {
		t := toks[i]
		if t == tokNum && i+1 < len(toks) && currencies[toks[i+1]] {
			out = append(out, tokMoney)
			i++
			continue
		}
		if months[t] && i+1 < len(toks) && toks[i+1] == tokNum {
			out = append(out, tokDate)
			i++
			continue
		}
		if t == tokNum && i+1 < len(toks) && months[toks[i+1]] {
			out = append(out, tokDate)
			i++
			continue
		}
		out = append(out, t)
	}
	return out
}
