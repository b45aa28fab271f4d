// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package mcm

import (
	"context"
	"fmt"
	"slices"
	"strings"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/driver"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/machinecodes/codes"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/machinecodes/status"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"

	"github.com/metalgarden/metalgarden/pkg/metal"
)

// ProviderIDPrefix starts the provider IDs of metal-stack machines, "metal://<partition>/<machine ID>", the
// format metal-stack's cloud-controller-manager sets on nodes.
const ProviderIDPrefix = "metal://"

// ClientSource returns metal-api clients; metal.ClientCache is one.
type ClientSource interface {
	// Client returns the client of the metal-api at endpoint with the credentials.
	Client(endpoint string, creds metal.Credentials) (metal.Client, error)
}

// Driver implements machine-controller-manager's driver.Driver for metal-stack: a Machine is a leased metal-api
// machine carrying the shoot's cluster tag and the tag with the Machine's name. Every operation finds the
// machine by these tags (or by the provider ID once MCM recorded it), so a create whose answer was lost is found
// on retry instead of leasing a second machine, and a delete of a machine that is gone succeeds.
type Driver struct {
	clients ClientSource
	log     logr.Logger
}

var _ driver.Driver = (*Driver)(nil)

// NewDriver returns a driver that gets its metal-api clients from clients.
func NewDriver(clients ClientSource, log logr.Logger) *Driver {
	return &Driver{clients: clients, log: log}
}

// ProviderID returns the provider ID of a machine.
func ProviderID(m *metal.Machine) string { return ProviderIDPrefix + m.PartitionID + "/" + m.ID }

// MachineIDFromProviderID returns the metal-api machine ID of a provider ID; ok is false for a provider ID of
// another provider.
func MachineIDFromProviderID(providerID string) (id string, ok bool) {
	rest, found := strings.CutPrefix(providerID, ProviderIDPrefix)
	if !found {
		return "", false
	}
	id = rest[strings.LastIndex(rest, "/")+1:]
	return id, id != ""
}

// request is what every operation needs: the decoded class and the client.
type request struct {
	spec   *ProviderSpec
	leases metal.MachineLeases
}

// prepare decodes the class and builds the metal-api client from the class's secrets (MCM hands the driver the
// class secret and the credentials secret merged).
func (d *Driver) prepare(class *machinev1alpha1.MachineClass, secret *corev1.Secret) (*request, error) {
	spec, err := DecodeProviderSpec(class)
	if err != nil {
		return nil, invalidClass(err)
	}
	if secret == nil {
		return nil, invalidClass(fmt.Errorf("machine class %s comes without secret data", class.Name))
	}
	named := &corev1.Secret{Data: secret.Data}
	named.Namespace, named.Name = class.Namespace, className(class)
	creds, err := metal.CredentialsFromSecret(named)
	if err != nil {
		return nil, invalidClass(err)
	}
	c, err := d.clients.Client(spec.MetalAPIURL, creds)
	if err != nil {
		return nil, invalidClass(fmt.Errorf("machine class %s: %w", class.Name, err))
	}
	leases, err := metal.MachineLeasesOf(c)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &request{spec: spec, leases: leases}, nil
}

// className names the secrets of a class in messages.
func className(class *machinev1alpha1.MachineClass) string {
	if ref := class.CredentialsSecretRef; ref != nil {
		return ref.Name
	}
	if ref := class.SecretRef; ref != nil {
		return ref.Name
	}
	return class.Name
}

// ownerTags are the tags that identify the machine of an MCM Machine.
func (r *request) ownerTags(machineName string) []string {
	return []string{r.spec.ClusterTag(), metal.MachineNameTag(machineName)}
}

// find returns the machines leased for an MCM Machine, oldest first.
func (r *request) find(ctx context.Context, machineName string) ([]metal.Machine, error) {
	return r.leases.FindMachines(ctx, metal.MachineQuery{
		ProjectID:   r.spec.Project,
		PartitionID: r.spec.Partition,
		Tags:        r.ownerTags(machineName),
	})
}

// byProviderID reads the machine of a provider ID if it is still the Machine's; nil if not.
func (r *request) byProviderID(ctx context.Context, providerID, machineName string) (*metal.Machine, error) {
	id, ok := MachineIDFromProviderID(providerID)
	if !ok {
		return nil, nil
	}
	m, err := r.leases.GetMachine(ctx, id)
	switch {
	case metal.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	case m.ProjectID != r.spec.Project || !m.HasTags(r.ownerTags(machineName)...):
		// Freed and maybe leased again by somebody else: no longer this Machine's.
		return nil, nil
	}
	return m, nil
}

