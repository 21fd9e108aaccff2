package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// WebhookSender posts webhook deliveries' JSON payloads.
//
// A 2xx answer is success. 4xx answers other than 408, 425 and 429 are
// permanent: the receiver refused this request (Slack answers 404 for a
// removed webhook, 400 for a payload it rejects) and will refuse it again.
// A redirect is permanent too — it is not followed, because clients turn a
// redirected POST into a GET that would "succeed" without posting; the
// error says to configure the final URL. 5xx answers, 408/425/429 and
// network errors are retried.
type WebhookSender struct {
	Client  *http.Client  // nil: a client that does not follow redirects
	Timeout time.Duration // per post; 30 s when zero (the caller's deadline also applies)
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Send posts d.Payload to d.Target.
func (s *WebhookSender) Send(ctx context.Context, d Delivery) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	where := "POST " + RedactURL(d.Target)
	payload := d.Payload
	if len(payload) == 0 { // a delivery that did not go through Enqueue
		payload, _ = json.Marshal(map[string]string{"text": d.Text})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Target, bytes.NewReader(payload))
	if err != nil {
		return Permanent(fmt.Errorf("%s: %v", where, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Quietdesk")
	client := s.Client
	if client == nil {
		client = noRedirects
	}
	resp, err := client.Do(req)
	if err != nil {
		// url.Error repeats the whole URL, whose path is the webhook's
		// secret.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: no answer within %s", where, timeout)
		}
		return fmt.Errorf("%s: %v", where, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("%s: %s: %s", where, resp.Status, excerpt(body, 200))
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return Permanent(fmt.Errorf("%w (redirected to %s: set the webhook URL to where it leads)", err, RedactURL(resp.Header.Get("Location"))))
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooEarly, resp.StatusCode == http.StatusTooManyRequests:
		return err
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return Permanent(err)
	}
	return err
}

// excerpt is the start of a response body on one line, for an error
// message: enough to see Slack's "no_service" or a proxy's error page title.
func excerpt(b []byte, n int) string {
	if !utf8.Valid(b) {
		return fmt.Sprintf("(%d bytes, not text)", len(b))
	}
	s := strings.Join(strings.Fields(string(b)), " ")
	if s == "" {
		return "(empty body)"
	}
	return truncate(s, n)
}
