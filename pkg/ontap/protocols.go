package ontap

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/n_a_s"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/n_v_me"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/s_a_n"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

// serviceState reports whether the protocol service of an SVM exists and is
// enabled.
func (c *Client) serviceState(ctx context.Context, proto Protocol, svmUUID string) (exists, enabled bool, err error) {
	fields := []string{"svm", "enabled"}
	switch proto {
	case ProtocolNVMe:
		p := n_v_me.NewNvmeServiceCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithSvmUUID(&svmUUID).WithFields(fields)
		resp, err := c.api.NvMe.NvmeServiceCollectionGet(p, c.auth)
		if err != nil {
			return false, false, err
		}
		for _, s := range resp.Payload.NvmeServiceResponseInlineRecords {
			return true, deref(s.Enabled), nil
		}
	case ProtocolISCSI:
		p := s_a_n.NewIscsiServiceCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithSvmUUID(&svmUUID).WithFields(fields)
		resp, err := c.api.San.IscsiServiceCollectionGet(p, c.auth)
		if err != nil {
			return false, false, err
		}
		for _, s := range resp.Payload.IscsiServiceResponseInlineRecords {
			return true, deref(s.Enabled), nil
		}
	case ProtocolNFS:
		p := n_a_s.NewNfsCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithSvmUUID(&svmUUID).WithFields(fields)
		resp, err := c.api.Nas.NfsCollectionGet(p, c.auth)
		if err != nil {
			return false, false, err
		}
		for _, s := range resp.Payload.NfsServiceResponseInlineRecords {
			return true, deref(s.Enabled), nil
		}
	default:
		return false, false, &Error{Class: ClassConfiguration, Message: fmt.Sprintf("unknown protocol %q", proto)}
	}
	return false, false, nil
}

func (c *Client) createService(ctx context.Context, proto Protocol, svmUUID string) error {
	var err error
	switch proto {
	case ProtocolNVMe:
		info := &models.NvmeService{Svm: &models.NvmeServiceInlineSvm{UUID: new(svmUUID)}, Enabled: new(true)}
		_, err = c.api.NvMe.NvmeServiceCreate(n_v_me.NewNvmeServiceCreateParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithInfo(info), c.auth)
	case ProtocolISCSI:
		info := &models.IscsiService{Svm: &models.IscsiServiceInlineSvm{UUID: new(svmUUID)}, Enabled: new(true)}
		_, err = c.api.San.IscsiServiceCreate(s_a_n.NewIscsiServiceCreateParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithInfo(info), c.auth)
	case ProtocolNFS:
		info := &models.NfsService{Svm: &models.NfsServiceInlineSvm{UUID: new(svmUUID)}, Enabled: new(true)}
		_, err = c.api.Nas.NfsCreate(n_a_s.NewNfsCreateParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithInfo(info), c.auth)
	}
	return tolerate(err)
}

func (c *Client) setServiceEnabled(ctx context.Context, proto Protocol, svmUUID string, enabled bool) error {
	var err error
	switch proto {
	case ProtocolNVMe:
		p := n_v_me.NewNvmeServiceModifyParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithSvmUUID(svmUUID).
			WithInfo(&models.NvmeService{Enabled: new(enabled)})
		_, err = c.api.NvMe.NvmeServiceModify(p, c.auth)
	case ProtocolISCSI:
		p := s_a_n.NewIscsiServiceModifyParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithSvmUUID(svmUUID).
			WithInfo(&models.IscsiService{Enabled: new(enabled)})
		_, err = c.api.San.IscsiServiceModify(p, c.auth)
	case ProtocolNFS:
		p := n_a_s.NewNfsModifyParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithSvmUUID(svmUUID).
			WithInfo(&models.NfsService{Enabled: new(enabled)})
		_, err = c.api.Nas.NfsModify(p, c.auth)
	}
	return tolerate(err)
}

func (c *Client) deleteService(ctx context.Context, proto Protocol, svmUUID string) error {
	var err error
	switch proto {
	case ProtocolNVMe:
		_, err = c.api.NvMe.NvmeServiceDelete(n_v_me.NewNvmeServiceDeleteParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithSvmUUID(svmUUID), c.auth)
	case ProtocolISCSI:
		_, err = c.api.San.IscsiServiceDelete(s_a_n.NewIscsiServiceDeleteParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithSvmUUID(svmUUID), c.auth)
	case ProtocolNFS:
		_, err = c.api.Nas.NfsDelete(n_a_s.NewNfsDeleteParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithSvmUUID(svmUUID), c.auth)
	}
	if err = tolerate(err); err != nil && !IsNotFound(classify(err)) {
		return err
	}
	return nil
}

