package web

import (
	"errors"
	"io"
	"net/http"

	"quietdesk/internal/domain"
	"quietdesk/internal/hooks"
	"quietdesk/internal/social"
)

// socialRoutes take messages from social and messaging bridges in one
// signed format (docs/webhooks.md#inbound).
func (s *Server) socialRoutes() []route {
	// A bridge posts each message as it comes, from one or a few
	// addresses: room for a busy account's bursts, not for a flood.
	return []route{
		{"POST /webhooks/social", s.limitSource("social webhook", webhookPerSecond, webhookBurst, s.handle(s.postSocial)), false},
	}
}

// postSocial records one bridge's message: 401 for a missing or wrong
// signature, 400 for a stale timestamp or a bad body (naming the field),
// 403 when the webhook is off or the account is not the brand's; nothing
// is stored on any of them. The same event id again answers 200 with
// duplicate true and changes nothing.
func (s *Server) postSocial(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, social.MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return domain.Errorf(domain.EInvalid, "the body is over %d KiB: send one message per request, with attachments as links", social.MaxBody>>10)
		}
		return err
	}
	res, err := social.Receive(r.Context(), s.db, s.Now(), social.Request{
		Timestamp: r.Header.Get(hooks.HeaderTimestamp), Signature: r.Header.Get(hooks.HeaderSignature), Body: body})
	if err != nil {
		// Logged without the body, the secret or the signature.
		if code := domain.ErrorCode(err); code != domain.EInternal {
			s.log.Warn("social webhook refused", "status", statusOf(code), "from", s.clientIP(r), "err", err)
		}
		return err
	}
	s.log.Info("social message", "platform", res.Platform, "event", res.EventID, "conversation", res.ConversationID, "message", res.MessageID, "duplicate", res.Duplicate)
	return writeJSON(w, http.StatusOK, res)
}
