package proactive

import (
	"context"
	"errors"
	"time"

	"quietdesk/internal/store"
)

// DefaultsAuthor is who the rule changes name for the default rules.
const DefaultsAuthor = "quietdesk defaults"

// Shared pieces of the default texts. A text names nothing the order may
// lack: each optional field sits inside {{if}}.
const (
	hiEN    = `Hi{{if .FirstName}} {{.FirstName}}{{end}},`
	hiFR    = `Bonjour{{if .FirstName}} {{.FirstName}}{{end}},`
	linkEN  = `{{if .StatusURL}} {{.StatusURL}}{{end}}`
	linkFR  = `{{if .StatusURL}} {{.StatusURL}}{{end}}`
	itemsEN = `{{if .Items}}
Your order:{{range .Items}}
- {{.}}{{end}}
{{end}}`
	itemsFR = `{{if .Items}}
Votre commande :{{range .Items}}
- {{.}}{{end}}
{{end}}`
	statusEN = `{{if .StatusURL}}
Where your order is now: {{.StatusURL}}
{{end}}`
	statusFR = `{{if .StatusURL}}
Où en est votre commande : {{.StatusURL}}
{{end}}`
	carrierEN = `{{if .Carrier}}It is with {{.Carrier}}{{if .TrackingURL}}: {{.TrackingURL}}{{end}}.
{{end}}`
	carrierFR = `{{if .Carrier}}Elle est chez {{.Carrier}}{{if .TrackingURL}} : {{.TrackingURL}}{{end}}.
{{end}}`
)

// texts is one rule's default text on each channel in one locale.
type texts struct{ subject, email, sms, whatsapp, chat string }

func (t texts) templates(locale string) []Template {
	return []Template{
		{Channel: "email", Locale: locale, Subject: t.subject, Body: t.email},
		{Channel: "sms", Locale: locale, Body: t.sms},
		{Channel: "whatsapp", Locale: locale, Body: t.whatsapp},
		{Channel: "chat", Locale: locale, Body: t.chat},
	}
}

