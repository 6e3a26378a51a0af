package golden

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/lexecon/lexgen/internal/load"
)

// credentials are patterns of secret material that must never be rendered.
var credentials = map[string]*regexp.Regexp{
	"AWS access key id":      regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`),
	"AWS secret access key":  regexp.MustCompile(`(?i)aws_secret_access_key|secret_key\s*=`),
	"private key":            regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),
	"password in a URL":      regexp.MustCompile(`[a-z][a-z0-9+.-]*://[^/\s:@{}'"]+:[^/\s@{}'"]+@`),
	"password assignment":    regexp.MustCompile(`(?i)(password|passwd|secret|token)["']?\s*[:=]\s*["']?[A-Za-z0-9+/=_-]{6,}`),
	"bearer or basic header": regexp.MustCompile(`(?i)authorization:\s*(bearer|basic)\s+\S+`),
}

// scan returns the kinds of credential found in data.
func scan(data []byte) []string {
	var found []string
	for what, re := range credentials {
		if re.Match(data) {
			found = append(found, what)
		}
	}
	return found
}

func TestScannerFindsCredentials(t *testing.T) {
	for what, sample := range map[string]string{
		"AWS access key id":      "key: AKIAIOSFODNN7EXAMPLE\n",
		"AWS secret access key":  "aws_secret_access_key = wJalrXUtnFEMI\n",
		"private key":            "-----BEGIN RSA PRIVATE KEY-----\n",
		"password in a URL":      "DATABASE_URL: postgresql://lexecon:hunter2@db:5432/lexecon\n",
		"password assignment":    "DB_PASSWORD: hunter2hunter2\n",
		"bearer or basic header": "Authorization: Bearer abc.def\n",
	} {
		found := scan([]byte(sample))
		if len(found) == 0 || !strings.Contains(strings.Join(found, ","), what) {
			t.Errorf("%s not found in %q (found %v)", what, sample, found)
		}
	}
	// The External Secrets template names the password without holding it.
	if found := scan([]byte(`postgresql://{{ $m.username | urlquery }}:{{ $m.password | urlquery }}@{{ .db_host }}`)); len(found) > 0 {
		t.Errorf("a template was taken for a credential: %v", found)
	}
}

// TestNoSecretInOutput scans every file lexgen renders, in out/ and in the
// golden trees, and checks that no ConfigMap carries a secret's key.
func TestNoSecretInOutput(t *testing.T) {
	n := 0
	for _, dir := range []string{filepath.Join(repoRoot, "out"), "render"} {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.Contains(p, string(filepath.Separator)+"envs"+string(filepath.Separator)) {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			n++
			if found := scan(data); len(found) > 0 {
				t.Errorf("%s holds what looks like a credential: %v", p, found)
			}
			if filepath.Base(p) == "configmap.yaml" {
				var cm struct{ Data map[string]string }
				if err := yaml.Unmarshal(data, &cm); err != nil {
					t.Fatal(err)
				}
				for k := range cm.Data {
					if k == "DATABASE_URL" || strings.Contains(k, "API_KEY") {
						t.Errorf("%s carries %s", p, k)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 50 {
		t.Errorf("scanned only %d files", n)
	}
}

// secretFieldName matches model fields whose name suggests a secret value.
var secretFieldName = regexp.MustCompile(`(?i)password|passwd|secret|token|credential|private|apikey|api_key`)

// referenceOnly lists the model's fields whose names match but that hold
// only names of secrets, never values.
var referenceOnly = map[string]string{
	"secrets":                  "the references below",
	"secrets.apiKeys":          "the keys' names in Secrets Manager",
	"secrets.refreshInterval":  "how often External Secrets re-reads them",
	"platform.externalSecrets": "the External Secrets Operator's Helm chart: repository, name and version",
}

// TestSchemaHasNoSecretValueField walks every field of every environment:
// none may be able to hold a secret value.
func TestSchemaHasNoSecretValueField(t *testing.T) {
	r, err := load.Open(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	envs, ds := r.Load(r.Names())
	if ds != nil {
		t.Fatal(ds)
	}
	for _, e := range envs {
		raw, _ := json.Marshal(e)
		var m any
		json.Unmarshal(raw, &m)
		var walk func(path string, v any)
		walk = func(path string, v any) {
			obj, ok := v.(map[string]any)
			if !ok {
				return
			}
			for k, c := range obj {
				p := strings.TrimPrefix(path+"."+k, ".")
				if secretFieldName.MatchString(k) {
					if _, ok := referenceOnly[p]; !ok && !strings.HasPrefix(path, "app.env") && !strings.HasPrefix(path, "tags") {
						t.Errorf("%s: field %s could carry a secret value", e.Name, p)
					}
				}
				walk(p, c)
			}
		}
		walk("", m)
	}
}
