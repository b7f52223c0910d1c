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
