// Package benchkit is what the `make bench` programs share: starting processes on
// loopback, reading their peak memory, medians, the machine's description, and
// rewriting one marked section of docs/BENCHMARKS.md.
package benchkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is a server started for a benchmark.
type Process struct {
	Cmd  *exec.Cmd
	Base string // http://127.0.0.1:port
	Log  string // where its stderr goes
}

// Start runs cmd (already told to listen on base's port), logging to dir/name.log,
// and waits until GET base+ready answers below 500.
func Start(cmd *exec.Cmd, dir, name, base, ready string) (*Process, error) {
	logPath := filepath.Join(dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{Cmd: cmd, Base: base, Log: logPath}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + ready)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return p, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.Stop()
	logged, _ := os.ReadFile(logPath)
	return nil, fmt.Errorf("%s did not become ready in 90s:\n%s", name, logged)
}

// Stop ends the process (SIGTERM) and waits for it.
func (p *Process) Stop() {
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	_ = p.Cmd.Wait()
}

// PeakMiB is the process's peak resident set (VmHWM), in MiB.
func (p *Process) PeakMiB() float64 {
	kb, err := VmHWM(p.Cmd.Process.Pid)
	if err != nil {
		return 0
	}
	return float64(kb) / 1024
}

// VmHWM reads a process's peak resident set size, in KiB.
func VmHWM(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// FreePort asks the kernel for an unused loopback port.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// WithDatabase returns the PostgreSQL URL raw pointing at database name.
func WithDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Median of xs (the upper one for an even count); 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// LoadAvg is /proc/loadavg's 1, 5 and 15 minute averages, as text.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// Machine describes where the figures were measured.
func Machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0]); len(f) >= 2 {
			if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%s/%s, %d CPUs (%s)%s, %s, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), model, mem,
		runtime.Version(), PGVersion())
}

// PGVersion is psql's version line.
func PGVersion() string {
	out, err := exec.Command("psql", "--version").Output()
	if err != nil {
		return "PostgreSQL"
	}
	return strings.TrimSpace(string(out))
}

// ReplaceSection rewrites the part of the document at path between
// <!-- name:begin --> and <!-- name:end --> with body (appending the section
// when it is missing); the rest of the document is kept.
func ReplaceSection(path, name, body string) error {
	begin, end := "<!-- "+name+":begin -->", "<!-- "+name+":end -->"
	section := begin + "\n" + strings.TrimRight(body, "\n") + "\n" + end + "\n"
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	doc := string(old)
	if doc == "" {
		doc = "# Benchmarks\n\nFigures measured on one machine by `make bench`; rerun it to measure yours.\n\n"
	}
	if i, j := strings.Index(doc, begin), strings.Index(doc, end); i >= 0 && j > i {
		doc = doc[:i] + section + strings.TrimPrefix(doc[j+len(end):], "\n")
	} else {
		doc = strings.TrimRight(doc, "\n") + "\n\n" + section
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}

// WriteJSON stores a benchmark's raw results (the plot is drawn from them).
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Verdict is "met" or "MISSED".
func Verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// Breakdown is one breakdown of a generated upload row: a health setting, age band,
// sex and IMD decile, each "" for none.
type Breakdown struct {
	Setting, Age, Sex, Scheme, Decile string
}

// Breakdowns is every breakdown of the given health settings by age band, sex and
// IMD decile (none included in each), in the order the upload generators write
// them: setting, then age, then sex, then decile.
func Breakdowns(settings []string) []Breakdown {
	ages := []string{"", "AGE_0_17", "AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_64", "AGE_65_74", "AGE_75_89", "AGE_90_PLUS"}
	sexes := []string{"", "FEMALE", "MALE", "OTHER_OR_NOT_STATED"}
	var out []Breakdown
	for _, hs := range settings {
		for _, age := range ages {
			for _, sex := range sexes {
				for dep := 0; dep <= 10; dep++ {
					b := Breakdown{Setting: hs, Age: age, Sex: sex}
					if dep > 0 {
						b.Scheme, b.Decile = "IMD_DECILE", strconv.Itoa(dep)
					}
					out = append(out, b)
				}
			}
		}
	}
	return out
}
