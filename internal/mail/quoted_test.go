package mail

import (
	"io"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStripQuoted(t *testing.T) {
	tests := []struct {
		name, text string
		body       string // Body must equal this
		quotedHas  string // Quoted must contain this ("" when nothing is stripped)
	}{
		{
			name: "en gmail",
			text: "Hi, my parcel still hasn't arrived. Order #1043.\n\nThanks,\nAnna\n\nOn Tue, Dec 1, 2026 at 9:14 AM Parcel Support <support@example.com> wrote:\n\n> Hello Anna,\n> your order has shipped.\n",
			body: "Hi, my parcel still hasn't arrived. Order #1043.\n\nThanks,\nAnna", quotedHas: "your order has shipped",
		},
		{
			name: "en gmail attribution wrapped over two lines",
			text: "Can I change the delivery address?\n\nOn Tue, Dec 1, 2026 at 9:14 AM Parcel Support Team of Example Shop <\nsupport@example.com> wrote:\n\n> Your order #1043 is confirmed.\n",
			body: "Can I change the delivery address?", quotedHas: "support@example.com> wrote:",
		},
		{
			name: "en outlook header block",
			text: "Please cancel the second item.\n\nBest regards\nJohn\n\nFrom: Example Shop <support@example.com>\nSent: Monday, November 30, 2026 4:22 PM\nTo: John Smith <john@example.org>\nSubject: Your order #1043\n\nThank you for your order.\n",
			body: "Please cancel the second item.\n\nBest regards\nJohn", quotedHas: "Thank you for your order.",
		},
		{
			name: "en outlook underscores and bold header",
			text: "The box was damaged, photo attached.\n\n________________________________\n*From:* Example Shop <support@example.com>\n*Sent:* Monday, November 30, 2026 16:22\n*To:* john@example.org\n*Subject:* Your order #1043\n\nThank you for your order.\n",
			body: "The box was damaged, photo attached.", quotedHas: "*From:* Example Shop",
		},
		{
			name: "en original message separator",
			text: "Yes, that works for me.\n\n-----Original Message-----\nFrom: support@example.com\nSent: 30 November 2026 16:22\nSubject: Re: refund\n\nWould a refund be fine?\n",
			body: "Yes, that works for me.", quotedHas: "Would a refund be fine?",
		},
		{
			name: "en iphone signature",
			text: "Where is my order?\n\nSent from my iPhone\n\n> On 30 Nov 2026, at 16:22, Example Shop <support@example.com> wrote:\n> Your parcel is on its way.\n",
			body: "Where is my order?", quotedHas: "Sent from my iPhone",
		},
		{
			name: "en signature after dash dash",
			text: "The tracking link gives a 404.\n\n-- \nMark Jones\nJones Hardware Ltd\n+44 20 7946 0000\n",
			body: "The tracking link gives a 404.", quotedHas: "Jones Hardware Ltd",
		},
		{
			name: "en interleaved answers stay",
			text: "On Mon, Nov 30, 2026 at 4:22 PM Example Shop <support@example.com> wrote:\n> Which size did you order?\nMedium.\n> And which colour?\nBlue.\n",
			body: "Medium.\nBlue.", quotedHas: "> Which size did you order?",
		},
		{
			name: "en gmail forward is content",
			text: "See below, this is the confirmation I got.\n\n---------- Forwarded message ---------\nFrom: Example Shop <orders@example.com>\nDate: Mon, Nov 30, 2026 at 4:22 PM\nSubject: Order #1043 confirmed\nTo: <anna@example.org>\n\nYour order #1043 of 2 items is confirmed.\n",
			body: "See below, this is the confirmation I got.\n\n---------- Forwarded message ---------\nFrom: Example Shop <orders@example.com>\nDate: Mon, Nov 30, 2026 at 4:22 PM\nSubject: Order #1043 confirmed\nTo: <anna@example.org>\n\nYour order #1043 of 2 items is confirmed.",
		},
		{
			name: "en signature before a forward goes, the forward stays",
			text: "FYI\n\nSent from my iPhone\n\nBegin forwarded message:\n\nFrom: Example Shop <orders@example.com>\nSubject: Your refund\n\nYour refund of 20 EUR was issued.\n",
			body: "FYI\n\nBegin forwarded message:\n\nFrom: Example Shop <orders@example.com>\nSubject: Your refund\n\nYour refund of 20 EUR was issued.", quotedHas: "Sent from my iPhone",
		},
		{
			name: "en itinerary is not a header block",
			text: "I need to change my booking:\nFrom: Oslo\nTo: Paris\nDate: 4 December\n\nThank you\n",
			body: "I need to change my booking:\nFrom: Oslo\nTo: Paris\nDate: 4 December\n\nThank you",
		},
		{
			name: "en only a quote keeps everything",
			text: "> Your parcel is on its way.\n> Tracking: 12345\n",
			body: "> Your parcel is on its way.\n> Tracking: 12345",
		},
		{
			name: "fr gmail",
			text: "Bonjour,\n\nJe n'ai toujours pas reçu mon colis (commande 1043).\n\nCordialement,\nMarie\n\nLe mar. 1 déc. 2026 à 09:14, Service client <support@example.com> a écrit :\n\n> Bonjour Marie,\n> votre commande a été expédiée.\n",
			body: "Bonjour,\n\nJe n'ai toujours pas reçu mon colis (commande 1043).\n\nCordialement,\nMarie", quotedHas: "votre commande a été expédiée",
		},
		{
			name: "fr outlook",
			text: "Merci, c'est parfait.\n\nDe : Service client <support@example.com>\nEnvoyé : lundi 30 novembre 2026 16:22\nÀ : Marie Dupont <marie@example.fr>\nObjet : Votre remboursement\n\nNous avons émis le remboursement.\n",
			body: "Merci, c'est parfait.", quotedHas: "Nous avons émis le remboursement.",
		},
		{
			name: "fr message d'origine and iphone",
			text: "Pouvez-vous me rappeler ?\n\nEnvoyé de mon iPhone\n\n-----Message d'origine-----\nDe : support@example.com\nObjet : Retour\n",
			body: "Pouvez-vous me rappeler ?", quotedHas: "Envoyé de mon iPhone",
		},
		{
			name: "de gmail",
			text: "Hallo,\n\ndas Paket ist beschädigt angekommen.\n\nViele Grüße\nJonas\n\nAm Di., 1. Dez. 2026 um 09:14 Uhr schrieb Kundenservice <support@example.com>:\n\n> Hallo Jonas,\n> Ihre Bestellung wurde versandt.\n",
			body: "Hallo,\n\ndas Paket ist beschädigt angekommen.\n\nViele Grüße\nJonas", quotedHas: "Ihre Bestellung wurde versandt",
		},
		{
			name: "de outlook and ursprüngliche nachricht",
			text: "Bitte stornieren Sie die Bestellung.\n\n-----Ursprüngliche Nachricht-----\nVon: Kundenservice <support@example.com>\nGesendet: Montag, 30. November 2026 16:22\nAn: jonas@example.de\nBetreff: Ihre Bestellung 1043\n\nVielen Dank für Ihre Bestellung.\n",
			body: "Bitte stornieren Sie die Bestellung.", quotedHas: "Vielen Dank für Ihre Bestellung.",
		},
		{
			name: "de von meinem iphone gesendet",
			text: "Wann kommt die Lieferung?\n\nVon meinem iPhone gesendet\n",
			body: "Wann kommt die Lieferung?", quotedHas: "Von meinem iPhone gesendet",
		},
		{
			name: "es gmail",
			text: "Hola,\n\nquiero devolver las zapatillas, son pequeñas.\n\nGracias,\nLucía\n\nEl mar, 1 dic 2026 a las 9:14, Atención al cliente (<support@example.com>) escribió:\n\n> Hola Lucía,\n> tu pedido ha sido enviado.\n",
			body: "Hola,\n\nquiero devolver las zapatillas, son pequeñas.\n\nGracias,\nLucía", quotedHas: "tu pedido ha sido enviado",
		},
		{
			name: "es outlook and mensaje original",
			text: "De acuerdo, gracias.\n\nEnviado desde mi iPhone\n\n-----Mensaje original-----\nDe: Atención al cliente <support@example.com>\nEnviado: lunes, 30 de noviembre de 2026 16:22\nPara: lucia@example.es\nAsunto: Tu reembolso\n\nHemos emitido el reembolso.\n",
			body: "De acuerdo, gracias.", quotedHas: "Hemos emitido el reembolso.",
		},
		{
			name: "es outlook block alone",
			text: "¿Cuándo llega?\n\nDe: Atención al cliente <support@example.com>\nEnviado: lunes, 30 de noviembre de 2026 16:22\nPara: lucia@example.es\nAsunto: Tu pedido\n\nTu pedido está en camino.\n",
			body: "¿Cuándo llega?", quotedHas: "Tu pedido está en camino.",
		},
		{
			name: "no gmail date first",
			text: "Hei,\n\npakken har ikke kommet ennå.\n\nMvh\nOla\n\ntir. 1. des. 2026 kl. 09:14 skrev Kundeservice <support@example.com>:\n\n> Hei Ola,\n> bestillingen din er sendt.\n",
			body: "Hei,\n\npakken har ikke kommet ennå.\n\nMvh\nOla", quotedHas: "bestillingen din er sendt",
		},
		{
			name: "no den ... skrev",
			text: "Takk for svar.\n\nDen 30. nov. 2026 kl. 16:22 skrev Kundeservice <support@example.com>:\n> Vi har sendt en ny vare.\n",
			body: "Takk for svar.", quotedHas: "Vi har sendt en ny vare.",
		},
		{
			name: "no skrev følgende",
			text: "Jeg vil returnere jakken.\n\nKundeservice skrev følgende:\n\nTakk for bestillingen din.\n",
			body: "Jeg vil returnere jakken.", quotedHas: "Takk for bestillingen din.",
		},
		{
			name: "no outlook and opprinnelig melding",
			text: "Det passer fint.\n\nSendt fra min iPhone\n\n-----Opprinnelig melding-----\nFra: Kundeservice <support@example.com>\nSendt: mandag 30. november 2026 16:22\nTil: ola@example.no\nEmne: Retur\n\nVi har mottatt returen.\n",
			body: "Det passer fint.", quotedHas: "Sendt fra min iPhone",
		},
		{
			name: "no outlook block alone",
			text: "Når kommer pakken?\n\nFra: Kundeservice <support@example.com>\nSendt: mandag 30. november 2026 16:22\nTil: ola@example.no\nEmne: Bestilling 1043\n\nTakk for bestillingen.\n",
			body: "Når kommer pakken?", quotedHas: "Takk for bestillingen.",
		},
		{
			name: "no quote header without a quote is text",
			text: "Jeg skrev til dere i går kl. 14:00 om dette:\nvarene mangler fortsatt.\n",
			body: "Jeg skrev til dere i går kl. 14:00 om dette:\nvarene mangler fortsatt.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, quoted := StripQuoted(tt.text)
			if body != tt.body {
				t.Errorf("body =\n%q\nwant\n%q", body, tt.body)
			}
			if tt.quotedHas == "" && quoted != "" {
				t.Errorf("quoted = %q, want nothing stripped", quoted)
			}
			if tt.quotedHas != "" && !strings.Contains(quoted, tt.quotedHas) {
				t.Errorf("quoted = %q, want it to contain %q", quoted, tt.quotedHas)
			}
		})
	}
}

