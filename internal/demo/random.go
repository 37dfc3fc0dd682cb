package demo

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
)

// rng is the one source of every business value, so a seed and a "now" give
// the same company every time.
type rng struct{ *rand.Rand }

func newRNG(seed int64, stream uint64) rng {
	return rng{rand.New(rand.NewPCG(uint64(seed), stream))}
}

// between is uniform in [lo, hi).
func (r rng) between(lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }

// chance is true with probability p.
func (r rng) chance(p float64) bool { return r.Float64() < p }

// logUniform spreads values evenly over orders of magnitude, as deal sizes are.
func (r rng) logUniform(lo, hi float64) float64 {
	return math.Exp(r.between(math.Log(lo), math.Log(hi)))
}

// weighted returns an index drawn with the given weights.
func (r rng) weighted(w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	x := r.Float64() * total
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

func pick[T any](r rng, l []T) T { return l[r.IntN(len(l))] }

func (r rng) days(d float64) time.Duration { return time.Duration(d * 24 * float64(time.Hour)) }

// idGen makes UUIDv7 ids from the record's own instant and seeded random
// bits: ids sort by when a record was made, and the same seed gives the same
// ids. clock is the instant used for ids the store draws itself.
//
// In sequential mode (large loads) ids ignore the record's instant and count
// up from base instead (RFC 9562's fixed counter, 4096 ids per millisecond):
// every table then receives its keys in ascending order, and appending to a
// primary-key index is far cheaper than inserting at random places in it.
type idGen struct {
	r          rng
	clock      time.Time
	sequential bool
	base       time.Time
	n          uint64
}

func (g *idGen) at(t time.Time) string {
	var u uuid.UUID
	ms := uint64(t.UnixMilli())
	var counter uint64
	if g.sequential {
		ms = uint64(g.base.UnixMilli()) + g.n>>12
		counter = g.n & 0xfff
		g.n++
	}
	for i := range 6 {
		u[i] = byte(ms >> (40 - 8*i))
	}
	a, b := g.r.Uint64(), g.r.Uint64()
	if g.sequential {
		a = counter << 52
	}
	u[6] = 0x70 | byte(a>>60)&0x0f
	u[7] = byte(a >> 52)
	u[8] = 0x80 | byte(b>>58)&0x3f
	for i := 9; i < 16; i++ {
		u[i] = byte(b >> (8 * (15 - i)))
	}
	return u.String()
}

func (g *idGen) next() string { return g.at(g.clock) }
