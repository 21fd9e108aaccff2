package web_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"quietdesk/internal/web"
)

// TestMain fails the run when a template was never executed by any test,
// as goatcounter's tests do: a page or a part of one that no test draws
// could be broken without anyone noticing. Only a full run checks, since a
// run of some tests draws only some pages.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == "" {
		missed, err := web.TemplatesNeverExecuted()
		if err != nil {
			fmt.Fprintln(os.Stderr, "templates:", err)
			code = 1
		} else if len(missed) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: no test executed these templates (file:template): %q\n", missed)
			code = 1
		}
	}
	os.Exit(code)
}
