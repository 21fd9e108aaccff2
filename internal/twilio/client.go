package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIURL is Twilio's REST API.
const DefaultAPIURL = "https://api.twilio.com"

// Client sends messages through Twilio's Messages REST resource
// (POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic auth
// with the account SID and auth token).
type Client struct {
	APIURL     string // DefaultAPIURL when empty
	AccountSID string
	AuthToken  string
	HTTP       *http.Client // nil: a client with a 30 s timeout
}

// Message is what to send. From or MessagingServiceSID names the sender.
type Message struct {
	To, From            string
	MessagingServiceSID string
	Body                string
	StatusCallback      string
}

// MessageResource is the part of Twilio's answer Quietdesk keeps.
type MessageResource struct {
	SID    string `json:"sid"`
	Status string `json:"status"`
	To     string `json:"to"`
	From   string `json:"from"`
}

// APIError is Twilio's refusal: the HTTP status and Twilio's error code
// (21610: the recipient opted out; 21211: not a valid number…).
type APIError struct {
	Status   int
	Code     string
	Message  string
	MoreInfo string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("Twilio answered %d", e.Status)
	if e.Code != "" {
		s += " with error " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.MoreInfo != "" {
		s += " (" + e.MoreInfo + ")"
	}
	return s
}

// Temporary reports whether the same request may succeed later: Twilio
// throttled it or failed itself.
func (e *APIError) Temporary() bool { return e.Status == http.StatusTooManyRequests || e.Status >= 500 }

var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

// MessagesURL is where messages of account are created.
func MessagesURL(apiURL, account string) string {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	return strings.TrimRight(apiURL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(account) + "/Messages.json"
}

// SendMessage creates the message. Twilio answers 201 with the Message
// resource; any other answer is an *APIError, a network failure an error
// that is neither.
func (c *Client) SendMessage(ctx context.Context, m Message) (MessageResource, error) {
	form := url.Values{"To": {m.To}, "Body": {m.Body}}
	if m.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", m.MessagingServiceSID)
	} else {
		form.Set("From", m.From)
	}
	if m.StatusCallback != "" {
		form.Set("StatusCallback", m.StatusCallback)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, MessagesURL(c.APIURL, c.AccountSID), strings.NewReader(form.Encode()))
	if err != nil {
		return MessageResource{}, err
	}
	req.SetBasicAuth(c.AccountSID, c.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Quietdesk")
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in the error already said by the caller
		}
		return MessageResource{}, fmt.Errorf("POST %s: %w", MessagesURL(c.APIURL, c.AccountSID), err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &APIError{Status: resp.StatusCode}
		var body struct {
			Code     json.Number `json:"code"`
			Message  string      `json:"message"`
			MoreInfo string      `json:"more_info"`
		}
		if json.Unmarshal(data, &body) == nil {
			e.Code, e.Message, e.MoreInfo = body.Code.String(), body.Message, body.MoreInfo
		} else {
			e.Message = strings.Join(strings.Fields(string(data[:min(len(data), 200)])), " ")
		}
		return MessageResource{}, e
	}
	var m2 MessageResource
	if err := json.Unmarshal(data, &m2); err != nil || m2.SID == "" {
		return m2, fmt.Errorf("Twilio answered %d without a message sid: %q", resp.StatusCode, data[:min(len(data), 200)])
	}
	return m2, nil
}
