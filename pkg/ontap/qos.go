package ontap

import (
	"context"
	"fmt"

	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/storage"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/svm"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

// qosPolicyNone is the policy name that removes an SVM's QoS policy, as in
// "vserver modify -qos-policy-group none".
const qosPolicyNone = "none"

var qosPolicyFields = []string{"name", "uuid", "svm.name", "svm.uuid", "fixed"}

func qosPolicyFromModel(p *models.QosPolicy) QoSPolicy {
	out := QoSPolicy{Name: deref(p.Name), UUID: deref(p.UUID)}
	if p.Svm != nil {
		out.SVM = deref(p.Svm.Name)
	}
	if f := p.Fixed; f != nil {
		out.MaxIOPS, out.MaxThroughputMBps, out.Shared = deref(f.MaxThroughputIops), deref(f.MaxThroughputMbps), deref(f.CapacityShared)
	}
	return out
}

// findQoSPolicy looks a QoS policy up by name (unique in the cluster); nil
// without error when it does not exist.
func (c *Client) findQoSPolicy(ctx context.Context, name string) (*models.QosPolicy, error) {
	p := storage.NewQosPolicyCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).
		WithName(&name).WithFields(qosPolicyFields)
	resp, err := c.api.Storage.QosPolicyCollectionGet(p, c.auth)
	if err != nil {
		return nil, err
	}
	if resp.Payload != nil {
		for _, r := range resp.Payload.QosPolicyResponseInlineRecords {
			if deref(r.Name) == name {
				return r, nil
			}
		}
	}
	return nil, nil
}

// EnsureQoSPolicy creates the SVM's fixed QoS policy or repairs its limits,
// and applies it to the SVM. The policy is shared: its ceiling holds for all
// storage objects of the SVM together. ONTAP then refuses QoS policies on
// the SVM's volumes and LUNs (before ONTAP 9.18.1), which is the point: the
// shoot gets no more than its ceiling. Every step reads first, so an SVM
// that has its policy makes no write.
func (c *Client) EnsureQoSPolicy(ctx context.Context, svmName string, spec QoSPolicySpec) (QoSPolicy, error) {
	op := fmt.Sprintf("ensuring QoS policy %s of SVM %s", spec.Name, svmName)
	if spec.Name == "" || spec.MaxIOPS < 0 || spec.MaxThroughputMBps < 0 {
		return QoSPolicy{}, c.wrap(op, &Error{Class: ClassConfiguration, Message: "a QoS policy needs a name and limits that are not negative"})
	}
	s, err := c.findSVM(ctx, svmName)
	if err != nil {
		return QoSPolicy{}, c.wrap(op, err)
	}
	if s == nil {
		return QoSPolicy{}, c.wrap(op, notFoundError("SVM "+svmName))
	}
	svmUUID := deref(s.UUID)

	p, err := c.findQoSPolicy(ctx, spec.Name)
	if err != nil {
		return QoSPolicy{}, c.wrap(op, err)
	}
	switch {
	case p == nil:
		info := &models.QosPolicy{
			Name: new(spec.Name),
			Svm:  &models.QosPolicyInlineSvm{UUID: new(svmUUID)},
			Fixed: &models.QosPolicyInlineFixed{
				MaxThroughputIops: new(spec.MaxIOPS),
				MaxThroughputMbps: new(spec.MaxThroughputMBps),
				CapacityShared:    new(true),
			},
		}
		cp := storage.NewQosPolicyCreateParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithInfo(info)
		resp, err := c.api.Storage.QosPolicyCreate(cp, c.auth)
		if err = tolerate(err); err != nil {
			return QoSPolicy{}, c.wrap(op, err)
		}
		if resp != nil {
			if err := c.waitJob(ctx, resp.Payload); err != nil {
				return QoSPolicy{}, c.wrap(op, err)
			}
		}
		if p, err = c.findQoSPolicy(ctx, spec.Name); err != nil {
			return QoSPolicy{}, c.wrap(op, err)
		}
		if p == nil {
			return QoSPolicy{}, c.wrap(op, &Error{Class: ClassRetriable, Message: "the creation job succeeded but the QoS policy is not listed"})
		}
	case p.Svm == nil || deref(p.Svm.UUID) != svmUUID:
		owner := ""
		if p.Svm != nil {
			owner = deref(p.Svm.Name)
		}
		return QoSPolicy{}, c.wrap(op, &Error{Class: ClassConfiguration, Message: fmt.Sprintf("QoS policy %s belongs to SVM %q", spec.Name, owner)})
	case p.Fixed == nil:
		return QoSPolicy{}, c.wrap(op, &Error{Class: ClassConfiguration, Message: fmt.Sprintf("QoS policy %s is not a fixed policy", spec.Name)})
	case deref(p.Fixed.MaxThroughputIops) != spec.MaxIOPS || deref(p.Fixed.MaxThroughputMbps) != spec.MaxThroughputMBps:
		info := &models.QosPolicy{Fixed: &models.QosPolicyInlineFixed{
			MaxThroughputIops: new(spec.MaxIOPS),
			MaxThroughputMbps: new(spec.MaxThroughputMBps),
		}}
		mp := storage.NewQosPolicyModifyParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithUUID(deref(p.UUID)).WithInfo(info)
		resp, err := c.api.Storage.QosPolicyModify(mp, c.auth)
		if err = tolerate(err); err != nil {
			return QoSPolicy{}, c.wrap(op, err)
		}
		if resp != nil {
			if err := c.waitJob(ctx, resp.Payload); err != nil {
				return QoSPolicy{}, c.wrap(op, err)
			}
		}
		p.Fixed.MaxThroughputIops, p.Fixed.MaxThroughputMbps = new(spec.MaxIOPS), new(spec.MaxThroughputMBps)
	}

	if s.QosPolicy == nil || deref(s.QosPolicy.Name) != spec.Name {
		if err := c.setSVMQoSPolicy(ctx, svmUUID, spec.Name); err != nil {
			return QoSPolicy{}, c.wrap(op+": applying it to the SVM", err)
		}
	}
	return qosPolicyFromModel(p), nil
}