func TestStripQuotedEdges(t *testing.T) {
	if b, q := StripQuoted(""); b != "" || q != "" {
		t.Errorf("empty text: %q, %q", b, q)
	}
	// Stripping that would leave nothing keeps the whole text.
	b, q := StripQuoted("-- \nJane\n")
	if b != "-- \nJane" && b != "--\nJane" || q != "" {
		t.Errorf("signature only: body %q quoted %q", b, q)
	}
	b, q = StripQuoted("Thanks!\r\n\r\n> earlier\r\n")
	if b != "Thanks!" || q != "> earlier" {
		t.Errorf("CRLF text: body %q quoted %q", b, q)
	}
	// A forwarded subject keeps an Outlook-style forward.
	text := "See below.\n\nFrom: Example Shop <orders@example.com>\nSent: Monday, November 30, 2026 4:22 PM\nTo: anna@example.org\nSubject: Order confirmed\n\nYour order is confirmed.\n"
	if b, _ := stripQuoted(text, true); !strings.Contains(b, "Your order is confirmed.") {
		t.Errorf("forward by subject lost its content: %q", b)
	}
	if b, _ := stripQuoted(text, false); strings.Contains(b, "Your order is confirmed.") {
		t.Errorf("a reply kept the history: %q", b)
	}
}

