package proactive_test

import (
	"context"
	"strings"
	"testing"

	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// "Did it arrive well?" goes to a customer whose order was delivered in
// the last three days and who has not been in touch since placing it: not
// to one who wrote already, not for an older delivery, not before the
// delivery; and sending it is not skipped for the order being delivered,
// as late-shipment notices are.
func TestDeliveredCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		engSetSupport(t, db)
		if err := db.SetSetting(ctx, proactive.SettingQuietHours, "off"); err != nil {
			t.Fatal(err)
		}
		engSaveRule(t, db, &proactive.Rule{Name: "arrived", Kind: proactive.KindDeliveredCheck, Templates: []proactive.Template{
			{Channel: "email", Locale: "en", Subject: "Did {{.OrderName}} arrive well?", Body: "Hi {{.FirstName}}, tell us if anything is wrong with {{.OrderName}}."},
		}})
		for _, o := range []engOrder{
			{ext: "quiet", email: "quiet@example.com", placed: nov(17, 9)},
			{ext: "wrote", email: "wrote@example.com", placed: nov(17, 9)},
			{ext: "old", email: "old@example.com", placed: nov(10, 9)},
			{ext: "transit", email: "transit@example.com", placed: nov(20, 9)},
			{ext: "wrote-before", email: "before@example.com", placed: nov(17, 9)},
		} {
			engAddOrder(t, db, o)
		}
		engAddEvent(t, db, "quiet", "delivered", nov(22, 15), "")
		engAddEvent(t, db, "wrote", "delivered", nov(22, 15), "")
		engAddEvent(t, db, "wrote-before", "delivered", nov(22, 15), "")
		engAddEvent(t, db, "old", "delivered", nov(18, 15), "")
		engAddEvent(t, db, "transit", "shipped", nov(21, 15), "")
		engInbound(t, db, desk.Message{ExternalID: "w-1", Customer: commerce.CustomerRef{Email: "wrote@example.com"}, Channel: "email", FromAddr: "wrote@example.com", Subject: "Size", Body: "wrong size", At: nov(22, 18)})
		engInbound(t, db, desk.Message{ExternalID: "b-1", Customer: commerce.CustomerRef{Email: "before@example.com"}, Channel: "email", FromAddr: "before@example.com", Subject: "Old order", Body: "about last month", At: nov(16, 9)})

		engEvaluate(t, db, nov(23, 10))
		engSame(t, "decisions", engDecisions(t, db), []string{
			"quiet arrived scheduled due=23T10:00",
			"wrote-before arrived scheduled due=23T10:00",
		})
		sent, err := proactive.SendDue(ctx, db, nov(23, 10))
		if err != nil {
			t.Fatal(err)
		}
		if sent.Count(proactive.StatusSent) != 2 {
			t.Fatalf("sent: %+v", sent.Decisions)
		}
		var subject string
		if err := db.QueryRow(ctx, `SELECT subject FROM messages WHERE author = 'proactive' AND external_id = 'proactive:arrived:quiet'`).Scan(&subject); err != nil {
			t.Fatal(err)
		}
		if subject != "Did quiet arrive well?" {
			t.Errorf("subject %q", subject)
		}
		// Three days after the delivery, no later run asks again.
		engAddEvent(t, db, "transit", "delivered", nov(23, 11), "")
		if res := engEvaluate(t, db, nov(27, 12)); len(res.Decisions) != 0 || strings.Contains(strings.Join(engDecisions(t, db), " "), "transit") {
			t.Errorf("a delivery four days old was asked about: %+v", res.Decisions)
		}
	})
}
