package deploy

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"lianxi/workflows"
)

// moduleVersion reads a required module's version from go.mod ("" when
// the module is not required).
func moduleVersion(t *testing.T, module string) string {
	t.Helper()
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(module) + `\s+v(\S+)`).FindSubmatch(b)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// The Temporal images are the release lianxi embeds and tests against;
// the Web UI is the release whose server module `lianxi dev` embeds.
func TestComposeImageVersions(t *testing.T) {
	p := loadCompose(t)
	server := moduleVersion(t, "go.temporal.io/server")
	if server == "" {
		t.Fatal("go.mod does not require go.temporal.io/server")
	}
	want := map[string]string{"temporalio/server": server, "temporalio/admin-tools": server}
	if ui := moduleVersion(t, "github.com/temporalio/ui-server/v2"); ui != "" {
		want["temporalio/ui"] = ui
	}
	seen := map[string]bool{}
	for name, s := range p.Services {
		repo, tag, _ := strings.Cut(s.Image, ":")
		if v, ok := want[repo]; ok {
			seen[repo] = true
			if tag != v {
				t.Errorf("%s runs %s; go.mod has %s: use %s:%s", name, s.Image, v, repo, v)
			}
		}
		if strings.HasPrefix(repo, "temporalio/auto-setup") {
			t.Errorf("%s uses %s, which Temporal no longer recommends; set the schema up with a one-shot job", name, s.Image)
		}
	}
	for repo := range want {
		if !seen[repo] {
			t.Errorf("no service runs %s", repo)
		}
	}
}

// Every service the deployment guide's table names exists, and every
// service is in the table.
func TestDocsNameEveryService(t *testing.T) {
	p := loadCompose(t)
	b, err := os.ReadFile("../docs/deployment.md")
	if err != nil {
		t.Fatal(err)
	}
	var named []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|").FindAllStringSubmatch(string(b), -1) {
		named = append(named, m[1])
	}
	for _, n := range named {
		if _, ok := p.Services[n]; !ok {
			t.Errorf("docs/deployment.md names service %s, which docker-compose.yml lacks", n)
		}
	}
	for n := range p.Services {
		if !slices.Contains(named, n) {
			t.Errorf("service %s is not in docs/deployment.md's table", n)
		}
	}
}

// The namespace job registers exactly the search attributes the workflow
// writes, with their types.
func TestComposeSearchAttributes(t *testing.T) {
	p := loadCompose(t)
	env := p.Services["temporal-namespace"].Environment["SEARCH_ATTRIBUTES"]
	if env == nil {
		t.Fatal("temporal-namespace sets no SEARCH_ATTRIBUTES")
	}
	var want, got []string
	for name, typ := range workflows.SearchAttributes() {
		// The API's enum names are the CLI's type names (Keyword, Int, …).
		want = append(want, name+":"+typ.String())
	}
	got = strings.Fields(*env)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("compose registers %v, the workflow needs %v", got, want)
	}
}
