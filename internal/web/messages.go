package web

import (
	"errors"
	"net/http"

	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
)

type messagesResponse struct {
	store.Counts
	Items []recordedMessage `json:"items"`
}

// recordedMessage tells the client where a message landed and whether it
// started a contact, the number CPO counts.
type recordedMessage struct {
	MessageID      string `json:"message_id"`
	ConversationID int64  `json:"conversation_id"`
	ContactID      *int64 `json:"contact_id"` // null: outside any contact (a proactive notice)
	NewContact     bool   `json:"new_contact"`
}

// postMessages answers POST /api/v1/messages: native messages, each placed
// in a conversation by the desk's contact rules. A message id already
// recorded changes nothing and is reported unchanged.
func (s *Server) postMessages(w http.ResponseWriter, r *http.Request) error {
	recs, err := s.readBatch(r, ingest.Messages)
	if err != nil {
		return err
	}
	msgs := make([]desk.Message, len(recs))
	for i, rec := range recs {
		msgs[i] = *rec.(*desk.Message)
	}
	var recorded []desk.Recorded
	err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		var err error
		recorded, err = ingest.RecordMessages(r.Context(), tx, ingest.NewEnv(s.Now), msgs)
		return err
	})
	if err != nil {
		return itemError(err)
	}
	resp := messagesResponse{Items: make([]recordedMessage, len(recorded))}
	for i, rec := range recorded {
		if rec.Duplicate {
			resp.Unchanged++
		} else {
			resp.Created++
		}
		item := recordedMessage{MessageID: msgs[i].ExternalID, ConversationID: rec.ConversationID, NewContact: rec.NewContact}
		if rec.ContactID != 0 {
			item.ContactID = &rec.ContactID
		}
		resp.Items[i] = item
	}
	return writeJSON(w, http.StatusOK, resp)
}

// itemError names the item a recording failed on when the failure is the
// client's (a conversation_id that does not exist); anything else stays an
// internal error.
func itemError(err error) error {
	var ie *ingest.ItemError
	var de *domain.Error
	if !errors.As(err, &ie) || !errors.As(err, &de) || de.Code == domain.EInternal {
		return err
	}
	field := ""
	if de.Code == domain.ENotFound {
		field = "conversation_id"
	}
	return &domain.Error{Code: domain.EInvalid, Message: "a message could not be recorded; nothing was stored",
		Fields: []domain.FieldError{{Item: ie.Item, Field: field, Reason: de.Message}}}
}
