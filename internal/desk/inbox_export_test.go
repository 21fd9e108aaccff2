package desk

// InboxSQL exposes the SQL of a view's page, so a test can ask each
// database how it would run it.
func InboxSQL(view string, f InboxFilter, cur InboxCursor, found []int64) (string, []any, error) {
	return inboxQuery(view, f, cur, found, DefaultInboxLimit+1)
}
