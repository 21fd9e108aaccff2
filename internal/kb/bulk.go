package kb

import "quietdesk/internal/domain"

// Bulk loaders (the demo store) insert new sessions many rows per statement
// with ids they reserved. These give them exactly the columns and values
// UpsertSessions stores; internal/demo's TestBulkMatchesNormalWrites holds
// the two paths together.

// SessionColumns are the columns of SessionRow, in its order.
func SessionColumns() []string {
	return append([]string{"id", "external_id"}, append(sessionTable.Columns, "row_hash")...)
}

// SessionRow is the row UpsertSessions inserts for the new session s of
// customer customerID (0 for none), about the stored order orderID (0 when
// s names no order or one that is not stored), under id.
func SessionRow(id int64, s *Session, customerID, orderID int64) []any {
	var cust, order any
	if customerID != 0 {
		cust = customerID
	}
	if orderID != 0 {
		order = orderID
	}
	// The same fingerprint as UpsertSessions.
	h := domain.Hash(s.StartedAt, s.Outcome, customerID, s.OrderExternalID, orderID, s.Kind, s.Topic, s.Article)
	return []any{id, s.ExternalID, s.StartedAt.Unix(), s.Outcome, cust, order, s.Kind, s.Topic, s.Article, h}
}
