package main

import (
	"context"
	"sync"
)

// group runs background work that must end before what it uses is closed:
// stop cancels the group's context and waits for every goroutine started
// with Go. Callers defer stop before the deferred Close of a store, so the
// store closes only once nothing can use it.
type group struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newGroup(parent context.Context) *group {
	ctx, cancel := context.WithCancel(parent)
	return &group{ctx: ctx, cancel: cancel}
}

// Go runs fn in a goroutine with the group's context.
func (g *group) Go(fn func(ctx context.Context)) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		fn(g.ctx)
	}()
}

// stop cancels the group's work and waits for it to return.
func (g *group) stop() {
	g.cancel()
	g.wg.Wait()
}
