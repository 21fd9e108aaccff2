package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"quietdesk/internal/desk"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// inboundMail has a hostile subject and file name, an HTML part with a
// script, and an attachment.
const inboundMail = "From: =?UTF-8?Q?Zo=C3=A9?= <zoe@example.com>\r\nTo: help@brand.example\r\n" +
	"Subject: <img src=x onerror=alert(1)> parcel\r\nDate: Wed, 02 Dec 2026 09:00:00 +0000\r\nMessage-ID: <z1@example.com>\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"MM\"\r\n\r\n" +
	"--MM\r\nContent-Type: multipart/alternative; boundary=\"AA\"\r\n\r\n" +
	"--AA\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nMon colis n'est pas arriv=E9.\r\n\r\n" +
	"--AA\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p onclick=\"steal()\">Mon colis</p><script>alert(1)</script>\r\n" +
	"--AA--\r\n" +
	"--MM\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=UTF-8''re%C3%A7u%22%3E.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n" +
	"--MM--\r\n"

func TestInboundEmailRoute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SetSetting(ctx, desk.SettingSupportAddresses, "help@brand.example"); err != nil {
			t.Fatal(err)
		}
		a := start(t, db)
		_, router := loadDoc(t, a)
		deskToken := "Bearer " + a.token("desk")
		send := func(method, path, authorization, ctype string, body []byte, want int) []byte {
			t.Helper()
			req, _ := http.NewRequest(method, a.url+path, bytes.NewReader(body))
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			req.Header.Set("Authorization", authorization)
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("%s %s is not in the OpenAPI document: %v", method, path, err)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true}}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != want {
				t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, data)
			}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
				Options: &openapi3filter.Options{MultiError: true, ExcludeResponseBody: !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json")}}
			out.SetBodyBytes(data)
			if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
				t.Errorf("%s %s: the response does not match the document: %v\n%s", method, path, err, data)
			}
			return data
		}
		ingest := "Bearer " + a.ingest
		var got map[string]any
		if err := json.Unmarshal(send("POST", "/api/v1/inbound/email", ingest, "message/rfc822", []byte(inboundMail), 200), &got); err != nil {
			t.Fatal(err)
		}
		if got["kind"] != "message" || got["new_contact"] != true || got["contact_id"] == nil || got["duplicate"] != false {
			t.Fatalf("first delivery: %v", got)
		}
		// The same mail again: nothing changes.
		var again map[string]any
		json.Unmarshal(send("POST", "/api/v1/inbound/email", ingest, "message/rfc822", []byte(inboundMail), 200), &again)
		if again["duplicate"] != true || again["message_id"] != got["message_id"] {
			t.Fatalf("second delivery: %v", again)
		}
		send("POST", "/api/v1/inbound/email", ingest, "application/json", []byte(inboundMail), 400)
		send("POST", "/api/v1/inbound/email", ingest, "message/rfc822", nil, 400)
		send("POST", "/api/v1/inbound/email", "Bearer "+a.read, "message/rfc822", []byte(inboundMail), 403)

		var body, html, subject string
		if err := db.QueryRow(ctx, `SELECT body, html, subject FROM messages`).Scan(&body, &html, &subject); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, "Mon colis n'est pas arrivé") {
			t.Fatalf("ISO-8859-1 quoted-printable body read as %q", body)
		}
		if strings.Contains(html, "script") || strings.Contains(html, "onclick") {
			t.Fatalf("HTML kept unsanitised: %q", html)
		}

		// The raw mail and the attachment, for agents only.
		id := int64(got["message_id"].(float64))
		raw := send("GET", "/api/v1/messages/"+itoa(id)+"/raw", deskToken, "", nil, 200)
		if string(raw) != inboundMail {
			t.Fatalf("raw mail changed on the way: %q", raw)
		}
		send("GET", "/api/v1/messages/"+itoa(id)+"/raw", "Bearer "+a.read, "", nil, 403)
		send("GET", "/api/v1/messages/999/raw", deskToken, "", nil, 404)
		var attID int64
		var name string
		if err := db.QueryRow(ctx, `SELECT id, name FROM attachments`).Scan(&attID, &name); err != nil {
			t.Fatal(err)
		}
		// Decoded (RFC 2231, UTF-8), with the characters that could break
		// out of a header or a page replaced.
		if !strings.HasPrefix(name, "reçu") || !strings.HasSuffix(name, ".pdf") || strings.ContainsAny(name, `"<>`) {
			t.Fatalf("RFC 2231 file name read as %q", name)
		}
		req, _ := http.NewRequest("GET", a.url+"/api/v1/attachments/"+itoa(attID), nil)
		req.Header.Set("Authorization", deskToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		file, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(file) != "%PDF-1.4\n" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") ||
			resp.Header.Get("Content-Type") != "application/octet-stream" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("attachment: %d %v %q", resp.StatusCode, resp.Header, file)
		}
		send("GET", "/api/v1/attachments/"+itoa(attID), "Bearer "+a.read, "", nil, 403)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
