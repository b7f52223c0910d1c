package starter

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"lianxi/domain"
	"lianxi/workflows"
)

// InvalidPlanError lists every problem found in a plan; nothing was started.
type InvalidPlanError struct {
	Problems []string
}

func (e *InvalidPlanError) Error() string {
	return fmt.Sprintf("the plan was not launched, %d problem(s): %s", len(e.Problems), strings.Join(e.Problems, "; "))
}

var (
	planIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	taskNoPattern = regexp.MustCompile(`^[0-9]{1,4}\.[0-9]{1,4}$`)
)

// Validate checks a plan's specs whole, before anything starts: the checks
// the workflow makes when it starts, plus plan IDs of a safe alphabet, task
// numbers of the form N.M, each once, participants the registry knows (when
// known is given) and due dates in the future.
func Validate(specs []domain.TaskSpec, known func(id string) bool, now time.Time) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(specs) == 0 {
		add("the plan has no tasks")
	}
	seen := map[string]bool{}
	for _, s := range specs {
		name := fmt.Sprintf("task %q", s.TaskNo)
		if !planIDPattern.MatchString(s.PlanID) {
			add("%s: plan ID %q must be 1–64 letters, digits, '.', '-' or '_', starting with a letter or digit", name, s.PlanID)
		}
		if !taskNoPattern.MatchString(s.TaskNo) {
			add("%s: a task number has the form N.M (e.g. 2.3)", name)
		}
		id := domain.WorkflowID(s.PlanID, s.TaskNo)
		if seen[id] {
			add("%s is listed twice", name)
		}
		seen[id] = true
		if err := workflows.CheckSpec(s); err != nil {
			add("%s: %v", name, strings.TrimPrefix(err.Error(), "task "+s.TaskNo+": "))
		}
		if known != nil {
			for _, p := range s.Participants {
				if p != "" && !known(p) {
					add("%s: participant %q is not in the registry of bodies", name, p)
				}
			}
		}
		if s.Lead != "" && !containsID(s.Participants, s.Lead) {
			add("%s: the lead %q is not among the participants", name, s.Lead)
		}
		if !s.SignOffDue.IsZero() && !s.SignOffDue.After(now) {
			add("%s: sign_off_due %s is not in the future", name, s.SignOffDue.Format("2006-01-02"))
		}
	}
	if len(problems) > 0 {
		return &InvalidPlanError{Problems: problems}
	}
	return nil
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// IsInvalidPlan reports whether err lists a plan's problems.
func IsInvalidPlan(err error) (*InvalidPlanError, bool) {
	var e *InvalidPlanError
	ok := errors.As(err, &e)
	return e, ok
}
