package proactive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
	"quietdesk/internal/selfserve"
	"quietdesk/internal/store"
)

// NoticeData is what a notice's template may use.
type NoticeData struct {
	OrderName    string   // "#1001"
	FirstName    string   // "" when unknown
	Carrier      string   // "" when unknown
	TrackingURL  string   // "" when none
	PromisedDate string   // formatted in the locale, "" when none
	StatusURL    string   // a signed order-status link (selfserve.SignLink), "" when site.url is unset
	Items        []string // "2 × Linen shirt"
	Brand        string
}

// SampleNoticeData is the order templates are checked and previewed with:
// every field set, so a template that uses any of them is exercised.
func SampleNoticeData() NoticeData {
	return NoticeData{
		OrderName:    "#1001",
		FirstName:    "Alex",
		Carrier:      "ParcelNow",
		TrackingURL:  "https://track.example/PN123456",
		PromisedDate: "Nov 20",
		StatusURL:    "https://shop.example/o/1001?sig=sample",
		Items:        []string{"2 × Linen shirt", "1 × Canvas tote"},
		Brand:        "Quietdesk Shop",
	}
}

// funcs are the few helpers a template may call beyond text/template's own.
var funcs = template.FuncMap{
	"join": strings.Join, // {{join .Items ", "}}
}

func parse(name, text string) (*template.Template, error) {
	return template.New(name).Funcs(funcs).Option("missingkey=error").Parse(text)
}

func execute(t *template.Template, d NoticeData) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Render fills a template's subject and body with an order's data. The
// result is plain text (email bodies are sent as text, not HTML); the
// subject is folded onto one line so it can never add a mail header.
func Render(t Template, d NoticeData) (subject, body string, err error) {
	if t.Subject != "" {
		st, err := parse("subject", t.Subject)
		if err != nil {
			return "", "", fmt.Errorf("%s/%s subject: %s", t.Channel, t.Locale, templateReason(err))
		}
		if subject, err = execute(st, d); err != nil {
			return "", "", fmt.Errorf("%s/%s subject: %s", t.Channel, t.Locale, templateReason(err))
		}
		subject = strings.Join(strings.Fields(subject), " ")
	}
	bt, err := parse("body", t.Body)
	if err != nil {
		return "", "", fmt.Errorf("%s/%s body: %s", t.Channel, t.Locale, templateReason(err))
	}
	if body, err = execute(bt, d); err != nil {
		return "", "", fmt.Errorf("%s/%s body: %s", t.Channel, t.Locale, templateReason(err))
	}
	return subject, strings.TrimSpace(body), nil
}

// CheckTemplates parses each template and runs it on SampleNoticeData, so
// a typo is refused when the rule is saved rather than when a notice is
// due. Each broken one is named by its field (templates[i].subject or
// .body), with its channel, locale, line and the reason.
func CheckTemplates(ts []Template) error {
	var p domain.Problems
	for i, t := range ts {
		for _, part := range []struct{ name, text string }{{"subject", t.Subject}, {"body", t.Body}} {
			if part.text == "" {
				continue
			}
			pt, err := parse(part.name, part.text)
			if err == nil {
				_, err = execute(pt, SampleNoticeData())
			}
			if err != nil {
				p.Add(fmt.Sprintf("templates[%d].%s", i, part.name), "%s/%s %s", t.Channel, t.Locale, templateReason(err))
			}
		}
	}
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "a template does not work: fix the line named (fields: .OrderName .FirstName .Carrier .TrackingURL .PromisedDate .StatusURL .Items .Brand)", Fields: p}
	}
	return nil
}

// templateErr matches text/template's messages, parse and execution alike:
// "template: body:2: function \"orderr\" not defined" and
// "template: body:1:3: executing \"body\" at <.Ordr>: can't evaluate field Ordr in type proactive.NoticeData".
var templateErr = regexp.MustCompile(`^template: [^:]*:(\d+)(?::\d+)?: (?:executing "[^"]*" at <[^>]*>: )?(.*)$`)

// templateReason turns text/template's error into "line N: reason".
func templateReason(err error) string {
	msg := err.Error()
	m := templateErr.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	reason := strings.TrimSuffix(m[2], " in type proactive.NoticeData")
	return "line " + m[1] + ": " + reason
}

// StatusLinkLifetime is how long a notice's order-status link works.
const StatusLinkLifetime = 60 * 24 * time.Hour

// Reader reads rows and settings: a *store.DB or a *store.Tx.
type Reader interface {
	Querier
	Setting(ctx context.Context, key string) (string, error)
}

// OrderNoticeData is a stored order's NoticeData in a locale, as a notice
// about it would read: the promised date in the store's time zone, the
// status link signed for the customer's email when site.url is set and
// self-service has its secret. It writes nothing.
func OrderNoticeData(ctx context.Context, q Reader, orderExternalID, locale string, now time.Time) (NoticeData, error) {
	var d NoticeData
	var orderID int64
	var name, fullName, email string
	var promised sql.NullInt64
	err := q.QueryRow(ctx, `SELECT o.id, o.name, o.external_id, o.carrier, o.promised_delivery_at, COALESCE(c.name, ''),
			COALESCE((SELECT MIN(i.value) FROM customer_identities i WHERE i.customer_id = o.customer_id AND i.kind = 'email'), '')
		FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE o.external_id = ? OR o.name = ? ORDER BY o.id LIMIT 1`,
		orderExternalID, orderExternalID).Scan(&orderID, &name, &d.OrderName, &d.Carrier, &promised, &fullName, &email)
	if errors.Is(err, sql.ErrNoRows) {
		return d, domain.Errorf(domain.ENotFound, "no order %q: give an order's id or name as imported (e.g. #1001)", orderExternalID)
	}
	if err != nil {
		return d, err
	}
	if name != "" {
		d.OrderName = name
	}
	if f := strings.Fields(fullName); len(f) > 0 {
		d.FirstName = f[0]
	}
	loc, err := store.TimeZone(ctx, q)
	if err != nil {
		return d, err
	}
	if promised.Valid {
		d.PromisedDate = FormatDate(time.Unix(promised.Int64, 0).In(loc), locale)
	}
	rows, err := q.Query(ctx, `SELECT quantity, product, sku FROM order_lines WHERE order_id = ? ORDER BY line_key`, orderID)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	for rows.Next() {
		var qty int64
		var product, sku string
		if err := rows.Scan(&qty, &product, &sku); err != nil {
			return d, err
		}
		if product == "" {
			product = sku
		}
		d.Items = append(d.Items, strconv.FormatInt(qty, 10)+" × "+product)
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	if d.Brand, err = q.Setting(ctx, kb.SettingHelpName); err != nil {
		return d, err
	}
	site, err := q.Setting(ctx, store.SiteURLSetting)
	if err != nil {
		return d, err
	}
	if d.Brand == "" {
		if u, err := url.Parse(site); err == nil {
			d.Brand = u.Host
		}
	}
	if site != "" && email != "" {
		secret, err := selfserve.ExistingSecret(ctx, q)
		if err != nil {
			return d, err
		}
		if secret != nil {
			d.StatusURL = strings.TrimRight(site, "/") + selfserve.SignLink(secret, d.OrderName, email, now.Add(StatusLinkLifetime))
		}
	}
	return d, nil
}

var monthsFR = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// FormatDate writes a day as a notice in the locale says it: "November 20"
// in English, "20 novembre" in French.
func FormatDate(t time.Time, locale string) string {
	if strings.HasPrefix(locale, "fr") {
		return strconv.Itoa(t.Day()) + " " + monthsFR[t.Month()-1]
	}
	return t.Format("January 2")
}
