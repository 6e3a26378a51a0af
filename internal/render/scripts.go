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

var scriptNames = []string{"deploy.sh", "rollback.sh", "terraform.sh"}

func scriptFiles(e *model.Environment) ([]File, error) {
	data := struct {
		Header          string
		E               *model.Environment
		ClusterARN      string
		RequireApproval string
		AutoSync        string
	}{
		Header:          header("#", e.Source),
		E:               e,
		ClusterARN:      e.ClusterARN(),
		RequireApproval: strconv.FormatBool(e.Delivery.RequireApproval),
		AutoSync:        strconv.FormatBool(e.Delivery.AutoSync),
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