// keepOne returns the oldest of the machines leased for one MCM Machine and frees the others: should a lost
// answer and a retry ever have leased two, the Machine keeps exactly one.
func (d *Driver) keepOne(ctx context.Context, r *request, machineName string, found []metal.Machine) (*metal.Machine, error) {
	keep := found[0]
	for _, extra := range found[1:] {
		d.log.Info("Freeing a second machine leased for the same Machine", "machine", machineName, "kept", keep.ID, "freed", extra.ID)
		if _, err := r.leases.FreeMachine(ctx, extra.ID, r.ownerTags(machineName)...); err != nil {
			return nil, statusFor(fmt.Sprintf("freeing machine %s, a duplicate lease for Machine %s", extra.ID, machineName), err)
		}
	}
	return &keep, nil
}

// addresses are the node addresses of a machine: its node network IPs (IPv4 first) and its host name.
func addresses(m *metal.Machine, nodeName string) []corev1.NodeAddress {
	var out []corev1.NodeAddress
	for _, ip := range m.PrivateIPs() {
		out = append(out, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: ip.String()})
	}
	if nodeName != "" {
		out = append(out, corev1.NodeAddress{Type: corev1.NodeHostName, Address: nodeName})
	}
	return out
}

// nodeName is the node name of a machine: its host name, which the driver sets to the MCM Machine's name.
func nodeName(m *metal.Machine) string {
	if m.Hostname != "" {
		return m.Hostname
	}
	return m.Name
}

// CreateMachine leases a machine for the MCM Machine, or returns the one already leased for it.
func (d *Driver) CreateMachine(ctx context.Context, req *driver.CreateMachineRequest) (*driver.CreateMachineResponse, error) {
	if req == nil || req.Machine == nil {
		return nil, status.Error(codes.InvalidArgument, "create request without machine")
	}
	r, err := d.prepare(req.MachineClass, req.Secret)
	if err != nil {
		return nil, err
	}
	name := req.Machine.Name
	log := d.log.WithValues("machine", req.Machine.Namespace+"/"+name)

	found, err := r.find(ctx, name)
	if err != nil {
		return nil, statusFor("looking for the machine of Machine "+name, err)
	}
	if len(found) > 0 {
		m, err := d.keepOne(ctx, r, name, found)
		if err != nil {
			return nil, err
		}
		log.Info("Machine already leased", "id", m.ID)
		return createResponse(m), nil
	}

	userData := req.Secret.Data[UserDataKey]
	if len(userData) == 0 {
		return nil, invalidClass(fmt.Errorf("the secret of machine class %s holds no %q", req.MachineClass.Name, UserDataKey))
	}
	alloc := metal.MachineAllocation{
		Name:          name,
		Hostname:      name,
		Description:   "worker of cluster " + r.spec.ClusterID + ", leased by machine-controller-manager",
		PartitionID:   r.spec.Partition,
		SizeID:        r.spec.Size,
		ImageID:       r.spec.Image,
		ProjectID:     r.spec.Project,
		Networks:      r.spec.Networks,
		UserData:      string(userData),
		SSHPublicKeys: r.spec.SSHKeys,
		Tags:          machineTags(r.spec.Tags, r.ownerTags(name)),
		DNSServers:    r.spec.DNSServers,
		NTPServers:    r.spec.NTPServers,
	}
	m, err := r.leases.AllocateMachine(ctx, alloc)
	if err != nil {
		if !metal.IsRetriable(err) {
			return nil, statusFor(fmt.Sprintf("leasing a machine of size %s with image %s in partition %s for Machine %s", r.spec.Size, r.spec.Image, r.spec.Partition, name), err)
		}
		// The allocation may have happened even though its answer got lost: look once more before giving up.
		again, findErr := r.find(ctx, name)
		if findErr != nil || len(again) == 0 {
			return nil, statusFor("leasing a machine for Machine "+name+" (no answer from the metal-api)", err)
		}
		if m, err = d.keepOne(ctx, r, name, again); err != nil {
			return nil, err
		}
		log.Info("Found the machine whose allocation answer was lost", "id", m.ID)
	}
	log.Info("Leased machine", "id", m.ID, "size", m.SizeID, "image", m.ImageID)
	return createResponse(m), nil
}