// DeleteQoSPolicy removes the policy from the SVM if the SVM uses it and
// deletes it. A missing SVM or policy is not an error, and a policy of
// another SVM is left alone.
func (c *Client) DeleteQoSPolicy(ctx context.Context, svmName, name string) error {
	op := fmt.Sprintf("deleting QoS policy %s of SVM %s", name, svmName)
	s, err := c.findSVM(ctx, svmName)
	if err != nil {
		return c.wrap(op, err)
	}
	if s == nil {
		return nil
	}
	p, err := c.findQoSPolicy(ctx, name)
	if err != nil {
		return c.wrap(op, err)
	}
	if p == nil || p.Svm == nil || deref(p.Svm.UUID) != deref(s.UUID) {
		return nil
	}
	if s.QosPolicy != nil && deref(s.QosPolicy.Name) == name {
		if err := c.setSVMQoSPolicy(ctx, deref(s.UUID), qosPolicyNone); err != nil {
			return c.wrap(op+": removing it from the SVM", err)
		}
	}
	if err := c.deleteQoSPolicy(ctx, deref(p.UUID)); err != nil {
		return c.wrap(op, err)
	}
	return nil
}

// deleteQoSPolicies removes the QoS policy from the SVM and deletes every
// policy the SVM owns, for the deletion of the SVM.
func (c *Client) deleteQoSPolicies(ctx context.Context, s *models.Svm) error {
	uuid := deref(s.UUID)
	if s.QosPolicy != nil && deref(s.QosPolicy.Name) != "" {
		if err := c.setSVMQoSPolicy(ctx, uuid, qosPolicyNone); err != nil {
			return err
		}
	}
	p := storage.NewQosPolicyCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).
		WithSvmUUID(&uuid).WithFields([]string{"name", "uuid", "svm.uuid"})
	resp, err := c.api.Storage.QosPolicyCollectionGet(p, c.auth)
	if err != nil {
		return err
	}
	for _, r := range resp.Payload.QosPolicyResponseInlineRecords {
		if r.Svm == nil || deref(r.Svm.UUID) != uuid {
			continue
		}
		if err := c.deleteQoSPolicy(ctx, deref(r.UUID)); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) deleteQoSPolicy(ctx context.Context, uuid string) error {
	dp := storage.NewQosPolicyDeleteParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithUUID(uuid)
	resp, err := c.api.Storage.QosPolicyDelete(dp, c.auth)
	if err = tolerate(err); err != nil {
		if IsNotFound(classify(err)) {
			return nil
		}
		return err
	}
	if resp != nil {
		return c.waitJob(ctx, resp.Payload)
	}
	return nil
}

// setSVMQoSPolicy applies the policy to the SVM, or removes the SVM's policy
// with qosPolicyNone.
func (c *Client) setSVMQoSPolicy(ctx context.Context, svmUUID, policy string) error {
	patch := &models.Svm{QosPolicy: &models.SvmInlineQosPolicy{Name: new(policy)}}
	p := svm.NewSvmModifyParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithUUID(svmUUID).WithInfo(patch)
	resp, err := c.api.Svm.SvmModify(p, c.auth)
	if err = tolerate(err); err != nil {
		return err
	}
	if resp != nil {
		return c.waitJob(ctx, resp.Payload)
	}
	return nil
}
