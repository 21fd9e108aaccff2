package domain

import "time"

// EarliestDate and LatestDate bound every date the store holds and every
// range a query asks for. Real orders, contacts and costs fall well inside;
// outside are typing errors and idioms such as 9999-12-31 for "no end",
// which would otherwise make work proportional to the calendar rather
// than to the data (a rollup of eight thousand years).
var (
	EarliestDate = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	LatestDate   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)
