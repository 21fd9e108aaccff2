package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// topics eval --real scores discovery on the real set too, in the table
// and in the JSON, with the same figures.
func TestTopicsEvalRealDiscovery(t *testing.T) {
	const starterDir = "../../internal/topics/starter"
	args := []string{"topics", "eval", "--real", "--model", starterDir + "/starter.model", "--starter-data", starterDir}
	var out measureOutput
	if r := mustRun(t, append(args, "--json")...); json.Unmarshal([]byte(r.stdout), &out) != nil {
		t.Fatalf("eval --real --json:\n%s", r.stdout)
	}
	if len(out.Discovery) != len(out.RealSources) || len(out.Discovery) < 2 {
		t.Fatalf("discovery on %d sources, the real set has %d", len(out.Discovery), len(out.RealSources))
	}
	table := mustRun(t, args...).stdout
	for i, d := range out.Discovery {
		if d.Source != out.RealSources[i].Source || d.Texts != out.RealSources[i].Test || d.Candidates != len(d.PerCandidate) ||
			d.Candidates == 0 || d.Purity <= 0 || d.Purity > 1 {
			t.Fatalf("discovery %+v", d)
		}
		for _, c := range d.PerCandidate {
			if c.Size < d.MinSize || c.Majority == "" || c.InMajority > c.Size || len(c.Terms) == 0 {
				t.Errorf("candidate %+v", c)
			}
		}
		for _, want := range []string{"== discovery on the real messages from " + d.Source + ": ", fmt.Sprintf("purity %.4f", d.Purity), strings.Join(d.PerCandidate[0].Terms, ", ")} {
			if !strings.Contains(table, want) {
				t.Errorf("eval --real has no %q:\n%s", want, table)
			}
		}
	}
}
