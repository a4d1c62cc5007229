package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// exampleEnv is deploy/.env.example, as compose would read deploy/.env.
func exampleEnv(t *testing.T) map[string]string {
	t.Helper()
	env, err := dotenv.Read(".env.example")
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// loadCompose loads compose.yaml from dir (schema validation, interpolation,
// normalization, consistency checks: what `docker compose config` does),
// offline.
func loadCompose(dir string, env map[string]string) (*types.Project, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  abs,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(abs, "compose.yaml")}},
		Environment: env,
	}, func(o *loader.Options) { o.SetProjectName("gatehouse", true) })
}

// dockerfile is what the compose file needs to know of the repository's Dockerfile.
type dockerfile struct {
	builderGo  string   // the Go version of the build stage's image, e.g. "1.26"
	buildsPkg  string   // the package go build builds
	entrypoint []string // of the final stage
	cmd        []string
	user       string
	exposes    []string
}

func readDockerfile(t *testing.T, path string) dockerfile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var d dockerfile
	var lines []string
	var cur string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "#") && cur == "" {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		lines = append(lines, cur+l)
		cur = ""
	}
	goRE := regexp.MustCompile(`^FROM golang:(\d+\.\d+)`)
	buildRE := regexp.MustCompile(`go build .* (\./\S+)`)
	for _, l := range lines {
		instr, rest, _ := strings.Cut(l, " ")
		switch strings.ToUpper(instr) {
		case "FROM":
			if m := goRE.FindStringSubmatch(l); m != nil && d.builderGo == "" {
				d.builderGo = m[1]
			}
			d.entrypoint, d.cmd, d.user = nil, nil, "" // a new stage
		case "RUN":
			if m := buildRE.FindStringSubmatch(rest); m != nil {
				d.buildsPkg = m[1]
			}
		case "ENTRYPOINT", "CMD":
			var v []string
			if err := json.Unmarshal([]byte(rest), &v); err != nil {
				t.Fatalf("Dockerfile %s is not in exec form: %s", instr, rest)
			}
			if instr == "CMD" {
				d.cmd = v
			} else {
				d.entrypoint = v
			}
		case "USER":
			d.user = rest
		case "EXPOSE":
			d.exposes = append(d.exposes, strings.Fields(rest)...)
		}
	}
	return d
}

// goModVersion is the go directive of go.mod, e.g. "1.26.8".
func goModVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+(\.\d+)?)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}

