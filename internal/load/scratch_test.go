package load

import (
	"fmt"
	"os"
	"testing"
)

func TestScratch(t *testing.T) {
	r, err := Open(os.Getenv("SCRATCH"))
	if err != nil {
		t.Fatal(err)
	}
	_, diags := r.Load(r.Names())
	fmt.Println(diags.Error())
}