// EnsureProtocols creates the protocol services that are missing and enables
// the disabled ones. Protocols not named are left alone.
func (c *Client) EnsureProtocols(ctx context.Context, svmName string, protocols ...Protocol) error {
	op := fmt.Sprintf("ensuring protocols %v of SVM %s", protocols, svmName)
	for _, p := range protocols {
		if !slices.Contains([]Protocol{ProtocolNVMe, ProtocolISCSI, ProtocolNFS}, p) {
			return c.wrap(op, &Error{Class: ClassConfiguration, Message: fmt.Sprintf("unknown protocol %q (known: nvme, iscsi, nfs)", p)})
		}
	}
	uuid, err := c.svmUUID(ctx, op, svmName)
	if err != nil {
		return err
	}
	for _, p := range protocols {
		exists, enabled, err := c.serviceState(ctx, p, uuid)
		if err != nil {
			return c.wrap(fmt.Sprintf("reading the %s service of SVM %s", p, svmName), err)
		}
		switch {
		case !exists:
			if err := c.createService(ctx, p, uuid); err != nil {
				return c.wrap(fmt.Sprintf("creating the %s service of SVM %s", p, svmName), err)
			}
		case !enabled:
			if err := c.setServiceEnabled(ctx, p, uuid, true); err != nil {
				return c.wrap(fmt.Sprintf("enabling the %s service of SVM %s", p, svmName), err)
			}
		}
	}
	return nil
}

func exportRules(clients []netip.Prefix) []*models.ExportRules {
	sys := func() []*models.ExportAuthenticationFlavor {
		return []*models.ExportAuthenticationFlavor{new(models.ExportAuthenticationFlavor("sys"))}
	}
	var rules []*models.ExportRules
	for _, cl := range clients {
		rules = append(rules, &models.ExportRules{
			ExportRulesInlineClients:   []*models.ExportClients{{Match: new(cl.Masked().String())}},
			ExportRulesInlineRoRule:    sys(),
			ExportRulesInlineRwRule:    sys(),
			ExportRulesInlineSuperuser: sys(),
			Protocols:                  []*string{new("nfs")},
		})
	}
	return rules
}

// ruleClients is the list of client matches of a policy's rules, in order.
func ruleClients(rules []*models.ExportRules) []string {
	var out []string
	for _, r := range rules {
		for _, cl := range r.ExportRulesInlineClients {
			out = append(out, deref(cl.Match))
		}
	}
	return out
}

// EnsureExportPolicy creates the NFS export policy with one rule per client
// network, or replaces the rules when the client networks differ.
func (c *Client) EnsureExportPolicy(ctx context.Context, svmName string, spec ExportPolicySpec) error {
	op := fmt.Sprintf("ensuring export policy %s of SVM %s", spec.Name, svmName)
	if spec.Name == "" || len(spec.Clients) == 0 {
		return c.wrap(op, &Error{Class: ClassConfiguration, Message: "export policy name and at least one client network are required"})
	}
	uuid, err := c.svmUUID(ctx, op, svmName)
	if err != nil {
		return err
	}
	p := n_a_s.NewExportPolicyCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).
		WithSvmUUID(&uuid).WithName(&spec.Name).WithFields([]string{"id", "name", "rules"})
	resp, err := c.api.Nas.ExportPolicyCollectionGet(p, c.auth)
	if err != nil {
		return c.wrap(op, err)
	}
	want := make([]string, 0, len(spec.Clients))
	for _, cl := range spec.Clients {
		want = append(want, cl.Masked().String())
	}
	for _, ep := range resp.Payload.ExportPolicyResponseInlineRecords {
		if deref(ep.Name) != spec.Name {
			continue
		}
		if slices.Equal(ruleClients(ep.ExportPolicyInlineRules), want) {
			return nil
		}
		mp := n_a_s.NewExportPolicyModifyParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithID(deref(ep.ID)).
			WithInfo(&models.ExportPolicy{ExportPolicyInlineRules: exportRules(spec.Clients)})
		if _, err := c.api.Nas.ExportPolicyModify(mp, c.auth); tolerate(err) != nil {
			return c.wrap(op, err)
		}
		return nil
	}
	info := &models.ExportPolicy{
		Name:                    new(spec.Name),
		Svm:                     &models.ExportPolicyInlineSvm{UUID: new(uuid)},
		ExportPolicyInlineRules: exportRules(spec.Clients),
	}
	cp := n_a_s.NewExportPolicyCreateParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithInfo(info)
	if _, err := c.api.Nas.ExportPolicyCreate(cp, c.auth); tolerate(err) != nil {
		return c.wrap(op, err)
	}
	return nil
}
