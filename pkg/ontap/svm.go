package ontap

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/n_a_s"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/n_v_me"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/s_a_n"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/security"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/storage"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/svm"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

func svmFromModel(s *models.Svm) SVM {
	out := SVM{Name: deref(s.Name), UUID: deref(s.UUID), State: deref(s.State), Comment: deref(s.Comment)}
	for _, a := range s.SvmInlineAggregates {
		out.Aggregates = append(out.Aggregates, deref(a.Name))
	}
	slices.Sort(out.Aggregates)
	// ONTAP says "unlimited" or a number; anything else counts as unlimited
	// and gets the desired value written.
	if n, err := strconv.Atoi(deref(s.MaxVolumes)); err == nil && n > 0 {
		out.MaxVolumes = n
	}
	if s.QosPolicy != nil {
		out.QoSPolicy = deref(s.QosPolicy.Name)
	}
	return out
}

// maxVolumes is ONTAP's max_volumes for a limit, 0 meaning unlimited.
func maxVolumes(n int) string {
	if n <= 0 {
		return "unlimited"
	}
	return strconv.Itoa(n)
}

// GetSVM returns the SVM; IsNotFound(err) when it does not exist.
func (c *Client) GetSVM(ctx context.Context, name string) (SVM, error) {
	op := "reading SVM " + name
	s, err := c.findSVM(ctx, name)
	if err != nil {
		return SVM{}, c.wrap(op, err)
	}
	if s == nil {
		return SVM{}, c.wrap(op, notFoundError("SVM "+name))
	}
	return svmFromModel(s), nil
}

// EnsureSVM finds the SVM by name or creates it. Creation is an
// asynchronous ONTAP job which EnsureSVM waits for. When an earlier attempt
// lost the answer to its create request, the SVM is found by name and not
// created twice. Comment, aggregates and the volume limit of an existing SVM
// are repaired; a new SVM gets its volume limit the same way, right after it
// was created.
func (c *Client) EnsureSVM(ctx context.Context, spec SVMSpec) (SVM, error) {
	if spec.Name == "" {
		return SVM{}, c.wrap("ensuring SVM", &Error{Class: ClassConfiguration, Message: "SVM name is empty"})
	}
	existing, err := c.findSVM(ctx, spec.Name)
	if err != nil {
		return SVM{}, c.wrap("looking up SVM "+spec.Name, err)
	}
	if existing == nil {
		op := "creating SVM " + spec.Name
		info := &models.Svm{Name: new(spec.Name)}
		if spec.Comment != "" {
			info.Comment = new(spec.Comment)
		}
		if spec.Language != "" {
			info.Language = new(spec.Language)
		}
		for _, a := range spec.Aggregates {
			info.SvmInlineAggregates = append(info.SvmInlineAggregates, &models.SvmInlineAggregatesInlineArrayItem{Name: new(a)})
		}
		p := svm.NewSvmCreateParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithInfo(info)
		resp, err := c.api.Svm.SvmCreate(p, c.auth)
		if err = tolerate(err); err != nil {
			return SVM{}, c.wrap(op, err)
		}
		if resp != nil {
			if err := c.waitJob(ctx, resp.Payload); err != nil {
				return SVM{}, c.wrap(op, err)
			}
		}
		if existing, err = c.findSVM(ctx, spec.Name); err != nil {
			return SVM{}, c.wrap(op, err)
		}
		if existing == nil {
			return SVM{}, c.wrap(op, &Error{Class: ClassRetriable, Message: "the creation job succeeded but the SVM is not listed"})
		}
	}
	if deref(existing.State) == "initializing" {
		// Another attempt (or a lost answer) started the creation job.
		if existing, err = c.waitSVMRunning(ctx, spec.Name); err != nil {
			return SVM{}, c.wrap("waiting for SVM "+spec.Name+" to be created", err)
		}
	}

	current := svmFromModel(existing)
	patch := &models.Svm{}
	changed := false
	if spec.Comment != "" && current.Comment != spec.Comment {
		patch.Comment, changed = new(spec.Comment), true
	}
	if want := sortedCopy(spec.Aggregates); len(want) > 0 && !slices.Equal(want, current.Aggregates) {
		for _, a := range want {
			patch.SvmInlineAggregates = append(patch.SvmInlineAggregates, &models.SvmInlineAggregatesInlineArrayItem{Name: new(a)})
		}
		changed = true
	}
	if want := maxVolumes(spec.MaxVolumes); want != maxVolumes(current.MaxVolumes) {
		patch.MaxVolumes, changed = new(want), true
	}
	if !changed {
		return current, nil
	}
	op := "updating SVM " + spec.Name
	p := svm.NewSvmModifyParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithUUID(current.UUID).WithInfo(patch)
	resp, err := c.api.Svm.SvmModify(p, c.auth)
	if err = tolerate(err); err != nil {
		return SVM{}, c.wrap(op, err)
	}
	if resp != nil {
		if err := c.waitJob(ctx, resp.Payload); err != nil {
			return SVM{}, c.wrap(op, err)
		}
	}
	return c.GetSVM(ctx, spec.Name)
}

