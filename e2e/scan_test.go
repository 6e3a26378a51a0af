//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// allowListPath is the scanners' allow-list: every finding a scanner may
// report on the module, with the reason it is accepted.
var allowListPath = filepath.Join(repoRoot, "infrastructure", "terraform", "scanners-allow.txt")

// allowed is one line of the allow-list: a rule, the resources it fires on
// and the tfvars cases it may fire for ("*" for every case,
// "non-production" for those of a non-production tier, or case names).
type allowed struct {
	rule      string
	resources []string
	cases     []string
	reason    string
	line      int
}

// scanCase is one tfvars file the module is scanned with.
type scanCase struct {
	name, tfvars string
	production   bool
}

func (a allowed) covers(f finding, c scanCase) bool {
	if a.rule != f.rule || !slices.Contains(a.resources, f.resource) {
		return false
	}
	for _, want := range a.cases {
		if want == "*" || want == c.name || (want == "non-production" && !c.production) {
			return true
		}
	}
	return false
}

// readAllowList parses the allow-list; an entry without a reason is an
// error, so that no exception goes unexplained.
func readAllowList(t *testing.T) []allowed {
	t.Helper()
	f, err := os.Open(allowListPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var list []allowed
	var reason []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			reason = nil
		case strings.HasPrefix(line, "#"):
			reason = append(reason, strings.TrimSpace(strings.TrimPrefix(line, "#")))
		default:
			fields := strings.Fields(line)
			if len(fields) != 3 {
				t.Fatalf("%s:%d: want `rule resource cases`, got %q", allowListPath, n, line)
			}
			if len(reason) == 0 {
				t.Fatalf("%s:%d: %s has no reason: write one in the comment lines above it", allowListPath, n, fields[0])
			}
			list = append(list, allowed{fields[0], strings.Split(fields[1], ","), strings.Split(fields[2], ","), strings.Join(reason, " "), n})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return list
}

var productionTier = regexp.MustCompile(`(?m)^tier\s*=\s*"production"$`)

// scanCases are the tfvars the scanners check the module with: every
// environment's and every golden case's, sorted by name.
func scanCases(t *testing.T) []scanCase {
	t.Helper()
	paths := map[string]string{}
	for _, env := range environments(t) {
		paths[env] = filepath.Join(repoRoot, "out", env, "terraform", env+".tfvars")
	}
	golden, err := filepath.Glob(filepath.Join(repoRoot, "golden", "render", "*", "out", "*", "terraform", "*.tfvars"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range golden {
		rel, _ := filepath.Rel(filepath.Join(repoRoot, "golden", "render"), p)
		parts := strings.Split(rel, string(filepath.Separator)) // case/out/env/terraform/env.tfvars
		paths["golden/"+parts[0]+"/"+parts[2]] = p
	}
	if len(paths) < 4 {
		t.Fatalf("only %d tfvars to scan with", len(paths))
	}
	var cases []scanCase
	for name, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, scanCase{name, p, productionTier.Match(data)})
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].name < cases[j].name })
	return cases
}

// finding is one scanner result, reduced to what the allow-list matches.
type finding struct {
	rule, resource, severity, description, location string
}

func (f finding) String() string {
	return fmt.Sprintf("%s %s on %s (%s): %s", f.severity, f.rule, f.resource, f.location, f.description)
}

func tfsecBin(t *testing.T) string {
	t.Helper()
	p := cacheDir("tfsec", "bin", "tfsec")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is missing: run make e2e, which builds it from tools/tfsec", p)
	}
	return p
}

