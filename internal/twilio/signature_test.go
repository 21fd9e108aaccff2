package twilio

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"quietdesk/internal/domain"
)

// The published vectors of Twilio's own libraries (testdata/SOURCE.md).
const (
	vecToken = "12345"
	vecURL   = "https://mycompany.com/myapp.php?foo=1&bar=2"
	vecBody  = `{"property": "value", "boolean": true}`
	vecHash  = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
)

var vecParams = url.Values{"CallSid": {"CA1234567890ABCDE"}, "Digits": {"1234"}, "From": {"+14158675309"}, "To": {"+18005551212"}, "Caller": {"+14158675309"}}

func TestSignatureLibraryVectors(t *testing.T) {
	if got := Signature(vecToken, vecURL, vecParams); got != "RSOYDt4T1cUTdK1PDd93/VVr8B8=" {
		t.Errorf("Signature = %q, want RSOYDt4T1cUTdK1PDd93/VVr8B8=", got)
	}
	dup := url.Values{"Sid": {"CA123"}, "SidAccount": {"AC123"}, "Digits": {"5678", "1234"}}
	if got := Signature(vecToken, vecURL, dup); got != "IK+Dwps556ElfBT0I3Rgjkr1wJU=" {
		t.Errorf("repeated parameter: %q, want IK+Dwps556ElfBT0I3Rgjkr1wJU=", got)
	}
	if got := BodySHA256([]byte(vecBody)); got != vecHash {
		t.Errorf("BodySHA256 = %q", got)
	}
	for _, c := range []struct {
		name, url, sig string
		want           bool
	}{
		{"as given", vecURL, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", true},
		{"https with a port, signed without", strings.Replace(vecURL, ".com", ".com:1234", 1), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", true},
		{"http with a port, signed with it", strings.Replace(strings.Replace(vecURL, ".com", ".com:1234", 1), "https", "http", 1), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", true},
		{"https signed with :443", vecURL, "kvajT1Ptam85bY51eRf/AJRuM3w=", true},
		{"http signed with :80", strings.Replace(vecURL, "https", "http", 1), "0ZXoZLH/DfblKGATFgpif+LLRf4=", true},
		{"wrong signature", vecURL, "WRONG_SIGNATURE", false},
		{"empty signature", vecURL, "", false},
		{"another URL", vecURL + "&somethingUnexpected=true", "RSOYDt4T1cUTdK1PDd93/VVr8B8=", false},
	} {
		if got := Valid(vecToken, c.url, vecParams, c.sig); got != c.want {
			t.Errorf("%s: Valid = %v, want %v", c.name, got, c.want)
		}
	}
	// Node's vector: a repeated value counts once.
	if !Valid(vecToken, vecURL, url.Values{"Sid": {"CA123"}, "SidAccount": {"AC123"}, "Digits": {"5678", "1234", "1234"}}, "IK+Dwps556ElfBT0I3Rgjkr1wJU=") {
		t.Error("repeated identical values: not valid")
	}
	if Valid("", vecURL, vecParams, "RSOYDt4T1cUTdK1PDd93/VVr8B8=") {
		t.Error("valid without a token")
	}
}

func TestSignatureJSONBodyVectors(t *testing.T) {
	if !ValidJSON(vecToken, vecURL+"&bodySHA256="+vecHash, []byte(vecBody), "a9nBmqA0ju/hNViExpshrM61xv4=") {
		t.Error("library body vector not valid")
	}
	if !ValidJSON(vecToken, "https://mycompany.com/myapp.php?bodySHA256="+vecHash, []byte(vecBody), "y77kIzt2vzLz71DgmJGsen2scGs=") {
		t.Error("library body vector with only bodySHA256 not valid")
	}
	if ValidJSON(vecToken, vecURL+"&bodySHA256="+vecHash, []byte(vecBody+" "), "a9nBmqA0ju/hNViExpshrM61xv4=") {
		t.Error("a changed body is valid")
	}
	if ValidJSON(vecToken, vecURL, []byte(vecBody), "RSOYDt4T1cUTdK1PDd93/VVr8B8=") {
		t.Error("valid without bodySHA256")
	}
}

func fixture(t *testing.T, name string) url.Values {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	v, err := url.ParseQuery(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseFixtures(t *testing.T) {
	c, err := Parse(fixture(t, "botbuilder-community-js/whatsapp_image.form"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != KindMessage || !c.WhatsApp() || c.From != "whatsapp:+31612345678" || len(c.Media) != 1 || c.Media[0].ContentType != "image/jpeg" ||
		c.Media[0].URL != "https://api.twilio.com/2010-04-01/Accounts/AC1a03647d811fab342c0ad608e382fab2/Messages/MM21151abfaadc1fb79b782f8460862a52/Media/ME5f0afa2336bd0f73ca553fb5a2e3150bc" {
		t.Errorf("image message: %+v", c)
	}
	c, err = Parse(fixture(t, "botbuilder-community-js/status_delivered.form"))
	if err != nil || c.Kind != KindMessageStatus || c.MessageStatus != "delivered" || c.MessageSID != "SMdf55df64a2ff4920bb0748193cfbb640" {
		t.Errorf("status: %+v %v", c, err)
	}
	button := fixture(t, "botbuilder-community-js/whatsapp_text.form")
	button.Set("ButtonText", "Track my order")
	button.Set("ButtonPayload", "track")
	if c, _ := Parse(button); c.Body != "Track my order" || c.ButtonPayload != "track" {
		t.Errorf("button reply: body %q payload %q", c.Body, c.ButtonPayload)
	}
	for _, bad := range []struct {
		params url.Values
		field  string
	}{
		{url.Values{"Body": {"hi"}}, ""},
		{url.Values{"MessageSid": {"SM1"}}, "From"},
		{url.Values{"MessageSid": {"SM1"}, "From": {"+15551234567"}, "NumMedia": {"1"}, "MediaUrl0": {"javascript:alert(1)"}}, "MediaUrl0"},
		{url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"huh"}}, "MessageStatus"},
		{url.Values{"CallSid": {"CA1"}, "CallStatus": {"completed"}, "CallDuration": {"-3"}}, "CallDuration"},
	} {
		_, err := Parse(bad.params)
		var de *domain.Error
		switch {
		case err == nil:
			t.Errorf("%v: no error", bad.params)
		case bad.field != "" && (!errors.As(err, &de) || !strings.Contains(fmt.Sprint(de.Fields), bad.field)):
			t.Errorf("%v: %v does not name %s", bad.params, err, bad.field)
		}
	}
}

func TestOptOutKeyword(t *testing.T) {
	for body, want := range map[string]string{"STOP": "stop", " stop ": "stop", "Unsubscribe": "stop", "stopall": "stop", "START": "start", "unstop": "start",
		"please stop texting me": "", "Where is my order?": ""} {
		if got := (Callback{Body: body}).OptOutKeyword(); got != want {
			t.Errorf("%q: %q, want %q", body, got, want)
		}
	}
	if got := (Callback{Body: "Arrêt", OptOutType: "STOP"}).OptOutKeyword(); got != "stop" {
		t.Errorf("OptOutType STOP: %q", got)
	}
}
