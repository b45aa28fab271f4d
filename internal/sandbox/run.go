// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// errInterrupted ends the creation or the run of the shoots when Options.Until is closed.
var errInterrupted = errors.New("interrupted")

// leftoverCheckTimeout bounds the lookups of Leftovers in a real metal-api and ONTAP cluster.
const leftoverCheckTimeout = time.Minute

// Run starts the sandbox, creates the shoots and prints the progress and, once every shoot is ready, the summary.
// Without Options.Once it keeps the shoots until Options.Until is closed or ctx ends. With Options.Delete it then
// deletes the shoots (also after a failed or interrupted creation) and checks that neither the metal-api nor ONTAP
// holds anything of them any more (see Leftovers); ending ctx aborts that. The error names what failed.
func Run(ctx context.Context, opts Options) error {
	runCtx, interrupt := context.WithCancelCause(ctx)
	defer interrupt(nil)
	if opts.Until != nil {
		go func() {
			select {
			case <-opts.Until:
				interrupt(errInterrupted)
			case <-runCtx.Done():
			}
		}()
	}

	sb, err := Start(runCtx, opts)
	if err != nil {
		return err
	}
	defer sb.Stop()
	opts = sb.opts

	err = sb.CreateShoots(runCtx)
	sb.progress.flush(sb.ctx)
	if err != nil {
		err = fmt.Errorf("the shoots did not become ready: %w", err)
	} else {
		err = sb.ready(runCtx)
	}
	if !opts.Delete || ctx.Err() != nil {
		return err
	}

	fmt.Fprintln(opts.Out, "\nDeleting the shoots.")
	deleteCtx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	deleteErr := sb.DeleteShoots(deleteCtx)
	sb.progress.flush(sb.ctx)
	if deleteErr != nil {
		return errors.Join(err, fmt.Errorf("the shoots were not deleted: %w", deleteErr))
	}
	if left := sb.Leftovers(); len(left) > 0 {
		return errors.Join(err, fmt.Errorf("the metal-api or ONTAP still hold objects of the deleted shoots:\n  %s", strings.Join(left, "\n  ")))
	}
	fmt.Fprintf(opts.Out, "\nDeleted %d shoot(s); nothing of them is left in the metal-api or on ONTAP.\n", len(sb.Shoots))
	if opts.OnDeleted != nil {
		if deletedErr := opts.OnDeleted(deleteCtx, sb); deletedErr != nil {
			return errors.Join(err, deletedErr)
		}
	}
	return err
}

// ready prints the summary of the ready shoots, hands it to Options.OnReady and, without Options.Once, keeps the
// shoots until ctx ends.
func (sb *Sandbox) ready(ctx context.Context) error {
	opts := sb.opts
	summary, err := sb.Summary(ctx)
	if err != nil {
		return err
	}
	summary.Print(opts.Out)
	if opts.OnReady != nil {
		if err := opts.OnReady(ctx, sb, summary); err != nil {
			return err
		}
	}
	if opts.Once {
		return nil
	}
	if opts.Delete {
		fmt.Fprintln(opts.Out, "\nRunning until Ctrl-C, then the shoots are deleted (a second Ctrl-C aborts the deletion).")
	} else {
		fmt.Fprintln(opts.Out, "\nRunning until Ctrl-C.")
	}
	select {
	case <-ctx.Done():
		if errors.Is(context.Cause(ctx), errInterrupted) {
			return nil
		}
		return context.Cause(ctx)
	case <-sb.ctx.Done():
		return context.Cause(sb.ctx)
	}
}

// Leftovers lists what the metal-api and ONTAP still hold of the sandbox's shoots; empty once every shoot is
// deleted. A simulator is asked for its whole state, which is the stronger check: in the metal-api everything
// tagged or labelled with a shoot's cluster ID (node network, IPs, machines, firewalls, storage IPs) and anything
// in the shoots' project; on ONTAP the shoots' SVMs with their LIFs, routes, services, export policies, accounts
// and volumes, and any SVM at all. A real metal-api or ONTAP cluster (Options.MetalAPI, Options.ONTAP) is asked
// through the extensions' clients, for each shoot's objects only: the networks, IPs, machines and firewalls of
// its cluster in the project, and its SVM. A lookup that fails is listed too, as it proves nothing.
func (sb *Sandbox) Leftovers() []string {
	ctx, cancel := context.WithTimeout(context.Background(), leftoverCheckTimeout)
	defer cancel()
	var (
		out    []string
		shoots []*Shoot
	)
	for _, s := range sb.Shoots {
		if s.Object != nil {
			shoots = append(shoots, s)
		}
	}
	for _, s := range shoots {
		if sb.MetalAPI != nil {
			for _, tag := range []string{metal.ClusterTag(s.UID()), metal.StorageTag(s.UID()), metal.EgressTag(s.UID())} {
				if l := sb.MetalAPI.LeftoversForCluster(tag); !l.Empty() {
					out = append(out, "metal-api: "+l.String())
				}
			}
		}
		if sb.ONTAP != nil {
			for _, l := range sb.ONTAP.LeftoversForSVM(ontapcontroller.SVMName(s.UID())) {
				out = append(out, "ONTAP: "+l)
			}
		}
	}
	if sb.MetalAPI != nil {
		project := sb.MetalAPI.ProjectState(sb.example.infra.ProjectID)
		for _, n := range project.Networks {
			out = append(out, fmt.Sprintf("metal-api: network %s in project %s", *n.ID, sb.example.infra.ProjectID))
		}
		for _, ip := range project.IPs {
			out = append(out, fmt.Sprintf("metal-api: ip %s in project %s", *ip.Ipaddress, sb.example.infra.ProjectID))
		}
		for _, m := range project.Machines {
			out = append(out, fmt.Sprintf("metal-api: machine %s allocated in project %s", *m.ID, sb.example.infra.ProjectID))
		}
		for _, f := range project.Firewalls {
			out = append(out, fmt.Sprintf("metal-api: firewall %s in project %s", *f.ID, sb.example.infra.ProjectID))
		}
	}
	if sb.ONTAP != nil {
		for _, svm := range sb.ONTAP.State().SVMs {
			out = append(out, fmt.Sprintf("ONTAP: svm %s", svm.Name))
		}
	}
	return append(out, sb.leftoversByClients(ctx, shoots, sb.MetalAPI == nil, sb.ONTAP == nil)...)
}

func (sb *Sandbox) seedKubeconfig() string {
	return filepath.Join(sb.opts.Dir, "seed.kubeconfig")
}

// writeKubeconfig writes an envtest kubeconfig with its cluster, user and context named name.
func writeKubeconfig(path, name string, raw []byte) error {
	cfg, err := clientcmd.Load(raw)
	if err != nil {
		return fmt.Errorf("reading the kubeconfig of %s: %w", name, err)
	}
	current, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok {
		return fmt.Errorf("the kubeconfig of %s has no current context", name)
	}
	out := clientcmdapi.NewConfig()
	out.Clusters[name] = cfg.Clusters[current.Cluster]
	out.AuthInfos[name] = cfg.AuthInfos[current.AuthInfo]
	out.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	out.CurrentContext = name
	if out.Clusters[name] == nil || out.AuthInfos[name] == nil {
		return errors.New("the kubeconfig of " + name + " is incomplete")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return clientcmd.WriteToFile(*out, path)
}
