package ontap

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/networking"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

var lifFields = []string{"name", "uuid", "svm", "ip", "location.home_node", "location.home_port", "service_policy", "services", "enabled", "state"}

// prefixFromIPInfo reads an ONTAP address with a netmask given as prefix
// length or dotted IPv4 mask.
func prefixFromIPInfo(ip *models.IPInfo) (netip.Prefix, bool) {
	if ip == nil || ip.Address == nil {
		return netip.Prefix{}, false
	}
	addr, err := netip.ParseAddr(string(*ip.Address))
	if err != nil {
		return netip.Prefix{}, false
	}
	addr = addr.Unmap()
	mask := string(deref(ip.Netmask))
	if bits, err := strconv.Atoi(mask); err == nil {
		return netip.PrefixFrom(addr, bits), true
	}
	m, err := netip.ParseAddr(mask)
	if err != nil || !m.Is4() {
		return netip.Prefix{}, false
	}
	ones := 0
	for _, b := range m.As4() {
		for i := 7; i >= 0; i-- {
			if b&(1<<i) != 0 {
				ones++
			}
		}
	}
	return netip.PrefixFrom(addr, ones), true
}

func ipInfoFromPrefix(p netip.Prefix) *models.IPInfo {
	addr := models.IPAddress(p.Addr().String())
	mask := models.IPNetmask(strconv.Itoa(p.Bits()))
	fam := models.IPAddressFamily("ipv4")
	if p.Addr().Is6() {
		fam = "ipv6"
	}
	return &models.IPInfo{Address: &addr, Netmask: &mask, Family: &fam}
}

func lifFromModel(m *models.IPInterface) LIF {
	l := LIF{Name: deref(m.Name), UUID: deref(m.UUID), Enabled: deref(m.Enabled), State: deref(m.State)}
	if m.Svm != nil {
		l.SVM = deref(m.Svm.Name)
	}
	l.Address, _ = prefixFromIPInfo(m.IP)
	if m.Location != nil {
		if m.Location.HomeNode != nil {
			l.HomeNode = deref(m.Location.HomeNode.Name)
		}
		if m.Location.HomePort != nil {
			l.HomePort = deref(m.Location.HomePort.Name)
		}
	}
	if m.ServicePolicy != nil {
		l.ServicePolicy = deref(m.ServicePolicy.Name)
	}
	for _, s := range m.IPInterfaceInlineServices {
		l.Services = append(l.Services, string(deref(s)))
	}
	return l
}

func (c *Client) listInterfaces(ctx context.Context, svmUUID, name string) ([]*models.IPInterface, error) {
	p := networking.NewNetworkIPInterfacesGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).
		WithSvmUUID(&svmUUID).WithFields(lifFields)
	if name != "" {
		p.SetName(&name)
	}
	resp, err := c.api.Networking.NetworkIPInterfacesGet(p, c.auth)
	if err != nil {
		return nil, err
	}
	return resp.Payload.IPInterfaceResponseInlineRecords, nil
}

func (c *Client) deleteInterface(ctx context.Context, uuid string) error {
	p := networking.NewNetworkIPInterfaceDeleteParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithUUID(uuid)
	_, err := c.api.Networking.NetworkIPInterfaceDelete(p, c.auth)
	if err = tolerate(err); err != nil && !IsNotFound(classify(err)) {
		return err
	}
	return nil
}

// ListInterfaces lists the IP interfaces of an SVM.
func (c *Client) ListInterfaces(ctx context.Context, svmName string) ([]LIF, error) {
	op := "listing interfaces of SVM " + svmName
	uuid, err := c.svmUUID(ctx, op, svmName)
	if err != nil {
		return nil, err
	}
	lifs, err := c.listInterfaces(ctx, uuid, "")
	if err != nil {
		return nil, c.wrap(op, err)
	}
	out := make([]LIF, 0, len(lifs))
	for _, l := range lifs {
		out = append(out, lifFromModel(l))
	}
	return out, nil
}

// DeleteInterface deletes a LIF of an SVM; a missing LIF or SVM is not an
// error.
func (c *Client) DeleteInterface(ctx context.Context, svmName, name string) error {
	op := fmt.Sprintf("deleting interface %s of SVM %s", name, svmName)
	s, err := c.findSVM(ctx, svmName)
	if err != nil {
		return c.wrap(op, err)
	}
	if s == nil {
		return nil
	}
	lifs, err := c.listInterfaces(ctx, deref(s.UUID), name)
	if err != nil {
		return c.wrap(op, err)
	}
	for _, l := range lifs {
		if deref(l.Name) == name {
			if err := c.deleteInterface(ctx, deref(l.UUID)); err != nil {
				return c.wrap(op, err)
			}
		}
	}
	return nil
}

