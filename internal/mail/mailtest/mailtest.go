// Package mailtest delivers mail over SMTP as a customer's mail server
// does, for tests of the servers that receive it.
package mailtest

import "net/smtp"

// Send delivers raw from from to to in one SMTP conversation. A nil raw
// stops after RCPT TO, to see whether the recipient is accepted.
func Send(addr, from, to string, raw []byte) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	if raw != nil {
		w, err := c.Data()
		if err != nil {
			return err
		}
		if _, err := w.Write(raw); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
	return c.Quit()
}
