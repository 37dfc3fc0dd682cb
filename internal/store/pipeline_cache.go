package store

import (
	"slices"
	"sync"
)

// pipelineCache keeps pipelines as read, by id and version. Every write
// action reads its deal's pipeline (a dozen stages, four JSON columns each):
// that read was a tenth of creating a deal. A transaction now reads only the
// pipeline's version and takes the stages from here when it matches. Every
// change of a pipeline or its stages bumps the version (SavePipeline; a
// migration that edits stages must too), so a cached version never goes
// stale, on either engine and across processes. Only committed versions are
// cached: a transaction that changed pipelines bypasses the cache (a version
// it wrote may be rolled back, and the number then taken by another change);
// on SQLite that covers every action sharing the transaction.
type pipelineCache struct {
	mu sync.Mutex
	m  map[string]*Pipeline // by id, the latest version seen
}

// get returns a copy of the pipeline if version id is cached.
func (c *pipelineCache) get(id string, version int) *Pipeline {
	c.mu.Lock()
	pl := c.m[id]
	c.mu.Unlock()
	if pl == nil || pl.Version != version {
		return nil
	}
	return pl.clone()
}

// put keeps a copy of pl unless a later version is kept already.
func (c *pipelineCache) put(pl *Pipeline) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*Pipeline{}
	}
	if was := c.m[pl.ID]; was == nil || was.Version <= pl.Version {
		c.m[pl.ID] = pl.clone()
	}
}

// clone copies pl deep enough that callers may change what they got.
func (pl *Pipeline) clone() *Pipeline {
	c := *pl
	c.Stages = slices.Clone(pl.Stages)
	for i := range c.Stages {
		s := &c.Stages[i]
		s.Indicators, s.Checklist = slices.Clone(s.Indicators), slices.Clone(s.Checklist)
		s.RequiredFields, s.RequiredDocuments = slices.Clone(s.RequiredFields), slices.Clone(s.RequiredDocuments)
	}
	return &c
}