func (c *Client) waitSVMRunning(ctx context.Context, name string) (*models.Svm, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.JobTimeout)
	defer cancel()
	interval := c.cfg.JobPollInterval
	for {
		s, err := c.findSVM(ctx, name)
		if err != nil {
			return nil, err
		}
		if s == nil {
			return nil, &Error{Class: ClassRetriable, Message: "the SVM disappeared while it was being created (creation job failed?)"}
		}
		if deref(s.State) != "initializing" {
			return s, nil
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, &Error{Class: ClassRetriable, Message: "timed out waiting for the SVM to leave state initializing", cause: ctx.Err()}
		case <-t.C:
		}
		interval = min(2*interval, maxJobPollInterval)
	}
}

func sortedCopy(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}

// DeleteSVM deletes the SVM in the order ONTAP needs: it refuses while
// volumes, LUNs or NVMe namespaces exist (ErrSVMNotEmpty, retriable: the
// shoot's Trident deletes them), then disables and deletes the protocol
// services, deletes the SVM-scoped accounts and export policies, removes the
// SVM's QoS policy from it and deletes the policies it owns, deletes LIFs and
// routes, and finally the SVM (an asynchronous job). A missing SVM is not an
// error.
func (c *Client) DeleteSVM(ctx context.Context, name string) error {
	op := "deleting SVM " + name
	s, err := c.findSVM(ctx, name)
	if err != nil {
		return c.wrap(op, err)
	}
	if s == nil {
		return nil
	}
	uuid := deref(s.UUID)

	if err := c.checkSVMEmpty(ctx, uuid); err != nil {
		return c.wrap(op, err)
	}
	if err := c.deleteServices(ctx, uuid); err != nil {
		return c.wrap(op, err)
	}
	if err := c.deleteSVMAccounts(ctx, uuid); err != nil {
		return c.wrap(op, err)
	}
	if err := c.deleteExportPolicies(ctx, uuid); err != nil {
		return c.wrap(op, err)
	}
	if err := c.deleteQoSPolicies(ctx, s); err != nil {
		return c.wrap(op, err)
	}
	lifs, err := c.listInterfaces(ctx, uuid, "")
	if err != nil {
		return c.wrap(op, err)
	}
	for _, l := range lifs {
		if err := c.deleteInterface(ctx, deref(l.UUID)); err != nil {
			return c.wrap(fmt.Sprintf("%s: deleting interface %s", op, deref(l.Name)), err)
		}
	}
	routes, err := c.listRoutes(ctx, uuid)
	if err != nil {
		return c.wrap(op, err)
	}
	for _, r := range routes {
		if err := c.deleteRoute(ctx, deref(r.UUID)); err != nil {
			return c.wrap(op+": deleting route", err)
		}
	}
	p := svm.NewSvmDeleteParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithUUID(uuid)
	resp, err := c.api.Svm.SvmDelete(p, c.auth)
	if err = tolerate(err); err != nil {
		if IsNotFound(classify(err)) {
			return nil
		}
		return c.wrap(op, err)
	}
	if resp != nil {
		if err := c.waitJob(ctx, resp.Payload); err != nil {
			return c.wrap(op, err)
		}
	}
	return nil
}