// machineTags are the class's tags plus the owner tags, each once, in a stable order.
func machineTags(classTags, owner []string) []string {
	out := slices.Clone(classTags)
	for _, t := range owner {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func createResponse(m *metal.Machine) *driver.CreateMachineResponse {
	node := nodeName(m)
	return &driver.CreateMachineResponse{ProviderID: ProviderID(m), NodeName: node, Addresses: addresses(m, node)}
}

// InitializeMachine is not needed: the metal-api configures a machine's networks as part of the allocation, so
// MCM skips the step when it sees Unimplemented.
func (d *Driver) InitializeMachine(_ context.Context, _ *driver.InitializeMachineRequest) (*driver.InitializeMachineResponse, error) {
	return nil, status.Error(codes.Unimplemented, "metal-stack machines are fully configured by their allocation")
}

// DeleteMachine frees the machine(s) of the MCM Machine: the one of its provider ID and any found by its tags.
// A machine that is gone, already free or leased by somebody else meanwhile counts as deleted.
func (d *Driver) DeleteMachine(ctx context.Context, req *driver.DeleteMachineRequest) (*driver.DeleteMachineResponse, error) {
	if req == nil || req.Machine == nil {
		return nil, status.Error(codes.InvalidArgument, "delete request without machine")
	}
	r, err := d.prepare(req.MachineClass, req.Secret)
	if err != nil {
		return nil, err
	}
	name := req.Machine.Name
	var ids []string
	if id, ok := MachineIDFromProviderID(req.Machine.Spec.ProviderID); ok {
		ids = append(ids, id)
	}
	found, err := r.find(ctx, name)
	if err != nil {
		return nil, statusFor("looking for the machine of Machine "+name, err)
	}
	for _, m := range found {
		if !slices.Contains(ids, m.ID) {
			ids = append(ids, m.ID)
		}
	}
	for _, id := range ids {
		freed, err := r.leases.FreeMachine(ctx, id, r.ownerTags(name)...)
		if err != nil {
			return nil, statusFor(fmt.Sprintf("freeing machine %s of Machine %s", id, name), err)
		}
		d.log.Info("Deleted machine", "machine", req.Machine.Namespace+"/"+name, "id", id, "freed", freed)
	}
	return &driver.DeleteMachineResponse{}, nil
}

// GetMachineStatus reports the machine of the MCM Machine, found by provider ID or by its tags; NotFound makes
// MCM create it.
func (d *Driver) GetMachineStatus(ctx context.Context, req *driver.GetMachineStatusRequest) (*driver.GetMachineStatusResponse, error) {
	if req == nil || req.Machine == nil {
		return nil, status.Error(codes.InvalidArgument, "status request without machine")
	}
	r, err := d.prepare(req.MachineClass, req.Secret)
	if err != nil {
		return nil, err
	}
	name := req.Machine.Name
	m, err := r.byProviderID(ctx, req.Machine.Spec.ProviderID, name)
	if err != nil {
		return nil, statusFor("reading the machine of Machine "+name, err)
	}
	if m == nil {
		found, err := r.find(ctx, name)
		if err != nil {
			return nil, statusFor("looking for the machine of Machine "+name, err)
		}
		if len(found) == 0 {
			return nil, status.Error(codes.NotFound, fmt.Sprintf("no machine is leased for Machine %s in project %s", name, r.spec.Project))
		}
		m = &found[0]
	}
	node := nodeName(m)
	return &driver.GetMachineStatusResponse{ProviderID: ProviderID(m), NodeName: node, Addresses: addresses(m, node)}, nil
}

// ListMachines lists the machines of the class's cluster in its project and partition, by provider ID with the
// MCM Machine name they were leased for. MCM's orphan collection frees those without a Machine, so the list
// never includes machines of other clusters.
func (d *Driver) ListMachines(ctx context.Context, req *driver.ListMachinesRequest) (*driver.ListMachinesResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "list request without machine class")
	}
	r, err := d.prepare(req.MachineClass, req.Secret)
	if err != nil {
		return nil, err
	}
	found, err := r.leases.FindMachines(ctx, metal.MachineQuery{
		ProjectID:   r.spec.Project,
		PartitionID: r.spec.Partition,
		Tags:        []string{r.spec.ClusterTag()},
	})
	if err != nil {
		return nil, statusFor("listing the machines of cluster "+r.spec.ClusterID, err)
	}
	list := make(map[string]string, len(found))
	for i := range found {
		list[ProviderID(&found[i])] = machineNameOf(&found[i])
	}
	return &driver.ListMachinesResponse{MachineList: list}, nil
}

// machineNameOf is the MCM Machine name a machine was leased for: the value of its machine name tag.
func machineNameOf(m *metal.Machine) string {
	prefix := metal.MachineNameTag("")
	for _, t := range m.Tags {
		if name, ok := strings.CutPrefix(t, prefix); ok && name != "" {
			return name
		}
	}
	return m.Name
}

// GetVolumeIDs returns no IDs: metal-stack machines have only local disks, there are no provider volumes that
// MCM would have to wait for to detach when draining a node.
func (d *Driver) GetVolumeIDs(_ context.Context, _ *driver.GetVolumeIDsRequest) (*driver.GetVolumeIDsResponse, error) {
	return &driver.GetVolumeIDsResponse{VolumeIDs: []string{}}, nil
}
