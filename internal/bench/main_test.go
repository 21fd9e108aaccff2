package bench

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The benchmarks share one working directory for the data generated once
// per run (the orders file) and the binary built once per run; TestMain
// removes it and prints the summary.
var workDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "quietdesk-bench")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workDir = dir
	code := m.Run()
	printSummary()
	os.RemoveAll(dir)
	os.Exit(code)
}

// envInt reads a positive integer from the environment, or returns def.
func envInt(name string, def int) int {
	if s := os.Getenv(name); s != "" {
		if n, err := strconv.Atoi(strings.ReplaceAll(s, "_", "")); err == nil && n > 0 {
			return n
		}
		fmt.Fprintf(os.Stderr, "bench: ignoring %s=%q (not a positive integer); using %d\n", name, s, def)
	}
	return def
}

// benchRows is the size of the import benchmarks: 1,000,000 by default,
// QUIETDESK_BENCH_ROWS to change it.
func benchRows() int { return envInt("QUIETDESK_BENCH_ROWS", 1_000_000) }

// The orders file, generated once per run.
var (
	ordersOnce sync.Once
	ordersPath string
	ordersSize int64
	ordersN    int
	ordersErr  error
)

// ordersFile returns the generic orders file of benchRows() rows and its
// row count, generating it on first use. Callers keep it out of the timer.
func ordersFile(b *testing.B) (string, int) {
	b.Helper()
	ordersOnce.Do(func() {
		ordersN = benchRows()
		ordersPath = filepath.Join(workDir, "orders.csv")
		start := time.Now()
		if ordersErr = WriteOrdersCSV(ordersPath, ordersN, 1); ordersErr != nil {
			return
		}
		fi, err := os.Stat(ordersPath)
		if err != nil {
			ordersErr = err
			return
		}
		ordersSize = fi.Size()
		fmt.Printf("bench: data: %s generic order rows in %s (%s), generated in %s\n",
			thousands(ordersN), ordersPath, megabytes(ordersSize), time.Since(start).Round(time.Millisecond))
	})
	if ordersErr != nil {
		b.Fatalf("generate the orders file: %v", ordersErr)
	}
	return ordersPath, ordersN
}

// The quietdesk binary, built once per run.
var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// quietdeskBinary builds cmd/quietdesk on first use, as cmd/quietdesk's
// tests do (CGO_ENABLED comes from the environment; make exports 0).
// Callers keep it out of the timer.
func quietdeskBinary(b *testing.B) string {
	b.Helper()
	// QUIETDESK_BENCH_BINARY measures another build (an earlier release,
	// for a before-and-after) with the same benchmark.
	if p := os.Getenv("QUIETDESK_BENCH_BINARY"); p != "" {
		return p
	}
	binaryOnce.Do(func() {
		binaryPath = filepath.Join(workDir, "quietdesk")
		build := exec.Command("go", "build", "-o", binaryPath, "quietdesk/cmd/quietdesk")
		out, err := build.CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		b.Fatal(binaryErr)
	}
	return binaryPath
}

// child is one finished subprocess: how long it ran and its resources.
type child struct {
	wall        time.Duration
	peakKB      int64 // maximum resident set size, in KiB (Linux)
	user, sys   time.Duration
	stdout, err string
}

// runChild runs cmd to completion, timing it from start to exit.
func runChild(cmd *exec.Cmd) (child, error) {
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	c := child{wall: time.Since(start), stdout: out.String(), err: errb.String()}
	if cmd.ProcessState != nil {
		c.user, c.sys = cmd.ProcessState.UserTime(), cmd.ProcessState.SystemTime()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			c.peakKB = int64(ru.Maxrss)
		}
	}
	if err != nil {
		return c, fmt.Errorf("%s: %v\nstdout: %s\nstderr: %s", strings.Join(cmd.Args, " "), err, c.stdout, c.err)
	}
	return c, nil
}

// The summary printed at the end of the run, one line per measurement.
var (
	summaryMu    sync.Mutex
	summaryLines []string
)

func summarize(format string, args ...any) {
	summaryMu.Lock()
	defer summaryMu.Unlock()
	summaryLines = append(summaryLines, fmt.Sprintf(format, args...))
}

func printSummary() {
	summaryMu.Lock()
	defer summaryMu.Unlock()
	if len(summaryLines) == 0 {
		return
	}
	fmt.Printf("\n=== Quietdesk benchmark summary (%d CPUs, GOOS=%s; wall-clock figures on a shared machine are noisy) ===\n", runtime.NumCPU(), runtime.GOOS)
	if ordersN > 0 {
		fmt.Printf("import data: %s generic order rows, %s of CSV\n", thousands(ordersN), megabytes(ordersSize))
	}
	for _, l := range summaryLines {
		fmt.Println(l)
	}
	fmt.Println()
}

// noteSkip puts a line in the summary when the benchmark is skipped (no
// PostgreSQL), since go test -bench prints skips only with -v.
func noteSkip(b *testing.B, label string) {
	b.Cleanup(func() {
		if !b.Skipped() {
			return
		}
		why := "skipped (go test -v says why)"
		if os.Getenv("QUIETDESK_TEST_PG") == "" {
			why = "skipped: QUIETDESK_TEST_PG is not set (scripts/pg-test-server.sh starts a server)"
		}
		summarize("%-28s %s", label, why)
	})
}

// thousands formats n with comma separators: 1,000,000.
func thousands[T int | int64 | float64](v T) string {
	s := strconv.FormatInt(int64(math.Round(float64(v))), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