var defaultTexts = []struct {
	kind   string
	en, fr texts
}{
	{KindLateShipment, texts{
		subject: `Your order {{.OrderName}} is running late`,
		email: hiEN + `

Your order {{.OrderName}}{{if .PromisedDate}}, due by {{.PromisedDate}},{{end}} has not arrived yet. We are sorry for the wait.
` + carrierEN + `
We are keeping an eye on it and will write again if anything changes. There is nothing you need to do.
` + statusEN + `
{{.Brand}}`,
		sms:      `{{.Brand}}: sorry, order {{.OrderName}} is running late. We're on it, nothing to do on your side.` + linkEN,
		whatsapp: hiEN + ` your order {{.OrderName}} from {{.Brand}} is running late, sorry for the wait. We're keeping an eye on it and will tell you if anything changes.` + linkEN,
		chat:     `Sorry, your order {{.OrderName}} is running late. We're keeping an eye on it and will let you know if anything changes.` + linkEN,
	}, texts{
		subject: `Votre commande {{.OrderName}} a du retard`,
		email: hiFR + `

Votre commande {{.OrderName}}{{if .PromisedDate}}, prévue pour le {{.PromisedDate}},{{end}} n'est pas encore arrivée. Nous sommes désolés de cette attente.
` + carrierFR + `
Nous la suivons de près et vous écrirons si quelque chose change. Vous n'avez rien à faire.
` + statusFR + `
{{.Brand}}`,
		sms:      `{{.Brand}} : désolés, la commande {{.OrderName}} a du retard. Nous la suivons, rien à faire de votre côté.` + linkFR,
		whatsapp: hiFR + ` votre commande {{.OrderName}} chez {{.Brand}} a du retard, désolés pour l'attente. Nous la suivons et vous dirons si quelque chose change.` + linkFR,
		chat:     `Désolés, votre commande {{.OrderName}} a du retard. Nous la suivons et vous dirons si quelque chose change.` + linkFR,
	}},
	{KindCarrierException, texts{
		subject: `A problem with the delivery of order {{.OrderName}}`,
		email: hiEN + `

{{if .Carrier}}{{.Carrier}}{{else}}The carrier{{end}} told us about a problem delivering your order {{.OrderName}}. We are sorry.
We are sorting it out with them and will write within one working day to say what happens next: a new delivery or a replacement. You do not need to contact us.
` + statusEN + `
{{.Brand}}`,
		sms:      `{{.Brand}}: sorry, delivery of order {{.OrderName}} hit a problem. We're on it and will write within 1 working day.` + linkEN,
		whatsapp: hiEN + ` the carrier told us about a problem delivering your order {{.OrderName}} from {{.Brand}}. Sorry! We're sorting it out and will write within one working day with what happens next.` + linkEN,
		chat:     `Sorry, the carrier hit a problem delivering your order {{.OrderName}}. We're sorting it out and will write within one working day.` + linkEN,
	}, texts{
		subject: `Un problème de livraison pour la commande {{.OrderName}}`,
		email: hiFR + `

{{if .Carrier}}{{.Carrier}}{{else}}Le transporteur{{end}} nous a signalé un problème pour livrer votre commande {{.OrderName}}. Nous en sommes désolés.
Nous réglons cela avec lui et vous écrirons sous un jour ouvré pour vous dire la suite : une nouvelle livraison ou un remplacement. Vous n'avez pas besoin de nous contacter.
` + statusFR + `
{{.Brand}}`,
		sms:      `{{.Brand}} : désolés, la livraison de {{.OrderName}} a un souci. Nous nous en occupons, réponse sous 1 jour ouvré.` + linkFR,
		whatsapp: hiFR + ` le transporteur nous a signalé un problème pour livrer votre commande {{.OrderName}} chez {{.Brand}}. Désolés ! Nous nous en occupons et vous écrirons sous un jour ouvré.` + linkFR,
		chat:     `Désolés, le transporteur a un problème pour livrer votre commande {{.OrderName}}. Nous nous en occupons et vous écrirons sous un jour ouvré.` + linkFR,
	}},
	{KindBackorder, texts{
		subject: `Part of your order {{.OrderName}} will take longer`,
		email: hiEN + `

An item in your order {{.OrderName}} is out of stock for now. We are sorry.
We will send it as soon as it is back and let you know when it ships. If you would rather not wait, reply to this email and we will refund it.
` + itemsEN + statusEN + `
{{.Brand}}`,
		sms:      `{{.Brand}}: sorry, an item in order {{.OrderName}} is out of stock. It ships when back, or reply for a refund.` + linkEN,
		whatsapp: hiEN + ` an item in your order {{.OrderName}} from {{.Brand}} is out of stock for now, sorry. We'll ship it as soon as it's back. Rather not wait? Reply and we'll refund it.` + linkEN,
		chat:     `Sorry, an item in your order {{.OrderName}} is out of stock for now. We'll ship it as soon as it's back, or refund it if you'd rather not wait.` + linkEN,
	}, texts{
		subject: `Une partie de votre commande {{.OrderName}} prendra plus de temps`,
		email: hiFR + `

Un article de votre commande {{.OrderName}} est en rupture de stock pour le moment. Nous en sommes désolés.
Nous l'enverrons dès son retour et vous préviendrons à l'expédition. Si vous préférez ne pas attendre, répondez à cet e-mail et nous le rembourserons.
` + itemsFR + statusFR + `
{{.Brand}}`,
		sms:      `{{.Brand}} : désolés, un article de {{.OrderName}} est en rupture. Envoi dès son retour, ou répondez pour être remboursé.` + linkFR,
		whatsapp: hiFR + ` un article de votre commande {{.OrderName}} chez {{.Brand}} est en rupture de stock, désolés. Nous l'enverrons dès son retour. Pas envie d'attendre ? Répondez et nous le rembourserons.` + linkFR,
		chat:     `Désolés, un article de votre commande {{.OrderName}} est en rupture de stock. Nous l'enverrons dès son retour, ou le rembourserons si vous préférez.` + linkFR,
	}},
	{KindPartialShipment, texts{
		subject: `Your order {{.OrderName}} is coming in two parts`,
		email: hiEN + `

Part of your order {{.OrderName}} is on its way; the rest will follow in a separate parcel. Sorry for the two deliveries: nothing is missing, and you will hear from us when the rest ships.
` + carrierEN + itemsEN + statusEN + `
{{.Brand}}`,
		sms:      `{{.Brand}}: order {{.OrderName}} comes in 2 parcels; the rest follows soon. Nothing is missing, sorry for the wait.` + linkEN,
		whatsapp: hiEN + ` your order {{.OrderName}} from {{.Brand}} comes in two parcels: the first is on its way, the rest follows soon. Nothing is missing, sorry for the wait.` + linkEN,
		chat:     `Your order {{.OrderName}} comes in two parcels: the first is on its way, the rest follows soon. Nothing is missing.` + linkEN,
	}, texts{
		subject: `Votre commande {{.OrderName}} arrive en deux colis`,
		email: hiFR + `

Une partie de votre commande {{.OrderName}} est en route ; le reste suivra dans un autre colis. Désolés pour ces deux livraisons : rien ne manque, et nous vous préviendrons quand le reste partira.
` + carrierFR + itemsFR + statusFR + `
{{.Brand}}`,
		sms:      `{{.Brand}} : la commande {{.OrderName}} arrive en 2 colis, le reste suit bientôt. Rien ne manque, désolés.` + linkFR,
		whatsapp: hiFR + ` votre commande {{.OrderName}} chez {{.Brand}} arrive en deux colis : le premier est en route, le reste suit bientôt. Rien ne manque, désolés pour l'attente.` + linkFR,
		chat:     `Votre commande {{.OrderName}} arrive en deux colis : le premier est en route, le reste suit bientôt. Rien ne manque.` + linkFR,
	}},
	{KindDeliveredCheck, texts{
		subject: `Did your order {{.OrderName}} arrive well?`,
		email: hiEN + `

Your order {{.OrderName}} has been delivered. We hope everything arrived well.
If anything is missing or damaged, just reply to this email and we will put it right.
` + statusEN + `
{{.Brand}}`,
		sms:      `{{.Brand}}: order {{.OrderName}} was delivered. Anything missing or damaged? Reply here and we'll put it right.`,
		whatsapp: hiEN + ` your order {{.OrderName}} from {{.Brand}} was delivered. We hope all is well! Anything missing or damaged? Reply here and we'll put it right.`,
		chat:     `Your order {{.OrderName}} was delivered. Anything missing or damaged? Tell us here and we'll put it right.`,
	}, texts{
		subject: `Votre commande {{.OrderName}} est-elle bien arrivée ?`,
		email: hiFR + `

Votre commande {{.OrderName}} a été livrée. Nous espérons que tout est arrivé en bon état.
S'il manque quelque chose ou si un article est abîmé, répondez simplement à cet e-mail et nous arrangerons cela.
` + statusFR + `
{{.Brand}}`,
		sms:      `{{.Brand}} : la commande {{.OrderName}} est livrée. Un article manque ou est abîmé ? Répondez ici, nous arrangerons cela.`,
		whatsapp: hiFR + ` votre commande {{.OrderName}} chez {{.Brand}} a été livrée. Tout va bien ? Un article manque ou est abîmé ? Répondez ici et nous arrangerons cela.`,
		chat:     `Votre commande {{.OrderName}} a été livrée. Un article manque ou est abîmé ? Dites-le-nous ici, nous arrangerons cela.`,
	}},
}

// DefaultRules returns one rule per event kind, named for its kind,
// switched off, holding out DefaultHoldoutPct of orders, with texts in
// English and French on every channel. A brand edits them from there.
func DefaultRules() []*Rule {
	out := make([]*Rule, 0, len(defaultTexts))
	for _, d := range defaultTexts {
		r := &Rule{Name: d.kind, Kind: d.kind, HoldoutPct: DefaultHoldoutPct}
		r.Templates = append(d.en.templates("en"), d.fr.templates("fr")...)
		out = append(out, r)
	}
	return out
}

// EnsureDefaultRules adds the default rules a database lacks, by name, and
// returns their names. A rule that exists is left as it is, edited or
// not, so running it again never undoes a brand's change.
func EnsureDefaultRules(ctx context.Context, tx *store.Tx, now time.Time) ([]string, error) {
	var added []string
	for _, r := range DefaultRules() {
		_, err := GetRule(ctx, tx, r.Name)
		if err == nil {
			continue
		}
		if !errors.Is(err, ErrNoRule) {
			return nil, err
		}
		if err := SaveRule(ctx, tx, r, DefaultsAuthor, now); err != nil {
			return nil, err
		}
		added = append(added, r.Name)
	}
	return added, nil
}
