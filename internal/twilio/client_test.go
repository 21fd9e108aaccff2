package twilio

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
)

// TestClientSendMessage checks the request against Twilio's Messages
// resource as documented, and reads Twilio's answer from a library fixture.
func TestClientSendMessage(t *testing.T) {
	answer, err := os.ReadFile("testdata/twilio-python/message_create_response.json")
	if err != nil {
		t.Fatal(err)
	}
	const sid, token = "AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"
	var form url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		body, _ := io.ReadAll(r.Body)
		form, _ = url.ParseQuery(string(body))
		switch {
		case r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/"+sid+"/Messages.json":
			http.Error(w, "wrong method or path "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		case !ok || user != sid || pass != token:
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}`)
		case r.Header.Get("Content-Type") != "application/x-www-form-urlencoded":
			http.Error(w, "not a form", http.StatusBadRequest)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			w.Write(answer)
		}
	}))
	defer srv.Close()
	c := &Client{APIURL: srv.URL, AccountSID: sid, AuthToken: token}
	res, err := c.SendMessage(context.Background(), Message{To: "+14155552345", From: "+14155550000", Body: "Your parcel ships today", StatusCallback: "https://desk.example.com/webhooks/twilio"})
	if err != nil {
		t.Fatal(err)
	}
	if res.SID != "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" || res.Status != "sent" {
		t.Errorf("answer read as %+v", res)
	}
	want := url.Values{"To": {"+14155552345"}, "From": {"+14155550000"}, "Body": {"Your parcel ships today"}, "StatusCallback": {"https://desk.example.com/webhooks/twilio"}}
	if form.Encode() != want.Encode() {
		t.Errorf("form %v, want %v", form, want)
	}

	c.AuthToken = "wrong-token-wrong-token-wrong-tok"
	_, err = c.SendMessage(context.Background(), Message{To: "+14155552345", MessagingServiceSID: "MG0123456789abcdef0123456789abcdef", Body: "x"})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Code != "20003" || ae.Temporary() {
		t.Errorf("wrong token: %v", err)
	}
	if form.Get("MessagingServiceSid") == "" || form.Has("From") {
		t.Errorf("a messaging service sends without From: %v", form)
	}
}
