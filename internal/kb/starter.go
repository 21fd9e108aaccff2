package kb

import "embed"

// Starter is the demo brand's starter knowledge base, one folder per
// locale, in the format kb import reads (docs/knowledge-base.md#files).
//
//go:embed starter
var Starter embed.FS
