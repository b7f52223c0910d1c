package deploy

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"lianxi/config"
)

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"../docker-compose.yml"},
		cli.WithWorkingDirectory(".."), cli.WithName("lianxi"), cli.WithEnv([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return p
}

func TestComposeFile(t *testing.T) {
	p := loadCompose(t)
	want := []string{"postgresql", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "ledger-postgres", "lianxi-worker", "lianxi-serve"}
	for _, name := range want {
		if _, ok := p.Services[name]; !ok {
			t.Errorf("service %s missing", name)
		}
	}
	for name, s := range p.Services {
		if s.Image == "" && s.Build == nil {
			t.Errorf("%s has neither image nor build", name)
		}
		for dep, d := range s.DependsOn {
			switch {
			case oneShot(p.Services[dep]):
				if d.Condition != types.ServiceConditionCompletedSuccessfully {
					t.Errorf("%s should wait for the one-shot job %s to complete successfully", name, dep)
				}
			case d.Condition != types.ServiceConditionHealthy:
				t.Errorf("%s starts after %s without waiting for it to be healthy", name, dep)
			case p.Services[dep].HealthCheck == nil:
				t.Errorf("%s waits for %s, which has no health check", name, dep)
			}
		}
	}
	for _, name := range []string{"postgresql", "temporal", "temporal-ui", "ledger-postgres", "lianxi-worker", "lianxi-serve"} {
		if hc := p.Services[name].HealthCheck; hc == nil || len(hc.Test) == 0 {
			t.Errorf("%s has no health check", name)
		}
	}
	if w := p.Services["lianxi-worker"]; w.Deploy == nil || w.Deploy.Replicas == nil || *w.Deploy.Replicas < 2 {
		t.Errorf("lianxi-worker should run several replicas")
	}
	// Replicas of serve scale on one host: each takes a port of a range.
	if ports := p.Services["lianxi-serve"].Ports; len(ports) != 1 || ports[0].Target != 8080 || !strings.Contains(ports[0].Published, "-") {
		t.Errorf("lianxi-serve should publish a range of host ports to 8080 so it can scale: %+v", ports)
	}
	for _, v := range []string{"temporal-db", "ledger-db"} {
		if _, ok := p.Volumes[v]; !ok {
			t.Errorf("named volume %s missing", v)
		}
	}
}

// oneShot tells the set-up jobs, which run once and exit, from services.
func oneShot(s types.ServiceConfig) bool {
	return strings.HasPrefix(s.Restart, "on-failure") && s.HealthCheck == nil
}

// Every variable the lianxi services set is one the config package reads.
func TestComposeEnvironmentIsDocumented(t *testing.T) {
	p := loadCompose(t)
	var known []string
	for _, s := range (&config.Config{}).Settings() {
		known = append(known, s.Env)
	}
	for _, name := range []string{"lianxi-worker", "lianxi-serve"} {
		s := p.Services[name]
		if len(s.Environment) == 0 {
			t.Errorf("%s sets no environment", name)
		}
		for k := range s.Environment {
			if !slices.Contains(known, k) {
				t.Errorf("%s sets %s, which lianxi's configuration does not read", name, k)
			}
		}
		if s.Environment["LIANXI_LEDGER_DSN"] == nil || !strings.HasPrefix(*s.Environment["LIANXI_LEDGER_DSN"], "postgres://") {
			t.Errorf("%s: the ledger must be on PostgreSQL", name)
		}
		// The API signs principals with the door key; every worker checks
		// them with the same key, mounted from the same file.
		key := s.Environment["LIANXI_DOOR_KEY_FILE"]
		mounted := key != nil && slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.Target == *key || strings.HasPrefix(*key, v.Target+"/")
		})
		if !mounted {
			t.Errorf("%s: LIANXI_DOOR_KEY_FILE must name the door key mounted from ./config", name)
		}
	}
}

func TestDockerfileRunsAsNonRoot(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if strings.Count(s, "FROM ") < 2 || !strings.Contains(s, "USER nonroot") || !strings.Contains(s, "CGO_ENABLED=0") {
		t.Errorf("Dockerfile should be multi-stage, static and run as non-root")
	}
}
