// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/pkg/metal"
)

const (
	// phonedHome is the metal-api's last provisioning event of a machine whose operating system booted and
	// reported back; only then does the firewall-controller run on a firewall.
	phonedHome = "Phoned Home"
	// firewallAgentTick is how often the agent looks at the firewalls.
	firewallAgentTick = time.Second
	// defaultMonitorInterval is the firewall-controller's interval for updating its FirewallMonitor when the
	// Firewall names none (FCM's defaulting webhook would set 10s).
	defaultMonitorInterval = 10 * time.Second
	// seedReconcileInterval is how often the firewall-controller reconciles its Firewall from the seed.
	seedReconcileInterval = 3 * time.Minute
	// statusLag is how long a Firewall with a machine may stay out of phase Running before the agent looks at the
	// machine in the metal-api (and again after each look): while creating, firewall-controller-manager itself looks
	// every 10s through a cache of 5s.
	statusLag = 15 * time.Second
	// agentVersionSuffix marks the controller version the agent reports as the sandbox's stand-in.
	agentVersionSuffix = "+sandbox-agent"
)

// firewallAgent stands in for firewall-controller, the one simulated piece of the sandbox's firewalls. On a real
// firewall machine, firewall-controller reads its Firewall from the seed (the seed connection: it applies the
// Firewall's networks, rate limits and nftables rules on the machine) and reports to the shoot by updating the
// FirewallMonitor that firewall-controller-manager deployed into the shoot's namespace "firewall": its
// controllerStatus with its version, when it last reconciled the shoot (updated, every Firewall.spec.interval)
// and the seed (seedUpdated), and its distance. firewall-controller-manager's monitor controller turns that into
// the Firewall's Connected, SeedConnected and DistanceConfigured conditions, which make it Provisioned and its
// FirewallSet's and FirewallDeployment's replica ready.
//
// The agent does exactly that towards the API servers, for every firewall whose machine has phoned home in the
// metal-api (the Firewall's machine status, which firewall-controller-manager copies from the metal-api), and
// nothing on a machine. It writes a FirewallMonitor only when its report is due; a monitor that is gone (the
// firewall is being deleted) is left alone.
//
// One thing the agent does that firewall-controller does not: it works around a lost status update in
// firewall-controller-manager v0.6.1. Its Firewall controller writes the status after the reconcile and drops a
// conflict on that write (its monitor controller writes the same status at the same moment), while the reconcile
// has already scheduled the next one in 2 minutes because it saw the machine running. The Firewall then stays in
// phase Creating for those 2 minutes, which with many shoots on a small machine is most of the sandbox's time to
// ready. When a Firewall's phase has not been Running for statusLag and the metal-api reports its machine phoned home,
// the agent sets FCM's reconcile annotation, FCM's own way to ask for a reconcile.
type firewallAgent struct {
	seed      client.Client
	shoot     client.Client
	machines  metal.MachineLeases
	namespace string
	log       logr.Logger

	// seedUpdated is, per firewall, when the agent last reconciled its Firewall from the seed.
	seedUpdated map[string]metav1.Time
	// lagging is, per firewall with a machine, since when its phase has not been Running, or when the agent last
	// looked at its machine in the metal-api.
	lagging map[string]time.Time
}

