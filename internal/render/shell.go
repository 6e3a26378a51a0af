package render

import "strings"

// shellQuote quotes s for bash so that it is always one word with exactly
// s's bytes: inside single quotes nothing is special except the quote
// itself, which is closed, escaped and reopened. Every value from the model
// reaches a script through this function and nowhere else.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
