package selfserve

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
	"quietdesk/internal/twilio"
)

// One-time codes (docs/order-help.md#one-time-codes): six digits sent to
// an address already proven for one order, which unlock all the orders of
// that address.
const (
	CodeLifetime    = 10 * time.Minute
	MaxCodeTries    = 5
	MaxCodesPerHour = 5 // codes sent to one address in an hour
	// CustomerLifetime is how long a valid code's cookie opens the orders.
	CustomerLifetime = 30 * time.Minute
)

// Code statuses.
const (
	CodeActive   = "active"
	CodeUsed     = "used"
	CodeReplaced = "replaced"
	CodeSpent    = "spent" // too many wrong tries
)

// SendCode makes a code for a, replacing its active one, and enqueues it
// in the outbox: by email, or by SMS through Twilio when a is a phone and
// Twilio is configured. brand names the sender in the message. It returns
// where the code went, as the page may say it ("d***@example.com").
func SendCode(ctx context.Context, db *store.DB, a Address, brand string, now time.Time) (string, error) {
	if a.IsEmpty() {
		return "", errNotFound()
	}
	channel := notify.ChannelEmail
	if a.Kind == "phone" {
		cfg, err := twilio.LoadConfig(ctx, db, store.SiteURLSetting)
		if err != nil {
			return "", err
		}
		if cfg.AccountSID == "" || cfg.AuthToken == "" || (cfg.From == "" && cfg.MessagingServiceSID == "") || !twilio.E164(a.Value) {
			return "", domain.Errorf(domain.EConflict, "codes cannot be sent by text message here: look your order up with the email address on it instead")
		}
		channel = notify.ChannelTwilio
	}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		secret, err := Secret(ctx, tx)
		if err != nil {
			return err
		}
		var sent int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM selfserve_codes WHERE address = ? AND created_at > ?`, a.Value, now.Add(-time.Hour).Unix()).Scan(&sent); err != nil {
			return err
		}
		if sent >= MaxCodesPerHour {
			return domain.Errorf(domain.EConflict, "%d codes were sent to this address in the last hour: use the latest one, or try again later", sent)
		}
		code, err := newCode()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE selfserve_codes SET status = ? WHERE address = ? AND status = ?`, CodeReplaced, a.Value, CodeActive); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO selfserve_codes (address, code_hash, created_at, expires_at, status) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			a.Value, codeHash(secret, a, code), now.Unix(), now.Add(CodeLifetime).Unix(), CodeActive).Scan(&id); err != nil {
			return err
		}
		text := fmt.Sprintf("Your %s code is %s. It opens all your orders for %d minutes and expires in %d minutes. If you did not ask for it, ignore this message.",
			brand, code, int(CustomerLifetime/time.Minute), int(CodeLifetime/time.Minute))
		d := notify.Delivery{Key: fmt.Sprintf("selfserve-code:%d", id), Channel: channel, Target: a.Value, Text: text}
		if channel == notify.ChannelEmail {
			d.Subject = "Your " + brand + " code: " + code
		}
		_, _, err = notify.Enqueue(ctx, tx, d, now)
		return err
	})
	if err != nil {
		return "", err
	}
	return Masked(a), nil
}

// VerifyCode checks code against a's active code at now. A wrong code
// counts a try (the count is kept even though the answer is no); the
// fifth wrong try spends the code. It reports whether the code was right;
// the error is only for a failure of the store.
func VerifyCode(ctx context.Context, db *store.DB, a Address, code string, now time.Time) (bool, string, error) {
	code = strings.Join(strings.Fields(code), "")
	var ok bool
	var why string
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		ok, why = false, ""
		secret, err := Secret(ctx, tx)
		if err != nil {
			return err
		}
		var id, expires int64
		var hash string
		var tries int
		err = tx.QueryRow(ctx, `SELECT id, code_hash, expires_at, tries FROM selfserve_codes WHERE address = ? AND status = ? ORDER BY id DESC LIMIT 1`,
			a.Value, CodeActive).Scan(&id, &hash, &expires, &tries)
		if errors.Is(err, sql.ErrNoRows) {
			why = "There is no code waiting for this address: ask for a new one."
			return nil
		}
		if err != nil {
			return err
		}
		if !now.Before(time.Unix(expires, 0)) {
			why = "This code has expired: ask for a new one."
			_, err := tx.Exec(ctx, `UPDATE selfserve_codes SET status = ? WHERE id = ?`, CodeSpent, id)
			return err
		}
		if subtle.ConstantTimeCompare([]byte(hash), []byte(codeHash(secret, a, code))) == 1 {
			ok = true
			_, err := tx.Exec(ctx, `UPDATE selfserve_codes SET status = ?, tries = tries + 1 WHERE id = ?`, CodeUsed, id)
			return err
		}
		tries++
		status := CodeActive
		why = fmt.Sprintf("That code is not right: %d tries left.", MaxCodeTries-tries)
		if tries >= MaxCodeTries {
			status, why = CodeSpent, "That code is not right, and it was the last try: ask for a new code."
		}
		_, err = tx.Exec(ctx, `UPDATE selfserve_codes SET tries = ?, status = ? WHERE id = ?`, tries, status, id)
		return err
	})
	return ok, why, err
}

// newCode is six random digits.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// codeHash is what is stored of a code: keyed by the store's secret, so
// a copy of the table alone does not give the codes away by trying all
// million.
func codeHash(secret []byte, a Address, code string) string {
	return keyed(secret, "code", a.Value, code)
}

// Masked shows an address without giving it away: d***@example.com,
// ******4567.
func Masked(a Address) string {
	if a.Kind == "email" {
		local, domain, _ := strings.Cut(a.Value, "@")
		if local == "" {
			return "***@" + domain
		}
		return local[:1] + "***@" + domain
	}
	if len(a.Value) <= 4 {
		return a.Value
	}
	return strings.Repeat("*", len(a.Value)-4) + a.Value[len(a.Value)-4:]
}
