package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"lianxi/bundled"
	"lianxi/cycles"
	"lianxi/domain"
	"lianxi/testkit"
)

// The walk-through against `lianxi dev`: `cycle create` makes a
// Temporal Schedule with the calendar asked for, `cycle list` shows it,
// and `cycle trigger` runs a round now, in which every lead of an open
// task is asked for its report (本期待报送) with the round's deadline.
func TestCycleAgainstDev(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a whole dev stack")
	}
	dir, addr := t.TempDir(), freeAddress(t)
	dev := startDev(t, dir, addr)
	defer dev.stop(t)
	ctx := context.Background()
	api := []string{"--server", "http://" + dev.http, "--data", dir}
	testkit.EventuallyWithin(t, devBound, "dev serving the plan", func() (bool, string) {
		r := lianxi(ctx, append([]string{"task", "list", "--plan", "internet-plus-2015", "--json"}, api...)...)
		return r.code == 0 && strings.Count(r.stdout, `"no"`) == 25, fmt.Sprintf("exit %d %s", r.code, tail(r.stderr))
	})
	r := lianxi(ctx, append([]string{"cycle", "create", "monthly", "--plan", "internet-plus-2015", "--every", "month", "--day", "25", "--window", "10d"}, api...)...)
	if r.code != 0 {
		t.Fatalf("cycle create: exit %d: %s", r.code, r.stderr)
	}
	// Temporal lists schedules from visibility, a moment behind.
	testkit.EventuallyWithin(t, 30*time.Second, "cycle list showing the new cycle", func() (bool, string) {
		r = lianxi(ctx, append([]string{"cycle", "list", "--plan", "internet-plus-2015"}, api...)...)
		return r.code == 0 && strings.Contains(r.stdout, "monthly") && strings.Contains(r.stdout, "running"),
			fmt.Sprintf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	})

	// The cycle is a Temporal Schedule, as the Web UI lists it.
	c, err := client.Dial(client.Options{HostPort: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	desc, err := c.ScheduleClient().GetHandle(ctx, cycles.ScheduleID("internet-plus-2015", "monthly")).Describe(ctx)
	if err != nil {
		t.Fatalf("the cycle's schedule: %v", err)
	}
	next := desc.Info.NextActionTimes
	if len(next) == 0 || next[0].In(time.FixedZone("CST", 8*3600)).Day() != 25 {
		t.Errorf("the schedule's next actions %v, want the 25th of a month", next)
	}

	if r = lianxi(ctx, append([]string{"cycle", "trigger", "monthly", "--plan", "internet-plus-2015"}, api...)...); r.code != 0 {
		t.Fatalf("cycle trigger: exit %d: %s", r.code, r.stderr)
	}
	var tokens struct {
		Ministries map[string]string `json:"ministries"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "tokens.json"))
	if err != nil || json.Unmarshal(b, &tokens) != nil {
		t.Fatalf("tokens.json: %v", err)
	}
	p, err := bundled.Plan()
	if err != nil {
		t.Fatal(err)
	}
	owed := map[string]int{} // lead -> tasks it leads
	for _, task := range p.Tasks {
		if task.Lead != nil {
			owed[*task.Lead]++
		}
	}
	if len(owed) < 5 {
		t.Fatalf("the bundled plan names %d leads", len(owed))
	}
	for lead, n := range owed {
		testkit.EventuallyWithin(t, time.Minute, lead+"'s 本期待报送 notices", func() (bool, string) {
			req, _ := http.NewRequest("GET", "http://"+dev.http+"/api/notifications", nil)
			req.Header.Set("Authorization", "Bearer "+tokens.Ministries[lead])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return false, err.Error()
			}
			defer resp.Body.Close()
			var msgs []struct {
				Kind string    `json:"kind"`
				Due  time.Time `json:"due"`
				Text string    `json:"text"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&msgs); err != nil {
				return false, err.Error()
			}
			asked := 0
			for _, m := range msgs {
				if m.Kind == domain.NotifyRoundRequest && !m.Due.IsZero() && time.Until(m.Due) > 9*24*time.Hour {
					asked++
				}
			}
			return asked == n, fmt.Sprintf("%d of %d tasks asked of %s", asked, n, lead)
		})
	}
}
