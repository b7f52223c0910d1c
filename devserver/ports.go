package devserver

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
)

// FreeAddress finds a loopback frontend address whose neighbouring ports
// (the other services' and the membership ports, see portOffsets) are all
// free, for running an embedded server beside others (tests, benchmarks).
// The ports stay below what PostgreSQL's smallint can hold, so the address
// serves a server on either store.
func FreeAddress() (string, error) {
	for try := 0; try < 100; try++ {
		port := 20000 + rand.IntN(maxSmallint-maxPortOffset-20000)
		if portsFree(port) {
			return fmt.Sprintf("127.0.0.1:%d", port), nil
		}
	}
	return "", errors.New("embedded Temporal: no free range of ports found")
}

func portsFree(port int) bool {
	for _, off := range portOffsets {
		for _, p := range []int{port + off, port + membershipOffset + off} {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				return false
			}
			l.Close()
		}
	}
	return true
}

// Port offsets from the frontend's port, as Temporal's own defaults lay
// them out (7233 frontend, 7234 history, 7235 matching, 7239 worker; the
// membership ports 300 below). Fixed ports matter: after a restart the
// services find each other at the addresses the database remembers, instead
// of waiting for the old membership entries to expire.
var portOffsets = map[string]int{"frontend": 0, "history": 1, "matching": 2, "worker": 6}

const membershipOffset = -300

// maxPortOffset is the highest of portOffsets; maxSmallint the largest port
// Temporal's PostgreSQL schema can record.
const (
	maxPortOffset = 6
	maxSmallint   = 32767
)
