package topics

import "testing"

func TestClean(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"gmail reply", "Hi team,\n\nMy parcel hasn't arrived.\n\nThanks,\nAnna\n\nOn Tue, 6 Jan 2026 at 09:14, Shop <help@shop.example> wrote:\n> Your refund is on its way.",
			"My parcel hasn't arrived."},
		{"wrapped gmail header", "Where is it?\n\nOn Tue, 6 Jan 2026 at 09:14, Atelier Brume Customer Care\n<help@shop.example> wrote:\n> We have shipped it",
			"Where is it?"},
		{"outlook", "Please cancel it.\n\nKind regards\nJohn Smith\n\nFrom: Support <s@shop.example>\nSent: Monday, 5 January 2026 10:00\nTo: John\nSubject: Your order",
			"Please cancel it."},
		{"original message", "The zip broke.\n-----Original Message-----\nWe are sorry to hear", "The zip broke."},
		{"sent from", "wrong size sent\n\nSent from my iPhone", "wrong size sent"},
		{"sig dashes", "Code not working\n-- \nJane Doe\nCEO, Example Ltd", "Code not working"},
		{"inline greeting", "Hello, my order is late", "my order is late"},
		{"quoted lines inline", "See below\n> old text\nit is still broken", "See below\nit is still broken"},
		{"thanks only", "Thanks!", "Thanks!"},
		{"greeting only", "Hi there", "Hi there"},
		{"greeting line kept when it is the message", "Hi I want a refund", "Hi I want a refund"},
		{"sign-off before a long line stays", "It broke.\nThanks\nThis line is long enough to be more of the message, not a name", "It broke.\nThanks\nThis line is long enough to be more of the message, not a name"},
		{"french", "Bonjour,\n\nOù est mon colis ?\n\nLe lun. 5 janv. 2026 à 10:00, Shop <a@b.fr> a écrit :\n> Bonjour", "Où est mon colis ?"},
		{"crlf", "Hi,\r\nRefund please\r\n\r\nBest regards,\r\nTom", "Refund please"},
	}
	for _, c := range cases {
		if got := Clean(c.in); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
