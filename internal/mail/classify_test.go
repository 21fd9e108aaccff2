package mail

import (
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name, headers, want string
	}{
		{"plain message", "Subject: Where is my order?", KindMessage},
		{"auto-submitted auto-replied", "Auto-Submitted: auto-replied\nSubject: Re: order", KindAutoReply},
		{"auto-submitted auto-generated", "Auto-Submitted: auto-generated (vacation)", KindAutoReply},
		{"auto-submitted no", "Auto-Submitted: no\nSubject: Re: order", KindMessage},
		{"auto-submitted No with comment", "Auto-Submitted: No (human)", KindMessage},
		{"x-autoreply", "X-Autoreply: yes", KindAutoReply},
		{"x-autorespond", "X-Autorespond: Vacation", KindAutoReply},
		{"x-auto-response-suppress all", "X-Auto-Response-Suppress: All", KindAutoReply},
		{"x-auto-response-suppress oof", "X-Auto-Response-Suppress: DR, OOF, AutoReply", KindAutoReply},
		{"x-auto-response-suppress dr only", "X-Auto-Response-Suppress: DR", KindMessage},
		{"precedence auto_reply", "Precedence: auto_reply", KindAutoReply},
		{"precedence bulk", "Precedence: bulk", KindList},
		{"precedence junk", "Precedence: junk", KindList},
		{"precedence list", "Precedence: list", KindList},
		{"list-id", "List-Id: Shop news <news.example.com>", KindList},
		{"list-unsubscribe", "List-Unsubscribe: <mailto:unsub@example.com>", KindList},
		{"vacation with precedence bulk is an auto-reply", "Auto-Submitted: auto-replied\nPrecedence: bulk", KindAutoReply},
		{"auto-reply beats list", "X-Autoreply: yes\nList-Id: <x.example.com>", KindAutoReply},
		{"subject out of office", "Subject: Out of Office: Order 1043", KindAutoReply},
		{"subject automatic reply", "Subject: Automatic reply: Order 1043", KindAutoReply},
		{"subject german", "Subject: Abwesenheitsnotiz: Bestellung", KindAutoReply},
		{"subject french", "Subject: Réponse automatique : commande", KindAutoReply},
		{"subject spanish", "Subject: Respuesta automática: pedido", KindAutoReply},
		{"subject norwegian", "Subject: Automatisk svar: bestilling", KindAutoReply},
		{"subject lotus", "Subject: AUTO: Anna is out of the office", KindAutoReply},
		{"a customer writing about an auto part", "Subject: Auto: need a part for my car", KindMessage},
		{"subject out of stock is a question", "Subject: Out of stock question", KindMessage},
		{"daemon with bounce subject", "From: MAILER-DAEMON@example.net\nSubject: Undelivered Mail Returned to Sender", KindBounce},
		{"postmaster failure notice", "From: postmaster@example.net\nSubject: failure notice", KindBounce},
		{"daemon with failed recipients", "From: Mailer-Daemon@example.net\nSubject: hi\nX-Failed-Recipients: a@example.org", KindBounce},
		{"postmaster writing a letter", "From: postmaster@example.net\nSubject: Question about my order", KindMessage},
		{"bounce subject from a person", "From: anna@example.org\nSubject: Undeliverable parcel?", KindMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.headers
			if !strings.Contains(h, "From:") {
				h = "From: someone@example.org\n" + h
			}
			m := Parse(crlf(h+"\n\nHello.\n"), Options{})
			if m.Kind != tt.want {
				t.Errorf("Kind = %q, want %q", m.Kind, tt.want)
			}
			if (m.Kind == KindBounce) != (m.Bounce != nil) {
				t.Errorf("Kind %q with Bounce %+v", m.Kind, m.Bounce)
			}
		})
	}
}

const dsnReport = `From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: support@example.com
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
List-Id: <should.not.matter.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="R"

--R
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.
--R
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; ok@example.org
Action: delivered
Status: 2.0.0

Final-Recipient: rfc822; Anna.Gone@Example.ORG
Original-Recipient: rfc822;anna.gone@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <anna.gone@example.org>: Recipient address
    rejected: User unknown
--R
Content-Type: message/rfc822

From: Support <support@example.com>
To: anna.gone@example.org
Subject: Your refund
Message-ID: <qd.77.340@example.com>

Your refund was issued.
--R--
`

func TestBounceFromDeliveryStatus(t *testing.T) {
	m := Parse(crlf(dsnReport), Options{})
	if m.Kind != KindBounce {
		t.Fatalf("Kind = %q, want bounce (a bounce beats auto-reply and list)", m.Kind)
	}
	want := Bounce{
		OriginalMessageID: "qd.77.340@example.com",
		Recipient:         "anna.gone@example.org",
		Status:            "5.1.1",
		Diagnostic:        "550 5.1.1 <anna.gone@example.org>: Recipient address rejected: User unknown",
		Permanent:         true,
	}
	if *m.Bounce != want {
		t.Errorf("Bounce = %+v\nwant     %+v", *m.Bounce, want)
	}
	if strings.Contains(m.Text, "Your refund was issued") {
		t.Errorf("the returned message leaked into Text: %q", m.Text)
	}
	for _, a := range m.Attachments {
		t.Errorf("report part kept as attachment %q", a.Name)
	}
}

func TestBounceDelayedIsNotPermanent(t *testing.T) {
	raw := strings.Replace(dsnReport, "Action: failed\nStatus: 5.1.1", "Action: delayed\nStatus: 4.4.7", 1)
	m := Parse(crlf(raw), Options{})
	if m.Bounce == nil || m.Bounce.Status != "4.4.7" || m.Bounce.Permanent {
		t.Errorf("Bounce = %+v", m.Bounce)
	}
}

func TestBounceRFC822Headers(t *testing.T) {
	raw := `From: MAILER-DAEMON@mx.example.net
Subject: Returned mail
Content-Type: multipart/report; report-type=delivery-status; boundary=B

--B
Content-Type: text/plain

Mailbox full.
--B
Content-Type: message/delivery-status

Final-Recipient: rfc822; full@example.org
Action: failed
Status: 5.2.2

--B
Content-Type: text/rfc822-headers

Message-ID: <qd.1.2@example.com>
Subject: Hello
--B--
`
	m := Parse(crlf(raw), Options{})
	if m.Kind != KindBounce || m.Bounce.OriginalMessageID != "qd.1.2@example.com" || m.Bounce.Recipient != "full@example.org" || m.Bounce.Status != "5.2.2" {
		t.Errorf("Kind %q Bounce %+v", m.Kind, m.Bounce)
	}
}
