package kb

import (
	"context"
	"sync"
	"weak"

	"quietdesk/internal/store"
)

// Each process keeps one index per database, and checks the knowledge
// base's revision (one row) on every search: a change written by any
// process raises it, and the next search rebuilds (docs/search.md#the-index).

type cacheEntry struct {
	mu  sync.Mutex // one build at a time: searches that find it stale wait for it
	idx *index
}

var (
	cacheMu sync.Mutex
	caches  = map[weak.Pointer[store.DB]]*cacheEntry{}
)

// entryFor is a database's cache entry, forgetting closed-and-collected
// databases' entries.
func entryFor(db *store.DB) *cacheEntry {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	key := weak.Make(db)
	e := caches[key]
	if e == nil {
		for k := range caches {
			if k.Value() == nil {
				delete(caches, k)
			}
		}
		e = &cacheEntry{}
		caches[key] = e
	}
	return e
}

// indexOf is the index of what q reads, at its current revision. Inside a
// transaction that wrote, the revision may never commit: such an index is
// used for that search only, never kept.
func indexOf(ctx context.Context, q Querier) (*index, error) {
	rev, err := Revision(ctx, q)
	if err != nil {
		return nil, err
	}
	var db *store.DB
	keep := false
	switch v := q.(type) {
	case *store.DB:
		db, keep = v, true
	case *store.Tx:
		db = v.DB()
	}
	if db == nil {
		return loadIndex(ctx, q, rev)
	}
	e := entryFor(db)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.idx != nil && e.idx.revision == rev {
		return e.idx, nil
	}
	idx, err := loadIndex(ctx, q, rev)
	if err != nil {
		return nil, err
	}
	if keep {
		e.idx = idx
	}
	return idx, nil
}

// loadIndex reads every article and synonym group and indexes them.
func loadIndex(ctx context.Context, q Querier, rev int64) (*index, error) {
	arts, err := List(ctx, q, Filter{})
	if err != nil {
		return nil, err
	}
	groups, err := ListSynonyms(ctx, q, "")
	if err != nil {
		return nil, err
	}
	return buildIndex(rev, arts, groups, false), nil
}
