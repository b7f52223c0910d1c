package ledger

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"lianxi/domain"
	"lianxi/testkit"
)

// On PostgreSQL a store that knows the ledger's newest record writes a
// group in one round trip; whenever the ledger is not as it left it (another
// process appended, a decision comes again, a workflow is behind its task's
// records, the newest record is not the one it wrote), nothing of that trip
// is written and the two-trip path decides, so every answer and the chain
// stay what they would be without it.
func TestPostgresOneRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := postgresOnly(t)
	trips := func() int64 { return s.oneTrips.Load() }
	mustAppend := func(s *SQLStore, id string, i int) Record {
		t.Helper()
		r, err := s.Append(ctx, entry(id, i))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// The first append reads the head; the next ones know it.
	a := mustAppend(s, "a", 1)
	if trips() != 0 {
		t.Fatalf("%d one-trip groups before the store knew the ledger's head", trips())
	}
	mustAppend(s, "b", 2)
	c := mustAppend(s, "c", 3)
	if trips() != 2 || c.Seq != 3 || a.Seq != 1 {
		t.Fatalf("one-trip groups %d (want 2), seqs a=%d c=%d", trips(), a.Seq, c.Seq)
	}

	// Another process appends: the guard sees a newer record, and the
	// append chains after it.
	other, err := OpenPostgres(ctx, pgDSN(t, s))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	x := mustAppend(other, "x", 4)
	d := mustAppend(s, "d", 5)
	if d.Seq != x.Seq+1 || d.PrevHash != x.Hash || trips() != 2 {
		t.Fatalf("after another process's append: d=%d prev %.8s, x=%d hash %.8s, one-trip groups %d (want 2)",
			d.Seq, d.PrevHash, x.Seq, x.Hash, trips())
	}

	// A decision sent again is answered with its record, written once.
	again := mustAppend(s, "b", 99)
	if again.Seq != 2 || again.Payload["n"] != "2" {
		t.Fatalf("b sent again: %+v, want its record (seq 2)", again)
	}

	// A workflow behind its task's records is refused; one that reflects
	// them all appends, in one trip once the store knows the head again.
	if _, err := s.AppendAfter(ctx, entry("e", 6), domain.Reflects{LastSeq: 3, Count: 3}); !errors.Is(err, ErrAhead) {
		t.Fatalf("append behind the ledger: %v, want ErrAhead", err)
	}
	before := trips()
	e, err := s.AppendAfter(ctx, entry("e", 6), domain.Reflects{LastSeq: d.Seq, Count: 5})
	if err != nil || e.Seq != d.Seq+1 {
		t.Fatalf("append after every record: %+v %v", e, err)
	}
	if _, err := s.AppendAfter(ctx, entry("f", 7), domain.Reflects{LastSeq: d.Seq, Count: 5}); !errors.Is(err, ErrAhead) {
		t.Fatalf("append behind by one record: %v, want ErrAhead", err)
	}
	g, err := s.AppendAfter(ctx, entry("g", 8), domain.Reflects{LastSeq: e.Seq, Count: 6})
	if err != nil || g.Seq != e.Seq+1 || trips() <= before {
		t.Fatalf("append after every record, head known: %+v %v; one-trip groups %d, were %d", g, err, trips(), before)
	}
	// A run that only counted records takes two trips.
	before = trips()
	if h, err := s.AppendAfter(ctx, entry("h", 9), domain.Reflects{Count: 7}); err != nil || h.Seq != g.Seq+1 || trips() != before {
		t.Fatalf("append after 7 counted records: %+v %v; one-trip groups %d, were %d", h, err, trips(), before)
	}

	// The newest record is not the one the store knows (the database
	// was restored from an older copy, here: the store is told a record
	// that is not there).
	s.tipMu.Lock()
	s.tip = &Record{Seq: 100, Hash: "0000"}
	s.tipMu.Unlock()
	i := mustAppend(s, "i", 10)
	if i.Seq != g.Seq+2 {
		t.Fatalf("append after a wrong head: seq %d, want %d", i.Seq, g.Seq+2)
	}
	res, err := Verify(ctx, s)
	if err != nil || !res.OK || res.Count != i.Seq {
		t.Fatalf("verify: %+v %v, want %d records", res, err, i.Seq)
	}
}

// postgresOnly opens a fresh PostgreSQL store, for tests of what only
// PostgreSQL does; without one the test is skipped (the test command
// always starts one, and CI fails when it cannot).
func postgresOnly(t *testing.T) *SQLStore {
	t.Helper()
	dsn := testkit.PostgresDSN(t)
	if dsn == "" {
		t.Skip("needs PostgreSQL")
	}
	return freshPostgres(t, dsn)
}

// pgDSN is the DSN of the database freshPostgres opened s on.
func pgDSN(t *testing.T, s *SQLStore) string {
	t.Helper()
	v, ok := pgDSNs.Load(s)
	if !ok {
		t.Fatal("store not opened by freshPostgres")
	}
	return v.(string)
}

// Where two processes append in turn, each finds the other's record after
// its own almost every time: a store backs off from the one-trip path
// instead of paying a failed trip per group, and returns to it once it
// appends alone again.
func TestPostgresOneTripBacksOffWhileOthersAppend(t *testing.T) {
	ctx := context.Background()
	s := postgresOnly(t)
	other, err := OpenPostgres(ctx, pgDSN(t, s))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	const turns = 150
	for i := range turns {
		for j, st := range []*SQLStore{s, other} {
			if _, err := st.Append(ctx, entry(fmt.Sprintf("t%d-%d", i, j), i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, st := range map[string]*SQLStore{"first": s, "second": other} {
		// Misses at 1, 2, 4, … 64 groups apart: 7 to reach the cap, then
		// one per 65 groups.
		if m := st.oneTripMisses.Load(); m > 12 {
			t.Errorf("%s store: %d failed one-trip groups in %d appends taken in turn, want at most 12", name, m, turns)
		}
	}
	before := s.oneTrips.Load()
	for i := range 100 {
		if _, err := s.Append(ctx, entry(fmt.Sprintf("alone-%d", i), i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.oneTrips.Load() - before; n < 100-maxBackoff {
		t.Errorf("%d of 100 appends alone took one trip, want at least %d", n, 100-maxBackoff)
	}
	res, err := Verify(ctx, s)
	if err != nil || !res.OK || res.Count != 2*turns+100 {
		t.Fatalf("verify: %+v %v, want %d records", res, err, 2*turns+100)
	}
}
