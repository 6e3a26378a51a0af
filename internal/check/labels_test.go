package check

import (
	"math/rand"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/lexecon/lexgen/internal/model/modeltest"
	"github.com/lexecon/lexgen/internal/render"
)

// TestLongestNamesMakeValidLabels: with the longest environment name, the
// longest service the name checks accept beside it and the longest image
// tag the schema accepts, every label value lexgen renders is one
// Kubernetes accepts (at most 63 characters, alphanumeric at both ends).
func TestLongestNamesMakeValidLabels(t *testing.T) {
	e := modeltest.Random(rand.New(rand.NewSource(1)), "abcdefghijklmnopqrstuvw1")   // 24, the schema's most
	e.Service = strings.Repeat("s", maxAppName()-1-len(e.Name))                      // "<service>-<name>" at its most
	e.App.Image.Tag = "0.9.0-rc." + strings.Repeat("a", 63-len("0.9.0-rc.")-1) + "1" // 63, the schema's most
	e.Tags = nil
	for _, f := range Environment(e) {
		if !f.Warning {
			t.Fatalf("the longest names are refused: %s: %s", f.Path, f.Message)
		}
	}
	files, err := render.Environment(e)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if m, ok := c.(map[string]any); ok && (k == "labels" || k == "matchLabels") {
					for lk, lv := range m {
						s, _ := lv.(string)
						for _, msg := range validation.IsValidLabelValue(s) {
							t.Errorf("%s: label %s=%q: %s", path, lk, s, msg)
						}
						checked++
					}
				}
				walk(path+"."+k, c)
			}
		case []any:
			for _, c := range x {
				walk(path, c)
			}
		}
	}
	for _, f := range files {
		if !strings.HasSuffix(f.Path, ".yaml") {
			continue
		}
		for _, doc := range strings.Split(string(f.Data), "\n---\n") {
			var v any
			if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
				t.Fatalf("%s: %v", f.Path, err)
			}
			walk(f.Path, v)
		}
	}
	if checked < 20 {
		t.Fatalf("only %d label values found", checked)
	}
	t.Logf("%d label values checked", checked)
}
