package topics

import (
	"fmt"
	"strings"
	"testing"
)

// Messages as customers write them, each with its topic and a version with
// typos and run-on words, as typed on a phone.
var robustCases = []struct {
	topic, clean, typos string
}{
	{WhereIsMyOrder, "My order hasn't arrived yet and the tracking has not updated since Monday.", "my ordr hasnt arived yet and the trackign has not updated since monday"},
	{DeliveryDelay, "The delivery has been delayed again, it was supposed to arrive last week.", "the delivry has been delayd again,it was suposed to arrive last week"},
	{Return, "I would like to return the jacket, how do I get a return label?", "id like to retrun the jacket how do i get a returnlabel"},
	{Refund, "I sent the shoes back two weeks ago and I still haven't received my refund.", "i sent the shoes back 2 weeks ago and i still havent recieved my refnd"},
	{Cancel, "Please cancel my order, I ordered it by mistake.", "pls cancle my order i orderd it by mistake"},
	{ChangeOrder, "I entered the wrong delivery address, can you change it before it ships?", "i entered the wrong delivery adress can u change it before it ships"},
	{DamagedOrDefective, "The lamp arrived broken, the glass shade is cracked.", "the lamp arived brokn, the glass shade is crackd"},
	{WrongOrMissingItem, "One item is missing from my parcel, I only received the scarf.", "one item is misisng from my parcel i only recieved the scarf"},
	{ProductQuestion, "Is this sweater machine washable or does it need to be dry cleaned?", "is this sweater machine washabel or does it need to be drycleaned"},
	{Sizing, "The boots are too small, can I exchange them for a bigger size?", "the boots are to small can i exchange them for a biger size"},
	{Payment, "I paid for my order but the money was taken from my card two times.", "i payed for my order but the money was takn from my card two times"},
	{DiscountPromo, "My discount code doesn't work at checkout.", "my discount code doesnt work at chekout"},
	{Account, "I can't log in to my account, the password reset email never arrives.", "i cant login to my acount, the password reset email never arrives"},
	{Subscription, "Please unsubscribe me from your newsletter.", "pls unsubscribe me from ur newsleter"},
}

// wrappers put a message inside the noise of real mail: greetings,
// sign-offs, signatures, quoted history about another topic, order and
// tracking numbers, links, shouting and emoji.
var wrappers = []struct {
	name string
	wrap func(msg string) string
}{
	{"gmail reply quoting a refund", func(m string) string {
		return "Hi team,\n\n" + m + "\n\nThanks,\nAnna\n\nOn Tue, 6 Jan 2026 at 09:14, Atelier Support <support@shop.example> wrote:\n> Hello Anna,\n> We have processed your refund of €49.90, it will reach your card in 5 days.\n> Best, the team"
	}},
	{"outlook history about a return", func(m string) string {
		return "Hello,\n" + m + "\n\nKind regards\nJohn Smith\nSent from my iPhone\n\n-----Original Message-----\nFrom: Support <support@shop.example>\nSent: Monday, 5 January 2026 10:02\nSubject: Your return label\n\nPlease find attached your return label. Drop the parcel at any post office."
	}},
	{"signature", func(m string) string {
		return m + "\n-- \nJane Doe | Head of Purchasing | +44 7700 900123\nwww.example.com | Please consider the environment before printing"
	}},
	{"order number and link", func(m string) string {
		return "Order #10234 (placed 2026-01-03): " + m + " See https://shop.example/account/orders/10234"
	}},
	{"order words", func(m string) string { return "order no. 88231 - " + m + " My email is anna.b@example.com" }},
	{"tracking number", func(m string) string { return m + " (1Z999AA10123456784)" }},
	{"shouting and emoji", func(m string) string { return strings.ToUpper(m) + " 😡🙏" }},
	{"chat greeting", func(m string) string { return "hey! " + m + " thx" }},
}

// TestTopicSurvivesRealMail: quoted replies, signatures, greetings, order
// and tracking numbers, links and emoji never change the topic of a
// message, and typos almost never do. Typos are allowed one miss in ten
// because a message typed badly enough really is ambiguous (a misspelt
// "refund" beside "received" reads like a missing item); the README gives
// the shipped model's count.
func TestTopicSurvivesRealMail(t *testing.T) {
	m := Starter()
	typoVariants, typoMisses := 0, 0
	for _, c := range robustCases {
		want := m.Classify(c.clean)
		if want.Topic != c.topic {
			t.Errorf("clean %q: %s (%.2f), want %s", c.clean, want.Topic, want.Confidence, c.topic)
			continue
		}
		for _, w := range wrappers {
			if got := m.Classify(w.wrap(c.clean)); got.Topic != want.Topic {
				t.Errorf("%s, %s: %q\n  gives %s (%.2f), the clean text %s", c.topic, w.name, w.wrap(c.clean), got.Topic, got.Confidence, want.Topic)
			}
		}
		typos := []string{c.typos}
		for _, w := range wrappers {
			typos = append(typos, w.wrap(c.typos))
		}
		for _, v := range typos {
			typoVariants++
			if got := m.Classify(v); got.Topic != want.Topic {
				typoMisses++
				t.Logf("typos: %q gives %s (%.2f, guess %s), the clean text %s", v, got.Topic, got.Confidence, got.Guess, want.Topic)
			}
		}
	}
	t.Logf("%d messages × %d wrappers kept their topic; typos: %d of %d variants kept it", len(robustCases), len(wrappers), typoVariants-typoMisses, typoVariants)
	if typoMisses*10 > typoVariants {
		t.Errorf("typos changed the topic of %d of %d variants, more than one in ten", typoMisses, typoVariants)
	}
}

// TestWrappersWouldFoolAModelWithoutCleaning makes sure the robustness test
// can fail: classified without Clean, quoted history changes topics.
func TestWrappersWouldFoolAModelWithoutCleaning(t *testing.T) {
	m := Starter()
	changed := 0
	for _, c := range robustCases {
		noisy := wrappers[0].wrap(c.clean)
		x := m.Vec.Transform(Tokens(noisy, nil), Vector{})
		p := make([]float64, len(m.Labels))
		m.probs(x, p)
		if m.Labels[argmax(p)] != c.topic {
			changed++
		}
	}
	if changed == 0 {
		t.Error("quoted history never changes the topic when not cleaned: the robustness test proves nothing")
	}
	t.Log(fmt.Sprintf("without cleaning, %d of %d messages change topic", changed, len(robustCases)))
}