// The reply bodies of github/email_reply_parser, stored as the project
// tests them (some still quoted-printable encoded).
func TestStripQuotedReplyParserFixtures(t *testing.T) {
	tests := map[string]struct{ body, notIn string }{
		"quote_reply_german.txt":                      {"This is a reply with German quote", "Hello this is a test"},
		"quote_reply_german_multiline.txt":            {"This is a reply with German quote multiline", "schrieb"},
		"quote_reply_french.txt":                      {"This is a reply with French quote", "a écrit"},
		"quote_reply_french_multiline.txt":            {"This is a reply with French quote multiline", "a écrit"},
		"quote_reply_spanish_multiline.txt":           {"This is a reply with Spanish quote multiline", "escribió"},
		"gmail_danish.txt":                            {"This is text from gmail set up with danish locale", "skrev"},
		"email_2_2.txt":                               {"Outlook with a reply directly above line", "CRM Comments"},
		"email_multiline_quote_header_from_first.txt": {"I have gained valuable experience from working with students from other cultures.", "Thank you for recently participating"},
	}
	dir := filepath.Join(corpusDir, "email_reply_parser")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range entries {
		want, ok := tests[e.Name()]
		if !ok {
			continue
		}
		seen++
		t.Run(e.Name(), func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			text, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(string(raw))))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := StripQuoted(string(text))
			if !strings.HasPrefix(body, want.body) {
				t.Errorf("body = %q, want it to start with %q", body, want.body)
			}
			if strings.Contains(body, want.notIn) {
				t.Errorf("body = %q still holds %q", body, want.notIn)
			}
		})
	}
	if seen != len(tests) {
		t.Errorf("found %d of the %d reply fixtures", seen, len(tests))
	}
}