// tfsecScan runs tfsec over a module folder with one tfvars file, offline,
// and returns every finding (none are excluded: the allow-list is applied
// by the caller, so that a stale entry can be seen).
func tfsecScan(t *testing.T, dir, tfvars string) []finding {
	t.Helper()
	out, errOut, err := run(t, dir, []string{"TFSEC_NO_UPDATE_CHECK=1"}, tfsecBin(t), ".",
		"--tfvars-file", tfvars, "--format", "json", "--no-color", "--soft-fail", "--no-module-downloads",
		"--include-passed=false", "--disable-grouping")
	if err != nil {
		t.Fatalf("tfsec: %v\n%s", err, errOut)
	}
	var res struct {
		Results []struct {
			RuleID      string `json:"long_id"`
			Description string `json:"description"`
			Severity    string `json:"severity"`
			Resource    string `json:"resource"`
			Location    struct {
				Filename  string `json:"filename"`
				StartLine int    `json:"start_line"`
			} `json:"location"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("tfsec output: %v\n%s\n%s", err, out, errOut)
	}
	var fs []finding
	for _, r := range res.Results {
		fs = append(fs, finding{r.RuleID, r.Resource, r.Severity, r.Description,
			fmt.Sprintf("%s:%d", filepath.Base(r.Location.Filename), r.Location.StartLine)})
	}
	return fs
}

// unexplained returns the findings the allow-list does not cover, and marks
// the entries that covered something.
func unexplained(fs []finding, list []allowed, c scanCase, used map[int]bool) []finding {
	var out []finding
	for _, f := range fs {
		ok := false
		for _, a := range list {
			if a.covers(f, c) {
				used[a.line] = true
				ok = true
			}
		}
		if !ok {
			out = append(out, f)
		}
	}
	return out
}

// TestTfsecFindsNothingUnexplained scans the module with every
// environment's and golden case's tfvars: a finding must be on the
// allow-list, and every entry of the allow-list must still be needed.
func TestTfsecFindsNothingUnexplained(t *testing.T) {
	list := readAllowList(t)
	if len(list) > 6 {
		t.Errorf("%d exceptions on the allow-list: fix the module rather than allow more than a handful", len(list))
	}
	used := map[int]bool{}
	dir := module(t)
	productionScanned := false
	for _, c := range scanCases(t) {
		productionScanned = productionScanned || c.production
		fs := tfsecScan(t, dir, c.tfvars)
		bad := unexplained(fs, list, c, used)
		for _, f := range bad {
			t.Errorf("%s: %s", c.name, f)
		}
		t.Logf("%s: %d findings, %d not on the allow-list", c.name, len(fs), len(bad))
	}
	if !productionScanned {
		t.Error("no production-tier tfvars scanned")
	}
	for _, a := range list {
		if !used[a.line] {
			t.Errorf("%s:%d: %s on %v no longer fires for %v: remove it", allowListPath, a.line, a.rule, a.resources, a.cases)
		}
	}
}

// TestTfsecCatchesAPlantedWeakness plants insecure settings in a copy of the
// module, one at a time, and requires tfsec to report each (and the
// allow-list not to excuse it): the scan above can fail.
func TestTfsecCatchesAPlantedWeakness(t *testing.T) {
	list := readAllowList(t)
	staging := scanCase{"staging", filepath.Join(repoRoot, "out", "staging", "terraform", "staging.tfvars"), false}
	for _, p := range []struct {
		file, from, to, rule string
	}{
		{"eks.tf", `http_tokens                 = "required"`, `http_tokens                 = "optional"`, "aws-ec2-enforce-launch-config-http-token-imds"},
		{"rds.tf", `publicly_accessible    = false`, `publicly_accessible    = true`, "aws-rds-no-public-db-access"},
		{"kms.tf", `enable_key_rotation     = true`, `enable_key_rotation     = false`, "aws-kms-auto-rotate-keys"},
	} {
		t.Run(p.rule, func(t *testing.T) {
			dir := module(t)
			path := filepath.Join(dir, p.file)
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(src), p.from) {
				t.Fatalf("%s no longer holds %q: update this test", p.file, p.from)
			}
			bad := strings.Replace(string(src), p.from, p.to, 1)
			if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
			fs := unexplained(tfsecScan(t, dir, staging.tfvars), list, staging, map[int]bool{})
			var rules []string
			for _, f := range fs {
				rules = append(rules, f.rule)
			}
			if !regexp.MustCompile(`(^| )` + regexp.QuoteMeta(p.rule) + `( |$)`).MatchString(strings.Join(rules, " ")) {
				t.Errorf("tfsec did not report %s for %s -> %s; unexplained findings: %v", p.rule, p.from, p.to, fs)
			}
		})
	}
}

// TestTfsecHoldsProductionToMore opens the production EKS API to the world
// in a copy of production's tfvars (what the schema policy refuses): the
// allow-list's non-production entries must not excuse it.
func TestTfsecHoldsProductionToMore(t *testing.T) {
	list := readAllowList(t)
	src, err := os.ReadFile(filepath.Join(repoRoot, "out", "production", "terraform", "production.tfvars"))
	if err != nil {
		t.Fatal(err)
	}
	open := regexp.MustCompile(`(?m)^(cluster_endpoint_public_access\s*=\s*)false$`)
	if !open.Match(src) {
		t.Fatal("production's tfvars no longer keep the endpoint private: update this test")
	}
	p := filepath.Join(t.TempDir(), "production.tfvars")
	if err := os.WriteFile(p, open.ReplaceAll(src, []byte("${1}true")), 0o644); err != nil {
		t.Fatal(err)
	}
	c := scanCase{"production", p, productionTier.Match(src)}
	if !c.production {
		t.Fatal("production's tfvars are not of the production tier")
	}
	fs := unexplained(tfsecScan(t, module(t), p), list, c, map[int]bool{})
	found := false
	for _, f := range fs {
		found = found || f.rule == "aws-eks-no-public-cluster-access-to-cidr"
	}
	if !found {
		t.Errorf("a production API open to 0.0.0.0/0 passed the scan; unexplained findings: %v", fs)
	}
}
