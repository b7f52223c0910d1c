package board

import (
	"context"
	"time"

	"lianxi/periodic"
)

// UpkeepLease is the lease of the board's upkeep, shared by every serve
// and worker process on the same database.
const UpkeepLease = "board"

// UpkeepEvery is how often the runs that ended outside their lifecycle are
// looked for.
const UpkeepEvery = 5 * time.Minute

// UpkeepJob is the board's periodic work, for whichever process holds the
// board's lease. When it takes the lease it puts on the board the tasks
// that predate it (seed, from Temporal's visibility; retried while
// Temporal is still starting: its namespace or search attributes not there
// yet), and then, once every UpkeepEvery, it marks ended the tasks whose
// runs an operator terminated or that timed out (end), so dashboards and
// inboxes stop listing them as open. Seed and end are the Temporal side,
// which lives in package taskclient.
func UpkeepJob(seed, end func(context.Context) (int, error)) periodic.Job {
	return periodic.Job{
		Name: UpkeepLease, Every: UpkeepEvery, What: "board upkeep",
		Start: periodic.Step{
			Do: seed, Done: "board seeded from visibility", Count: "tasks",
			Failed: "board not seeded from visibility yet (tasks from before the board are listed once seeded or at their next decision)",
		},
		Run: periodic.Step{
			Do: end, Done: "board: tasks whose runs ended outside their lifecycle marked ended", Count: "tasks",
			Failed: "board: runs ended outside their lifecycle not checked",
		},
	}
}