// The Dockerfile still builds what compose and Kubernetes run: the build
// stage's Go is as new as go.mod asks, it builds ./cmd/gatehouse, and the
// final stage runs it as a non-root user with serve as the default command.
func TestDockerfileFitsTheRepository(t *testing.T) {
	d := readDockerfile(t, filepath.Join("..", "Dockerfile"))
	want := goModVersion(t)
	if d.builderGo == "" || !strings.HasPrefix(want+".", d.builderGo+".") {
		t.Errorf("build stage uses golang:%s, go.mod asks for go %s", d.builderGo, want)
	}
	if d.buildsPkg != "./cmd/gatehouse" {
		t.Errorf("Dockerfile builds %q", d.buildsPkg)
	}
	if _, err := os.Stat(filepath.Join("..", "cmd", "gatehouse", "main.go")); err != nil {
		t.Error(err)
	}
	if !slices.Equal(d.entrypoint, []string{"/usr/local/bin/gatehouse"}) || !slices.Equal(d.cmd, []string{"serve"}) {
		t.Errorf("final stage runs %v %v", d.entrypoint, d.cmd)
	}
	if d.user == "" || strings.HasPrefix(d.user, "root") || strings.HasPrefix(d.user, "0") {
		t.Errorf("final stage runs as %q", d.user)
	}
	if !slices.Contains(d.exposes, "8080") {
		t.Errorf("EXPOSE %v lacks 8080", d.exposes)
	}
	// .dockerignore must not leave out what the build copies.
	ign, err := os.ReadFile(filepath.Join("..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, pat := range strings.Fields(string(ign)) {
		for _, need := range []string{"go.mod", "go.sum", "cmd", "models", "web", "views", "handlers", "static"} {
			if ok, _ := filepath.Match(strings.Trim(pat, "/"), need); ok {
				t.Errorf(".dockerignore pattern %q leaves out %s", pat, need)
			}
		}
	}
}

func TestComposeFile(t *testing.T) {
	env := exampleEnv(t)
	p, err := loadCompose(".", env)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"postgres", "migrate", "gatehouse-1", "gatehouse-2", "lb", "mailpit"} {
		if _, ok := p.Services[name]; !ok {
			t.Fatalf("no service %s (have %v)", name, p.ServiceNames())
		}
	}
	d := readDockerfile(t, filepath.Join("..", "Dockerfile"))
	repo, _ := filepath.Abs("..")

	// The database.
	pg := p.Services["postgres"]
	if !strings.HasPrefix(pg.Image, "postgres:") {
		t.Errorf("postgres image %s", pg.Image)
	}
	if pg.HealthCheck == nil || !slices.Contains(pg.HealthCheck.Test, "pg_isready") {
		t.Error("postgres needs a pg_isready health check")
	}
	pgPassword := *pg.Environment["POSTGRES_PASSWORD"]
	if pgPassword != env["POSTGRES_PASSWORD"] {
		t.Errorf("POSTGRES_PASSWORD %q not from the env file", pgPassword)
	}

	// The image: built from the repository's Dockerfile, the same for all.
	image := p.Services["migrate"].Image
	for _, name := range []string{"migrate", "gatehouse-1", "gatehouse-2"} {
		s := p.Services[name]
		if s.Build == nil || s.Build.Context != repo || s.Build.Dockerfile != "Dockerfile" {
			t.Errorf("%s does not build the repository's Dockerfile: %+v", name, s.Build)
		}
		if s.Image != image || image == "" {
			t.Errorf("%s image %q, migrate's %q", name, s.Image, image)
		}
		if !s.ReadOnly || !slices.Contains(s.CapDrop, "ALL") {
			t.Errorf("%s should run read-only with no capabilities", name)
		}
		db, err := url.Parse(*s.Environment["DATABASE_URL"])
		if err != nil || db.Hostname() != "postgres" {
			t.Errorf("%s DATABASE_URL does not reach the postgres service: %v", name, err)
		} else if pw, _ := db.User.Password(); pw != pgPassword {
			t.Errorf("%s DATABASE_URL password differs from POSTGRES_PASSWORD", name)
		}
		if dep, ok := s.DependsOn["postgres"]; !ok || dep.Condition != types.ServiceConditionHealthy {
			t.Errorf("%s should wait for a healthy postgres", name)
		}
	}
	if m := p.Services["migrate"]; !slices.Equal(m.Command, types.ShellCommand{"migrate"}) || m.Restart != "no" {
		t.Errorf("migrate runs %v (restart %q), want a one-shot migrate", m.Command, m.Restart)
	}

	// Two replicas.
	for _, name := range []string{"gatehouse-1", "gatehouse-2"} {
		s := p.Services[name]
		if len(s.Command) != 0 {
			t.Errorf("%s overrides the image's command (serve): %v", name, s.Command)
		}
		if dep, ok := s.DependsOn["migrate"]; !ok || dep.Condition != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("%s should start after migrate succeeded", name)
		}
		e := func(k string) string {
			if v := s.Environment[k]; v != nil {
				return *v
			}
			return ""
		}
		if e("GATEHOUSE_SECRET_KEY") != env["GATEHOUSE_SECRET_KEY"] || len(e("GATEHOUSE_SECRET_KEY")) < 32 {
			t.Errorf("%s GATEHOUSE_SECRET_KEY is not the env file's", name)
		}
		if e("GATEHOUSE_BASE_URL") != env["GATEHOUSE_BASE_URL"] {
			t.Errorf("%s GATEHOUSE_BASE_URL %q", name, e("GATEHOUSE_BASE_URL"))
		}
		smtp, err := url.Parse(e("GATEHOUSE_SMTP_URL"))
		if err != nil || smtp.Scheme != "smtp" || smtp.Hostname() != "mailpit" {
			t.Errorf("%s GATEHOUSE_SMTP_URL %q should reach the mail catcher", name, e("GATEHOUSE_SMTP_URL"))
		}
		if _, port, err := net.SplitHostPort(e("GATEHOUSE_ADDR")); err != nil || port != "8080" {
			t.Errorf("%s GATEHOUSE_ADDR %q", name, e("GATEHOUSE_ADDR"))
		}
		if e("GATEHOUSE_METRICS_ADDR") == "" {
			t.Errorf("%s has no metrics listener", name)
		}
		hc := s.HealthCheck
		if hc == nil || len(hc.Test) != 3 || hc.Test[0] != "CMD" || hc.Test[1] != d.entrypoint[0] || hc.Test[2] != "healthcheck" {
			t.Errorf("%s health check %v should run `%s healthcheck` (GET /readyz)", name, hc, d.entrypoint[0])
		}
		if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) < 25*time.Second {
			t.Errorf("%s stop_grace_period %v should leave the 25 s drain", name, s.StopGracePeriod)
		}
		if len(s.Ports) != 0 {
			t.Errorf("%s publishes ports; only the load balancer should", name)
		}
	}

	// The load balancer in front of both.
	lb := p.Services["lb"]
	if !strings.HasPrefix(lb.Image, "nginx:") {
		t.Errorf("lb image %s", lb.Image)
	}
	for _, name := range []string{"gatehouse-1", "gatehouse-2"} {
		if dep, ok := lb.DependsOn[name]; !ok || dep.Condition != types.ServiceConditionHealthy {
			t.Errorf("lb should wait for a healthy %s", name)
		}
	}
	if len(lb.Ports) != 1 || lb.Ports[0].Target != 8080 || lb.Ports[0].Published != "8080" {
		t.Errorf("lb ports %+v", lb.Ports)
	}
	if lb.HealthCheck == nil || !strings.Contains(strings.Join(lb.HealthCheck.Test, " "), "/readyz") {
		t.Error("lb health check should pass /readyz through")
	}
	var conf string
	for _, v := range lb.Volumes {
		if v.Target == "/etc/nginx/nginx.conf" && v.ReadOnly {
			conf = v.Source
		}
	}
	if conf == "" {
		t.Fatal("lb does not mount nginx.conf read-only")
	}
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatalf("lb config: %v", err)
	}
	for _, name := range []string{"gatehouse-1", "gatehouse-2"} {
		if !regexp.MustCompile(`(?m)^\s*server ` + name + `:8080\b`).Match(b) {
			t.Errorf("nginx.conf does not balance over %s:8080", name)
		}
	}
	if !regexp.MustCompile(`(?m)^\s*listen 8080;`).Match(b) || !strings.Contains(string(b), "proxy_pass http://gatehouse;") {
		t.Error("nginx.conf should listen on 8080 and pass to the upstream")
	}

	// The mail catcher.
	mp := p.Services["mailpit"]
	if !strings.HasPrefix(mp.Image, "axllent/mailpit") || mp.HealthCheck == nil {
		t.Errorf("mailpit: image %s, health check %v", mp.Image, mp.HealthCheck)
	}
}

