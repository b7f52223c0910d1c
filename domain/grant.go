package domain

import (
	"encoding/json"
	"fmt"
)

// RoundWorkflow is the workflow type of a reporting round (package
// cycles), named here so the door can guard its starts.
const RoundWorkflow = "ReportingRound"

// GrantField is the field of a workflow input that carries its grant: the
// door key's MAC over the rest of the input, given when the office creates
// something that starts workflows later on its own (a cycle's schedule).
const GrantField = "grant"

// GrantMessage is what a grant covers: v's JSON without its grant, with
// keys in order.
func GrantMessage(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("grant: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("grant: the input is not an object: %w", err)
	}
	delete(m, GrantField)
	return json.Marshal(m)
}

// GrantOf reads v's grant; "" when it has none.
func GrantOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	g, _ := m[GrantField].(string)
	return g
}
