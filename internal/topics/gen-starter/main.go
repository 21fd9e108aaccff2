// Command gen-starter retrains the starter model shipped in the binary from
// the files in internal/topics/starter; `go generate ./internal/topics` runs
// it. TestStarterModelIsReproducible fails when the committed model is not
// what this produces.
package main

import (
	"fmt"
	"os"

	"quietdesk/internal/topics"
)

func main() {
	m, err := topics.TrainStarter("starter", nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-starter:", err)
		os.Exit(1)
	}
	if err := os.WriteFile("starter/starter.model", m.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen-starter:", err)
		os.Exit(1)
	}
	fmt.Printf("starter/starter.model: %d examples, %d features, %d topics\n", m.TrainedOn, len(m.Vec.Keys), len(m.Labels))
}
