package ontap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
)

// metroClusterSuffix is appended to a cluster's name by a MetroCluster
// switchover ("X" shows up as "X-mc").
const metroClusterSuffix = "-mc"

func baseName(name string) string {
	return strings.TrimSuffix(strings.ToLower(name), metroClusterSuffix)
}

// Clusters is the set of ONTAP clusters of an installation, by name.
type Clusters struct {
	clients []*Client
}

// NewClusters builds a client per config. Invalid configs do not keep the
// valid ones from being used: the set holds every valid cluster and the
// error joins the problems of the others.
func NewClusters(cfgs ...ClientConfig) (*Clusters, error) {
	cs := &Clusters{}
	var errs []error
	seen := map[string]bool{}
	for _, cfg := range cfgs {
		if seen[baseName(cfg.Name)] {
			errs = append(errs, &Error{Class: ClassConfiguration, Message: fmt.Sprintf("ONTAP cluster %q is configured twice", cfg.Name)})
			continue
		}
		c, err := NewClient(cfg)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		seen[baseName(cfg.Name)] = true
		cs.clients = append(cs.clients, c)
	}
	return cs, errors.Join(errs...)
}

// ClustersFromSecrets reads the clusters of several credentials Secrets (see
// ClientConfigsFromSecret). As with NewClusters, what is valid is used and
// the rest is reported.
func ClustersFromSecrets(secrets ...*corev1.Secret) (*Clusters, error) {
	var (
		cfgs []ClientConfig
		errs []error
	)
	for _, s := range secrets {
		c, err := ClientConfigsFromSecret(s)
		cfgs = append(cfgs, c...)
		if err != nil {
			errs = append(errs, &Error{Class: ClassConfiguration, Message: err.Error(), cause: err})
		}
	}
	cs, err := NewClusters(cfgs...)
	return cs, errors.Join(append(errs, err)...)
}

// Names lists the configured cluster names.
func (cs *Clusters) Names() []string {
	out := make([]string, 0, len(cs.clients))
	for _, c := range cs.clients {
		out = append(out, c.Name())
	}
	return out
}

// Get returns the cluster by name. A name matches the configured name or the
// name the cluster reported last; a "-mc" suffix on either side is ignored,
// so "X" finds the cluster that reports "X-mc" after a MetroCluster
// switchover and the other way round.
func (cs *Clusters) Get(name string) (*Client, error) {
	want := baseName(name)
	for _, c := range cs.clients {
		if baseName(c.Name()) == want {
			return c, nil
		}
	}
	for _, c := range cs.clients {
		if reported := c.ReportedName(); reported != "" && baseName(reported) == want {
			return c, nil
		}
	}
	return nil, &Error{Class: ClassConfiguration, Message: fmt.Sprintf("no ONTAP cluster named %q is configured (have %s)", name, strings.Join(cs.Names(), ", ")), cause: ErrUnknownCluster}
}

// Info asks every cluster concurrently. It returns the answers of the
// reachable ones, in configured order, and an error that joins the failures
// of the others, each naming its cluster.
func (cs *Clusters) Info(ctx context.Context) ([]ClusterInfo, error) {
	type result struct {
		info ClusterInfo
		err  error
	}
	results := make([]result, len(cs.clients))
	var wg sync.WaitGroup
	for i, c := range cs.clients {
		wg.Go(func() {
			info, err := c.Info(ctx)
			results[i] = result{info, err}
		})
	}
	wg.Wait()
	var (
		out  []ClusterInfo
		errs []error
	)
	for _, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		out = append(out, r.info)
	}
	return out, errors.Join(errs...)
}

// PickCluster returns the reachable cluster whose best aggregate has the
// most free space, with the errors of the clusters it could not ask.
func (cs *Clusters) PickCluster(ctx context.Context) (*Client, error) {
	type result struct {
		best int64
		err  error
	}
	results := make([]result, len(cs.clients))
	var wg sync.WaitGroup
	for i, c := range cs.clients {
		wg.Go(func() {
			aggrs, err := c.PickAggregates(ctx, 1)
			switch {
			case err != nil:
				results[i] = result{err: err}
			case len(aggrs) == 0:
				results[i] = result{err: fmt.Errorf("ONTAP cluster %s has no online aggregate", c.Name())}
			default:
				results[i] = result{best: aggrs[0].Available}
			}
		})
	}
	wg.Wait()
	var errs []error
	best := -1
	for i, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		if best < 0 || r.best > results[best].best {
			best = i
		}
	}
	if best < 0 {
		return nil, fmt.Errorf("no usable ONTAP cluster: %w", errors.Join(errs...))
	}
	return cs.clients[best], errors.Join(errs...)
}

// Each runs fn for every cluster concurrently and joins the errors; one
// failing cluster does not stop the others.
func (cs *Clusters) Each(ctx context.Context, fn func(ctx context.Context, c *Client) error) error {
	errs := make([]error, len(cs.clients))
	var wg sync.WaitGroup
	for i, c := range cs.clients {
		wg.Go(func() { errs[i] = fn(ctx, c) })
	}
	wg.Wait()
	return errors.Join(slices.DeleteFunc(errs, func(e error) bool { return e == nil })...)
}
