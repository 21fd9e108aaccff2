// Package mail reads inbound mail: it turns a raw RFC 5322 message into
// what the desk stores (addresses, threading ids, readable text with the
// quoted history set apart, sanitised HTML, attachments, the kind of mail)
// and runs the inbound SMTP server. It never touches the database: the desk
// calls Parse and decides what becomes a conversation or a contact.
//
// Customer mail is hostile and often broken. Parse never fails and never
// panics: whatever cannot be read is named in Message.Problems and the rest
// is kept. The raw bytes are the caller's to keep.
package mail

import (
	"fmt"
	"time"
)

// The kinds of inbound mail. Only KindMessage can start a contact; the
// others are machine mail that must never be answered (no reply loops).
const (
	KindMessage   = "message"
	KindAutoReply = "auto_reply"
	KindBounce    = "bounce"
	KindList      = "list"
)

// DefaultMaxAttachmentBytes is the largest attachment whose content Parse
// keeps when Options.MaxAttachmentBytes is zero.
const DefaultMaxAttachmentBytes = 10 << 20

// Options tune Parse.
type Options struct {
	// MaxAttachmentBytes is the largest decoded attachment whose content is
	// kept (default 10 MiB). Larger attachments are listed with their name
	// and size but Content nil; the raw message still holds them.
	MaxAttachmentBytes int64
	// Now, when set, lets Parse reject a Date more than a day in the future
	// (a common spam trick that would sort the message above everything).
	Now time.Time
}

// Address is one mailbox. Addr is lower-cased so it can be compared.
type Address struct {
	Name string
	Addr string
}

// Attachment is one file carried by the message. Content is nil when the
// file is over the size limit (Size still says how big it is).
type Attachment struct {
	Name        string
	ContentType string
	Size        int64
	ContentID   string // without <>, for cid: references from the HTML
	Inline      bool   // shown inside the message (inline images)
	Content     []byte
}

// Bounce describes a delivery failure report about a message we sent.
type Bounce struct {
	OriginalMessageID string // the Message-ID of our message, without <>
	Recipient         string // the address that failed, lower-cased
	Status            string // enhanced status code, for example "5.1.1"
	Diagnostic        string // what the remote server said
	Permanent         bool   // a 5.x.x failure: retrying will not help
}

// Message is what could be read from one raw message.
type Message struct {
	From       Address
	To, Cc     []Address
	ReplyTo    []Address
	Subject    string
	Date       time.Time // zero when missing or unreadable (then a Problem)
	MessageID  string    // without <>
	InReplyTo  []string  // ids without <>
	References []string

	// Text is the whole plain text as written: the text/plain part when
	// there is one, otherwise the HTML turned into text.
	Text string
	// Body is Text without quoted history and signature: what an agent reads
	// first and what topics are classified on.
	Body string
	// Quoted is what was removed from Text to make Body.
	Quoted string
	// HTML is the HTML alternative, sanitised: safe to put in a page.
	HTML string

	Attachments []Attachment

	Kind   string  // KindMessage, KindAutoReply, KindBounce or KindList
	Bounce *Bounce // set for KindBounce

	// Problems names, in words, whatever could not be read.
	Problems []string
}

func (m *Message) problemf(format string, args ...any) {
	const maxProblems = 50 // a hostile message must not grow this without end
	if len(m.Problems) >= maxProblems {
		return
	}
	p := fmt.Sprintf(format, args...)
	for _, q := range m.Problems {
		if q == p {
			return
		}
	}
	m.Problems = append(m.Problems, p)
}