// run reports for the namespace's firewalls until ctx ends.
func (a *firewallAgent) run(ctx context.Context) {
	t := time.NewTicker(firewallAgentTick)
	defer t.Stop()
	for {
		if err := a.report(ctx, time.Now()); err != nil && ctx.Err() == nil {
			a.log.Info("Could not report for the firewalls, retrying", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// report updates the FirewallMonitor of every running firewall whose report is due at now.
func (a *firewallAgent) report(ctx context.Context, now time.Time) error {
	if a.seedUpdated == nil {
		a.seedUpdated = map[string]metav1.Time{}
		a.lagging = map[string]time.Time{}
	}
	list := &fcmv2.FirewallList{}
	if err := a.seed.List(ctx, list, client.InNamespace(a.namespace)); err != nil {
		return fmt.Errorf("listing the firewalls: %w", err)
	}
	var errs []error
	for i := range list.Items {
		fw := &list.Items[i]
		if err := a.catchUp(ctx, fw, now); err != nil {
			errs = append(errs, fmt.Errorf("firewall %s: %w", fw.Name, err))
		}
		ms := fw.Status.MachineStatus
		if fw.DeletionTimestamp != nil || ms == nil || ms.LastEvent == nil || ms.LastEvent.Event != phonedHome {
			continue
		}
		if last, ok := a.seedUpdated[fw.Name]; !ok || now.Sub(last.Time) >= seedReconcileInterval {
			// The API server keeps seconds: compare with what it returns.
			a.seedUpdated[fw.Name] = metav1.NewTime(now.Truncate(time.Second))
		}
		if err := a.reportFor(ctx, fw, now); err != nil {
			errs = append(errs, fmt.Errorf("firewall %s: %w", fw.Name, err))
		}
	}
	return errors.Join(errs...)
}

// reportFor updates a firewall's FirewallMonitor as firewall-controller does, when the report is due.
func (a *firewallAgent) reportFor(ctx context.Context, fw *fcmv2.Firewall, now time.Time) error {
	mon := &fcmv2.FirewallMonitor{}
	if err := a.shoot.Get(ctx, client.ObjectKey{Namespace: fcmv2.FirewallShootNamespace, Name: fw.Name}, mon); err != nil {
		if apierrors.IsNotFound(err) {
			return nil // firewall-controller-manager has not deployed it yet, or deletes the firewall
		}
		return err
	}
	if mon.DeletionTimestamp != nil {
		return nil
	}
	interval := defaultMonitorInterval
	if d, err := time.ParseDuration(fw.Spec.Interval); err == nil && d > 0 {
		interval = d
	}
	version := fw.Spec.ControllerVersion + agentVersionSuffix
	seedUpdated := a.seedUpdated[fw.Name]
	if st := mon.ControllerStatus; st != nil && now.Sub(st.Updated.Time) < interval &&
		st.SeedUpdated.Equal(&seedUpdated) && st.ControllerVersion == version {
		return nil
	}
	mon.ControllerStatus = &fcmv2.ControllerStatus{
		Message:           fmt.Sprintf("updated firewall monitor resource at %s (sandbox firewall agent)", now.UTC().Format(time.RFC3339)),
		ControllerVersion: version,
		Updated:           metav1.NewTime(now),
		SeedUpdated:       seedUpdated,
		// firewall-controller v2 reports no distance support, as the agent does.
		Distance:          0,
		DistanceSupported: false,
	}
	if err := a.shoot.Update(ctx, mon); err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
		return fmt.Errorf("updating FirewallMonitor %s/%s: %w", fcmv2.FirewallShootNamespace, fw.Name, err)
	}
	return nil
}

// catchUp asks firewall-controller-manager to reconcile a Firewall whose phase has not been Running for statusLag
// when its machine has phoned home and is alive in the metal-api (see firewallAgent).
func (a *firewallAgent) catchUp(ctx context.Context, fw *fcmv2.Firewall, now time.Time) error {
	ms := fw.Status.MachineStatus
	if fw.DeletionTimestamp != nil || fw.Status.Phase == fcmv2.FirewallPhaseRunning || ms == nil || ms.MachineID == "" {
		delete(a.lagging, fw.Name)
		return nil
	}
	if _, asked := fw.Annotations[fcmv2.ReconcileAnnotation]; asked {
		return nil
	}
	since, ok := a.lagging[fw.Name]
	if !ok {
		a.lagging[fw.Name] = now
		return nil
	}
	if now.Sub(since) < statusLag {
		return nil
	}
	// One look at the metal-api per statusLag and firewall.
	a.lagging[fw.Name] = now
	m, err := a.machines.GetMachine(ctx, ms.MachineID)
	if err != nil {
		return fmt.Errorf("looking up its machine in the metal-api: %w", err)
	}
	// As firewall-controller-manager counts a firewall ready, but for its crash-loop flag: a crash-looping firewall
	// (phase Crashing) only gets reconciled more often.
	if m.Liveliness != "Alive" || m.LastEvent != phonedHome {
		return nil
	}
	patch := client.MergeFrom(fw.DeepCopy())
	metav1.SetMetaDataAnnotation(&fw.ObjectMeta, fcmv2.ReconcileAnnotation, "true")
	if err := a.seed.Patch(ctx, fw, patch); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("setting %s: %w", fcmv2.ReconcileAnnotation, err)
	}
	a.log.Info("The firewall's phase is behind its machine in the metal-api, asked firewall-controller-manager to reconcile it",
		"firewall", fw.Name, "machine", ms.MachineID, "phase", fw.Status.Phase)
	return nil
}
