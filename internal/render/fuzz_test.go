package render

import (
	"bytes"
	"math/rand"
	"regexp"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/lexecon/lexgen/internal/model/modeltest"
)

// The schema's #Printable and AWS tag value rules (schema/app.cue,
// schema/environment.cue), as Go regular expressions.
var (
	unprintable = regexp.MustCompile(`[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x{9f}\x{fffe}\x{ffff}]`)
	awsTagValue = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+@-]{0,256}$`)
)

var yamlStrings = []string{
	"yes", "no", "on", "off", "y", "n", "true", "~", "null", "", "0x10", "0o17", "1e3", ".inf", "-.nan", "012",
	`"`, "'", ": ", "- x", "# not a comment", " leading", "trailing ", "a\nb", "\t", "{a: 1}", "[1]", "*ref", "&anchor",
	"!tag", "%", "@", "`", "|", ">", "ünïcødé", "\u2028", "---", "...",
}

// checkYAMLString puts s into a ConfigMap value, a label and an annotation,
// serializes the object as lexgen does, and reads it back strictly.
func checkYAMLString(t *testing.T, s string) {
	t.Helper()
	cm := &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "x", Labels: map[string]string{"l": s}, Annotations: map[string]string{"a": s},
		},
		Data: map[string]string{"K": s},
	}
	data, err := manifest(cm)
	if err != nil {
		t.Fatal(err)
	}
	var back corev1.ConfigMap
	if err := yaml.UnmarshalStrict(data, &back); err != nil {
		t.Fatalf("%q: %v\n%s", s, err, data)
	}
	if back.Data["K"] != s || back.Labels["l"] != s || back.Annotations["a"] != s {
		t.Errorf("%q came back as %q / %q / %q\n%s", s, back.Data["K"], back.Labels["l"], back.Annotations["a"], data)
	}
}

func TestYAMLStrings(t *testing.T) {
	for _, s := range yamlStrings {
		checkYAMLString(t, s)
	}
}

func FuzzYAMLString(f *testing.F) {
	for _, s := range yamlStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || unprintable.MatchString(s) {
			t.Skip("outside #Printable, which the schema requires of free-form values")
		}
		checkYAMLString(t, s)
	})
}

// FuzzRender renders random valid environments, with the fuzzer's string in
// the free-form fields: every file must parse, and rendering twice must give
// the same bytes.
func FuzzRender(f *testing.F) {
	f.Add(int64(1), "note")
	f.Add(int64(2), "${var.x} %{ if } $(id) `id` 'q' \"q\" \\ \n")
	f.Add(int64(3), "yes")
	f.Fuzz(func(t *testing.T, seed int64, s string) {
		if !utf8.ValidString(s) || unprintable.MatchString(s) || !norm.NFC.IsNormalString(s) || utf8.RuneCountInString(s) > 256 {
			t.Skip("outside the schema's bounds for env values")
		}
		e := modeltest.Random(rand.New(rand.NewSource(seed)), "fz")
		e.App.Env["NOTE"] = s
		if awsTagValue.MatchString(s) {
			e.Tags["Note"] = s
		}
		a, err := Environment(e)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Environment(e)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != len(b) {
			t.Fatalf("%d files, then %d", len(a), len(b))
		}
		for i := range a {
			if a[i].Path != b[i].Path || !bytes.Equal(a[i].Data, b[i].Data) {
				t.Fatalf("%s differs between two renders", a[i].Path)
			}
			checkParses(t, a[i])
		}
	})
}