// EnsureInterface creates the LIF or repairs what drifted: address or prefix
// length (IPv4 or IPv6), home node, home port (when given) and service
// policy; a disabled LIF is enabled. Nothing is written when it matches.
func (c *Client) EnsureInterface(ctx context.Context, svmName string, spec LIFSpec) (LIF, error) {
	op := fmt.Sprintf("ensuring interface %s of SVM %s", spec.Name, svmName)
	if spec.Name == "" || !spec.Address.IsValid() || spec.HomeNode == "" || spec.ServicePolicy == "" {
		return LIF{}, c.wrap(op, &Error{Class: ClassConfiguration, Message: "interface name, address with prefix length, home node and service policy are required"})
	}
	spec.Address = netip.PrefixFrom(spec.Address.Addr().Unmap(), spec.Address.Bits())
	uuid, err := c.svmUUID(ctx, op, svmName)
	if err != nil {
		return LIF{}, err
	}
	existing, err := c.listInterfaces(ctx, uuid, spec.Name)
	if err != nil {
		return LIF{}, c.wrap(op, err)
	}
	var current *models.IPInterface
	for _, l := range existing {
		if deref(l.Name) == spec.Name {
			current = l
		}
	}
	if current == nil {
		op = fmt.Sprintf("creating interface %s of SVM %s", spec.Name, svmName)
		info := &models.IPInterface{
			Name:          new(spec.Name),
			Svm:           &models.IPInterfaceInlineSvm{UUID: new(uuid)},
			IP:            ipInfoFromPrefix(spec.Address),
			ServicePolicy: &models.IPInterfaceInlineServicePolicy{Name: new(spec.ServicePolicy)},
			Location:      &models.IPInterfaceInlineLocation{HomeNode: &models.IPInterfaceInlineLocationInlineHomeNode{Name: new(spec.HomeNode)}},
		}
		if spec.HomePort != "" {
			info.Location.HomePort = &models.IPInterfaceInlineLocationInlineHomePort{
				Name: new(spec.HomePort),
				Node: &models.IPInterfaceInlineLocationInlineHomePortInlineNode{Name: new(spec.HomeNode)},
			}
		}
		if spec.BroadcastDomain != "" {
			info.Location.BroadcastDomain = &models.IPInterfaceInlineLocationInlineBroadcastDomain{Name: new(spec.BroadcastDomain)}
		}
		p := networking.NewNetworkIPInterfacesCreateParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithInfo(info)
		if _, err := c.api.Networking.NetworkIPInterfacesCreate(p, c.auth); tolerate(err) != nil {
			return LIF{}, c.wrap(op, err)
		}
		return c.readInterface(ctx, op, uuid, spec.Name)
	}

	have := lifFromModel(current)
	patch := &models.IPInterface{}
	changed := false
	if have.Address != spec.Address {
		patch.IP, changed = ipInfoFromPrefix(spec.Address), true
	}
	if have.HomeNode != spec.HomeNode || (spec.HomePort != "" && have.HomePort != spec.HomePort) {
		patch.Location = &models.IPInterfaceInlineLocation{HomeNode: &models.IPInterfaceInlineLocationInlineHomeNode{Name: new(spec.HomeNode)}}
		if spec.HomePort != "" {
			patch.Location.HomePort = &models.IPInterfaceInlineLocationInlineHomePort{
				Name: new(spec.HomePort),
				Node: &models.IPInterfaceInlineLocationInlineHomePortInlineNode{Name: new(spec.HomeNode)},
			}
		}
		changed = true
	}
	if have.ServicePolicy != spec.ServicePolicy {
		patch.ServicePolicy, changed = &models.IPInterfaceInlineServicePolicy{Name: new(spec.ServicePolicy)}, true
	}
	if !have.Enabled {
		patch.Enabled, changed = new(true), true
	}
	if !changed {
		return have, nil
	}
	op = fmt.Sprintf("repairing interface %s of SVM %s", spec.Name, svmName)
	p := networking.NewNetworkIPInterfaceModifyParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithUUID(have.UUID).WithInfo(patch)
	if _, err := c.api.Networking.NetworkIPInterfaceModify(p, c.auth); tolerate(err) != nil {
		return LIF{}, c.wrap(op, err)
	}
	return c.readInterface(ctx, op, uuid, spec.Name)
}

func (c *Client) readInterface(ctx context.Context, op, svmUUID, name string) (LIF, error) {
	lifs, err := c.listInterfaces(ctx, svmUUID, name)
	if err != nil {
		return LIF{}, c.wrap(op, err)
	}
	for _, l := range lifs {
		if deref(l.Name) == name {
			return lifFromModel(l), nil
		}
	}
	return LIF{}, c.wrap(op, &Error{Class: ClassRetriable, Message: "the interface is not listed after the change", cause: ErrNotFound})
}