// checkSVMEmpty lists the storage objects that keep an SVM alive; the SVM
// root volume does not count.
func (c *Client) checkSVMEmpty(ctx context.Context, uuid string) error {
	var parts []string
	vp := storage.NewVolumeCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).
		WithSvmUUID(&uuid).WithFields([]string{"name", "is_svm_root"})
	vols, err := c.api.Storage.VolumeCollectionGet(vp, c.auth)
	if err != nil {
		return err
	}
	var names []string
	for _, v := range vols.Payload.VolumeResponseInlineRecords {
		if !deref(v.IsSvmRoot) {
			names = append(names, deref(v.Name))
		}
	}
	if len(names) > 0 {
		parts = append(parts, fmt.Sprintf("%d volume(s) (%s)", len(names), strings.Join(names, ", ")))
	}
	lp := s_a_n.NewLunCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithSvmUUID(&uuid)
	luns, err := c.api.San.LunCollectionGet(lp, c.auth)
	if err != nil {
		return err
	}
	if n := len(luns.Payload.LunResponseInlineRecords); n > 0 {
		parts = append(parts, fmt.Sprintf("%d LUN(s)", n))
	}
	np := n_v_me.NewNvmeNamespaceCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithSvmUUID(&uuid)
	nss, err := c.api.NvMe.NvmeNamespaceCollectionGet(np, c.auth)
	if err != nil {
		return err
	}
	if n := len(nss.Payload.NvmeNamespaceResponseInlineRecords); n > 0 {
		parts = append(parts, fmt.Sprintf("%d NVMe namespace(s)", n))
	}
	if len(parts) == 0 {
		return nil
	}
	return &Error{
		Class:   ClassRetriable,
		Message: "the SVM still holds " + strings.Join(parts, ", ") + "; delete the shoot's persistent volumes first",
		cause:   ErrSVMNotEmpty,
	}
}

// deleteServices disables and deletes the NVMe, iSCSI and NFS services
// (ONTAP refuses to delete an enabled iSCSI or NVMe service).
func (c *Client) deleteServices(ctx context.Context, uuid string) error {
	for _, proto := range []Protocol{ProtocolNVMe, ProtocolISCSI, ProtocolNFS} {
		exists, enabled, err := c.serviceState(ctx, proto, uuid)
		if err != nil {
			return err
		}
		if !exists {
			continue
		}
		if enabled {
			if err := c.setServiceEnabled(ctx, proto, uuid, false); err != nil {
				return err
			}
		}
		if err := c.deleteService(ctx, proto, uuid); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) deleteSVMAccounts(ctx context.Context, uuid string) error {
	p := security.NewAccountCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithOwnerUUID(&uuid)
	resp, err := c.api.Security.AccountCollectionGet(p, c.auth)
	if err != nil {
		return err
	}
	for _, a := range resp.Payload.AccountResponseInlineRecords {
		if a.Owner == nil || deref(a.Owner.UUID) != uuid {
			continue
		}
		dp := security.NewAccountDeleteParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithOwnerUUID(uuid).WithName(deref(a.Name))
		if _, err := c.api.Security.AccountDelete(dp, c.auth); tolerate(err) != nil && !IsNotFound(classify(err)) {
			return err
		}
	}
	return nil
}

// deleteExportPolicies deletes the SVM's export policies except "default",
// which ONTAP removes with the SVM.
func (c *Client) deleteExportPolicies(ctx context.Context, uuid string) error {
	p := n_a_s.NewExportPolicyCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithSvmUUID(&uuid)
	resp, err := c.api.Nas.ExportPolicyCollectionGet(p, c.auth)
	if err != nil {
		return err
	}
	for _, ep := range resp.Payload.ExportPolicyResponseInlineRecords {
		if deref(ep.Name) == "default" {
			continue
		}
		dp := n_a_s.NewExportPolicyDeleteParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithID(deref(ep.ID))
		if _, err := c.api.Nas.ExportPolicyDelete(dp, c.auth); tolerate(err) != nil && !IsNotFound(classify(err)) {
			return err
		}
	}
	return nil
}
