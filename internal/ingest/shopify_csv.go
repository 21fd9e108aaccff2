package ingest

import (
	"bufio"
	"bytes"
)

// headerDelimiter is the field separator of a file, read from its header
// line: a comma, or a semicolon when the header has more of them outside
// quotes. Spreadsheets in locales whose decimal mark is a comma (most of
// Europe) save "CSV" with semicolons, and a brand's export re-saved there
// must import as it is (docs/import.md#other-tools-exports). Only the
// header decides: a value may hold either character.
func headerDelimiter(br *bufio.Reader) rune {
	head, _ := br.Peek(64 << 10)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	commas, semicolons := 0, 0
	quoted := false
	for _, b := range head {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == ',':
			commas++
		case b == ';':
			semicolons++
		}
	}
	if semicolons > commas {
		return ';'
	}
	return ','
}