// The secrets must come from the env file: without them compose refuses.
func TestComposeRequiresTheSecrets(t *testing.T) {
	for _, v := range []string{"GATEHOUSE_SECRET_KEY", "POSTGRES_PASSWORD"} {
		env := exampleEnv(t)
		delete(env, v)
		if _, err := loadCompose(".", env); err == nil || !strings.Contains(err.Error(), v) {
			t.Errorf("without %s: %v", v, err)
		}
	}
}

// A misspelt field fails the compose-spec schema instead of being ignored.
func TestComposeRejectsUnknownFields(t *testing.T) {
	b, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, typo := range [][3]string{
		{"    healthcheck:\n      test: [\"CMD\", \"pg_isready\"", "    healtcheck:\n      test: [\"CMD\", \"pg_isready\"", "healtcheck"},
		{"  stop_grace_period: 30s", "  stop_grace_periode: 30s", "stop_grace_periode"},
		{"      retries: 10", "      retries: 10\n      retry: 3", "retry"},
	} {
		bad := strings.Replace(string(b), typo[0], typo[1], 1)
		if bad == string(b) {
			t.Fatalf("%q not found in compose.yaml", typo[0])
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := loadCompose(dir, exampleEnv(t))
		if err == nil {
			t.Errorf("compose accepted %q", strings.TrimSpace(typo[1]))
		} else if !strings.Contains(err.Error(), "validating") || !strings.Contains(err.Error(), typo[2]) {
			t.Errorf("%q: %v, want a schema error naming %s", strings.TrimSpace(typo[1]), err, typo[2])
		}
	}
}
