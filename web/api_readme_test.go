package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"gatehouse/models/modelstest"
	"gatehouse/web/webtest"
)

// TestAPIReadmeExamples runs the curl commands of the README's "Management
// API" section as written (the shell's variables filled in), in order,
// and expects each to succeed with a JSON answer.
func TestAPIReadmeExamples(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "\n## Management API\n")
	if start < 0 {
		t.Fatal("no Management API section")
	}
	section := text[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	block := section[strings.Index(section, "```sh\n")+6:]
	block = block[:strings.Index(block, "```")]
	block = strings.ReplaceAll(block, "\\\n", " ")

	app := webtest.Start(t, modelstest.SQLite(t), webtest.Options{})
	_, tn, _ := app.Owner("acme", "owner@example.com")
	app.Workspace(tn, "sales", "Sales") // the workspace of the workspace resource example
	tok := apiToken(t, app, tn, "sales", "editor_organizations", "editor_users", "editor_connections", "workspace_admin")
	vars := map[string]string{"$GATEHOUSE_TOKEN": tok, "$GATEHOUSE": strings.TrimSuffix(app.URL(""), "/")} // the longer name first
	n := 0
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "curl ") {
			continue
		}
		words, err := shellWords(line)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		method, target, body := http.MethodGet, "", ""
		header := http.Header{}
		for i := 1; i < len(words); i++ {
			w := words[i]
			w = strings.ReplaceAll(w, "$GATEHOUSE_TOKEN", vars["$GATEHOUSE_TOKEN"])
			w = strings.ReplaceAll(w, "$GATEHOUSE", vars["$GATEHOUSE"])
			switch w {
			case "-s":
			case "-X":
				i++
				method = words[i]
			case "-H":
				i++
				h := strings.ReplaceAll(words[i], "$GATEHOUSE_TOKEN", vars["$GATEHOUSE_TOKEN"])
				k, v, _ := strings.Cut(h, ":")
				header.Set(k, strings.TrimSpace(v))
			case "-d":
				i++
				body = words[i]
			default:
				target = w
			}
		}
		req, err := http.NewRequest(method, target, strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		req.Header = header
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode/100 != 2 || !json.Valid(b) {
			t.Errorf("%s\n→ %d %s", line, res.StatusCode, b)
		}
		n++
	}
	if n < 8 {
		t.Fatalf("ran %d curl commands", n)
	}
}

// shellWords splits a command line as a POSIX shell would, for the quoting
// the README uses (single and double quotes, no escapes inside them).
func shellWords(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\'' || ch == '"':
			j := strings.IndexByte(s[i+1:], ch)
			if j < 0 {
				return nil, io.ErrUnexpectedEOF
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case ch == ' ' || ch == '\t':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		case ch == '#' && !inWord:
			return out, nil
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}
