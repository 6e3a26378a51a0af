package render

import (
	"bytes"
	"embed"
	"strconv"
	"text/template"

	"github.com/lexecon/lexgen/internal/model"
)

//go:embed scripts/*.tmpl
var scriptFS embed.FS

// scriptTemplates are the operators' scripts. Values enter them only through
// q, which is shellQuote, and only in the "values" block at the top.
var scriptTemplates = template.Must(template.New("scripts").
	Funcs(template.FuncMap{"q": shellQuote}).
	ParseFS(scriptFS, "scripts/*.tmpl"))

var scriptNames = []string{"bootstrap-platform.sh", "deploy.sh", "rollback.sh", "terraform.sh"}

func scriptFiles(e *model.Environment) ([]File, error) {
	data := struct {
		Header          string
		E               *model.Environment
		ClusterARN      string
		RequireApproval string
		AutoSync        string
		InCluster       string
		Waves           []string
	}{
		Header:          header("#", e.Source),
		E:               e,
		ClusterARN:      e.ClusterARN(),
		RequireApproval: strconv.FormatBool(e.Delivery.RequireApproval),
		AutoSync:        strconv.FormatBool(e.Delivery.AutoSync),
		InCluster:       strconv.FormatBool(e.Delivery.ArgoCD.InCluster),
		Waves:           platformWaves(e),
	}
	var files []File
	for _, name := range scriptNames {
		var b bytes.Buffer
		if err := scriptTemplates.ExecuteTemplate(&b, name+".tmpl", data); err != nil {
			return nil, err
		}
		files = append(files, File{Path: "scripts/" + name, Data: b.Bytes(), Mode: 0o755})
	}
	return files, nil
}

// platformWaves lists the platform's components by sync wave, in order:
// one string of space-separated names a wave.
func platformWaves(e *model.Environment) []string {
	var waves []string
	last := 0
	for i, c := range Platform(e) {
		if i == 0 || c.Wave != last {
			waves = append(waves, c.Name)
		} else {
			waves[len(waves)-1] += " " + c.Name
		}
		last = c.Wave
	}
	return waves
}
