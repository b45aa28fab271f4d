package ontapapi

import (
	"crypto/sha256"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

// Built-in service policies of a data SVM and the services they carry.
var servicePolicies = map[string][]string{
	"default-data-files":    {"data-core", "data-nfs", "data-cifs", "data-flexcache", "management-dns-client", "management-ad-client", "management-ldap-client", "management-nis-client"},
	"default-data-blocks":   {"data-core", "data-iscsi"},
	"default-data-iscsi":    {"data-core", "data-iscsi"},
	"default-data-nvme-tcp": {"data-core", "data-nvme-tcp"},
	"default-management":    {"data-core", "management-https", "management-http", "management-ssh", "management-dns-client", "management-ad-client", "management-ldap-client", "management-nis-client"},
}

// DefaultServicePolicy is what a data LIF gets when none is named.
const DefaultServicePolicy = "default-data-files"

// derivedUUID gives objects the simulator does not store (service policies,
// ports) a stable UUID.
func derivedUUID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "/")))
	b := sum[:16]
	b[6] = (b[6] & 0x0f) | 0x50
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// parseIPInfo validates an address with a netmask given as prefix length or
// (IPv4) dotted mask, and returns the canonical address and prefix length.
func parseIPInfo(address, netmask, target string) (netip.Addr, int, *apiError) {
	addr, err := netip.ParseAddr(address)
	if err != nil {
		return netip.Addr{}, 0, badRequest(CodeInvalidValue, target+".address", "Invalid IP address %q.", address)
	}
	addr = addr.Unmap()
	bits := addr.BitLen()
	if netmask == "" {
		return netip.Addr{}, 0, badRequest(CodeMissingField, target+".netmask", `Missing value for required field "%s.netmask".`, target)
	}
	if n, err := strconv.Atoi(netmask); err == nil {
		if n < 0 || n > bits {
			return netip.Addr{}, 0, badRequest(CodeInvalidValue, target+".netmask", "Invalid netmask %q for %s.", netmask, address)
		}
		return addr, n, nil
	}
	mask, err := netip.ParseAddr(netmask)
	if err != nil || !mask.Is4() || !addr.Is4() {
		return netip.Addr{}, 0, badRequest(CodeInvalidValue, target+".netmask", "Invalid netmask %q for %s.", netmask, address)
	}
	m := mask.As4()
	ones, seenZero := 0, false
	for _, b := range m {
		for i := 7; i >= 0; i-- {
			if b&(1<<i) != 0 {
				if seenZero {
					return netip.Addr{}, 0, badRequest(CodeInvalidValue, target+".netmask", "Invalid netmask %q.", netmask)
				}
				ones++
			} else {
				seenZero = true
			}
		}
	}
	return addr, ones, nil
}

func family(a netip.Addr) string {
	if a.Is4() {
		return "ipv4"
	}
	return "ipv6"
}

func ipInfo(a netip.Addr, bits int) *models.IPInfo {
	fam := models.IPAddressFamily(family(a))
	addr := models.IPAddress(a.String())
	mask := models.IPNetmask(strconv.Itoa(bits))
	return &models.IPInfo{Address: &addr, Netmask: &mask, Family: &fam}
}

// ipInUse reports another interface holding the address.
func (s *Server) ipInUse(addr netip.Addr, exceptUUID string) *models.IPInterface {
	for _, i := range s.st.Interfaces {
		if deref(i.UUID) == exceptUUID || i.IP == nil || i.IP.Address == nil {
			continue
		}
		if other, err := netip.ParseAddr(string(*i.IP.Address)); err == nil && other == addr {
			return i
		}
	}
	return nil
}

func (s *Server) setServicePolicy(lif *models.IPInterface, svmUUID, policy string) *apiError {
	services, ok := servicePolicies[policy]
	if !ok {
		return badRequest(CodeUnknownPolicy, "service_policy.name", "Service policy %q not found in SVM.", policy)
	}
	lif.ServicePolicy = &models.IPInterfaceInlineServicePolicy{Name: new(policy), UUID: new(derivedUUID(svmUUID, "service-policy", policy))}
	lif.IPInterfaceInlineServices = nil
	for _, svc := range services {
		lif.IPInterfaceInlineServices = append(lif.IPInterfaceInlineServices, new(models.IPService(svc)))
	}
	return nil
}

func (s *Server) setHome(lif *models.IPInterface, node *nodeRec, port string) {
	if port == "" {
		port = "e0d"
	}
	if lif.Location == nil {
		lif.Location = &models.IPInterfaceInlineLocation{AutoRevert: new(false)}
	}
	lif.Location.HomeNode = &models.IPInterfaceInlineLocationInlineHomeNode{Name: new(node.Name), UUID: new(node.UUID)}
	lif.Location.Node = &models.IPInterfaceInlineLocationInlineNode{Name: new(node.Name), UUID: new(node.UUID)}
	lif.Location.HomePort = &models.IPInterfaceInlineLocationInlineHomePort{
		Name: new(port), UUID: new(derivedUUID(node.UUID, "port", port)),
		Node: &models.IPInterfaceInlineLocationInlineHomePortInlineNode{Name: new(node.Name)},
	}
	lif.Location.Port = &models.IPInterfaceInlineLocationInlinePort{
		Name: new(port), UUID: new(derivedUUID(node.UUID, "port", port)),
		Node: &models.IPInterfaceInlineLocationInlinePortInlineNode{Name: new(node.Name)},
	}
	lif.Location.IsHome = new(true)
}

// homeFromBody resolves location.home_node / location.home_port.node.
func (s *Server) homeFromBody(loc *models.IPInterfaceInlineLocation) (*nodeRec, string, *apiError) {
	if loc == nil {
		return nil, "", nil
	}
	var name, uuid, port string
	if loc.HomeNode != nil {
		name, uuid = deref(loc.HomeNode.Name), deref(loc.HomeNode.UUID)
	}
	if loc.HomePort != nil {
		port = deref(loc.HomePort.Name)
		if name == "" && uuid == "" && loc.HomePort.Node != nil {
			name = deref(loc.HomePort.Node.Name)
		}
	}
	if name == "" && uuid == "" {
		return nil, port, nil
	}
	node := s.st.nodeByRef(name, uuid)
	if node == nil {
		return nil, "", badRequest(CodeUnknownHomeNode, "location.home_node", "Node %q not found.", name+uuid)
	}
	return node, port, nil
}

func (s *Server) listInterfaces(rc *reqCtx) (int, any, *apiError) {
	var items []listItem
	for _, i := range sortedValues(s.st.Interfaces, func(i *models.IPInterface) string {
		return deref(i.Svm.Name) + "/" + deref(i.Name)
	}) {
		if rc.p.sees(deref(i.Svm.UUID)) {
			items = append(items, listItem{rec: i, href: "/api/network/ip/interfaces/" + deref(i.UUID), svmUUID: deref(i.Svm.UUID), name: deref(i.Name)})
		}
	}
	return rc.list(items, "uuid", "name")
}

func (s *Server) getInterface(rc *reqCtx) (int, any, *apiError) {
	i, ok := s.st.Interfaces[rc.r.PathValue("uuid")]
	if !ok || !rc.p.sees(deref(i.Svm.UUID)) {
		return 0, nil, notFound("uuid")
	}
	return rc.single(i, "/api/network/ip/interfaces/"+deref(i.UUID), "uuid", "name")
}

func (s *Server) createInterface(rc *reqCtx) (int, any, *apiError) {
	if !rc.p.cluster() {
		return 0, nil, forbidden()
	}
	var in models.IPInterface
	if err := rc.decode(&in); err != nil {
		return 0, nil, err
	}
	name := deref(in.Name)
	if name == "" {
		return 0, nil, badRequest(CodeMissingField, "name", `Missing value for required field "name".`)
	}
	if in.Svm == nil {
		return 0, nil, badRequest(CodeMissingField, "svm", "Only SVM-scoped interfaces are supported: svm.name or svm.uuid is required.")
	}
	svm, aerr := s.st.svmByRef(in.Svm.Name, in.Svm.UUID, "svm")
	if aerr != nil {
		return 0, nil, aerr
	}
	svmUUID := deref(svm.UUID)
	for _, other := range s.st.Interfaces {
		if deref(other.Svm.UUID) == svmUUID && strings.EqualFold(deref(other.Name), name) {
			return 0, nil, conflict(CodeDuplicate, "name", "Duplicate interface name %q in SVM %q.", name, deref(svm.Name))
		}
	}
	if in.IP == nil || in.IP.Address == nil {
		return 0, nil, badRequest(CodeMissingField, "ip.address", `Missing value for required field "ip.address".`)
	}
	addr, bits, aerr := parseIPInfo(string(*in.IP.Address), string(deref(in.IP.Netmask)), "ip")
	if aerr != nil {
		return 0, nil, aerr
	}
	if other := s.ipInUse(addr, ""); other != nil {
		return 0, nil, conflict(CodeDuplicateIP, "ip.address", "Duplicate IP address %s: already used by interface %q of SVM %q.", addr, deref(other.Name), deref(other.Svm.Name))
	}
	node, port, aerr := s.homeFromBody(in.Location)
	if aerr != nil {
		return 0, nil, aerr
	}
	if node == nil {
		node = s.st.Nodes[0]
	}
	uuid := newUUID()
	lif := &models.IPInterface{
		UUID:    new(uuid),
		Name:    new(name),
		IP:      ipInfo(addr, bits),
		Scope:   new("svm"),
		Svm:     &models.IPInterfaceInlineSvm{Name: new(deref(svm.Name)), UUID: new(svmUUID)},
		Ipspace: &models.IPInterfaceInlineIpspace{Name: new("Default"), UUID: new(s.st.IPspaceUUID)},
		Enabled: new(in.Enabled == nil || *in.Enabled),
		Vip:     new(false),
	}
	lif.State = new(map[bool]string{true: "up", false: "down"}[*lif.Enabled])
	policy := DefaultServicePolicy
	if in.ServicePolicy != nil && deref(in.ServicePolicy.Name) != "" {
		policy = deref(in.ServicePolicy.Name)
	}
	if aerr := s.setServicePolicy(lif, svmUUID, policy); aerr != nil {
		return 0, nil, aerr
	}
	s.setHome(lif, node, port)
	if in.Location != nil && in.Location.AutoRevert != nil {
		lif.Location.AutoRevert = new(*in.Location.AutoRevert)
	}
	s.st.Interfaces[uuid] = lif
	return rc.created(lif, "/api/network/ip/interfaces/"+uuid)
}

func (s *Server) modifyInterface(rc *reqCtx) (int, any, *apiError) {
	if !rc.p.cluster() {
		return 0, nil, forbidden()
	}
	lif, ok := s.st.Interfaces[rc.r.PathValue("uuid")]
	if !ok {
		return 0, nil, notFound("uuid")
	}
	if err := rc.onlyKeys("name", "ip", "location", "service_policy", "enabled"); err != nil {
		return 0, nil, err
	}
	var in models.IPInterface
	if err := rc.decode(&in); err != nil {
		return 0, nil, err
	}
	svmUUID := deref(lif.Svm.UUID)
	// Validate everything before changing anything.
	if in.Name != nil {
		for _, other := range s.st.Interfaces {
			if other != lif && deref(other.Svm.UUID) == svmUUID && strings.EqualFold(deref(other.Name), *in.Name) {
				return 0, nil, conflict(CodeDuplicate, "name", "Duplicate interface name %q.", *in.Name)
			}
		}
	}
	var (
		newIP   *models.IPInfo
		newNode *nodeRec
		newPort string
	)
	if in.IP != nil {
		address, netmask := string(deref(lif.IP.Address)), string(deref(lif.IP.Netmask))
		if in.IP.Address != nil {
			address = string(*in.IP.Address)
		}
		if in.IP.Netmask != nil {
			netmask = string(*in.IP.Netmask)
		}
		addr, bits, aerr := parseIPInfo(address, netmask, "ip")
		if aerr != nil {
			return 0, nil, aerr
		}
		if other := s.ipInUse(addr, deref(lif.UUID)); other != nil {
			return 0, nil, conflict(CodeDuplicateIP, "ip.address", "Duplicate IP address %s: already used by interface %q.", addr, deref(other.Name))
		}
		newIP = ipInfo(addr, bits)
	}
	if in.Location != nil {
		var aerr *apiError
		if newNode, newPort, aerr = s.homeFromBody(in.Location); aerr != nil {
			return 0, nil, aerr
		}
	}
	if in.ServicePolicy != nil {
		if _, ok := servicePolicies[deref(in.ServicePolicy.Name)]; !ok {
			return 0, nil, badRequest(CodeUnknownPolicy, "service_policy.name", "Service policy %q not found in SVM.", deref(in.ServicePolicy.Name))
		}
	}

	if in.Name != nil {
		lif.Name = new(*in.Name)
	}
	if newIP != nil {
		lif.IP = newIP
	}
	if newNode != nil || newPort != "" {
		if newNode == nil {
			newNode = s.st.nodeByRef(deref(lif.Location.HomeNode.Name), deref(lif.Location.HomeNode.UUID))
		}
		s.setHome(lif, newNode, newPort)
	}
	if in.Location != nil && in.Location.AutoRevert != nil {
		lif.Location.AutoRevert = new(*in.Location.AutoRevert)
	}
	if in.ServicePolicy != nil {
		_ = s.setServicePolicy(lif, svmUUID, deref(in.ServicePolicy.Name))
	}
	if in.Enabled != nil {
		lif.Enabled = new(*in.Enabled)
		lif.State = new(map[bool]string{true: "up", false: "down"}[*in.Enabled])
	}
	return okEmpty()
}

func (s *Server) deleteInterface(rc *reqCtx) (int, any, *apiError) {
	if !rc.p.cluster() {
		return 0, nil, forbidden()
	}
	uuid := rc.r.PathValue("uuid")
	if _, ok := s.st.Interfaces[uuid]; !ok {
		return 0, nil, notFound("uuid")
	}
	delete(s.st.Interfaces, uuid)
	return okEmpty()
}

func (s *Server) listRoutes(rc *reqCtx) (int, any, *apiError) {
	var items []listItem
	for _, r := range sortedValues(s.st.Routes, func(r *models.NetworkRoute) string {
		return deref(r.Svm.Name) + "/" + string(deref(r.Destination.Address)) + "/" + deref(r.UUID)
	}) {
		if rc.p.sees(deref(r.Svm.UUID)) {
			items = append(items, listItem{rec: r, href: "/api/network/ip/routes/" + deref(r.UUID), svmUUID: deref(r.Svm.UUID)})
		}
	}
	return rc.list(items, "uuid")
}

func (s *Server) getRoute(rc *reqCtx) (int, any, *apiError) {
	r, ok := s.st.Routes[rc.r.PathValue("uuid")]
	if !ok || !rc.p.sees(deref(r.Svm.UUID)) {
		return 0, nil, notFound("uuid")
	}
	return rc.single(r, "/api/network/ip/routes/"+deref(r.UUID), "uuid")
}

func (s *Server) createRoute(rc *reqCtx) (int, any, *apiError) {
	if !rc.p.cluster() {
		return 0, nil, forbidden()
	}
	var in models.NetworkRoute
	if err := rc.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Svm == nil {
		return 0, nil, badRequest(CodeMissingField, "svm", "Only SVM-scoped routes are supported: svm.name or svm.uuid is required.")
	}
	svm, aerr := s.st.svmByRef(in.Svm.Name, in.Svm.UUID, "svm")
	if aerr != nil {
		return 0, nil, aerr
	}
	gw, err := netip.ParseAddr(deref(in.Gateway))
	if err != nil {
		return 0, nil, badRequest(CodeInvalidValue, "gateway", "Invalid gateway %q.", deref(in.Gateway))
	}
	gw = gw.Unmap()
	var dst netip.Prefix
	if in.Destination == nil || in.Destination.Address == nil {
		dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		if gw.Is6() {
			dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		}
	} else {
		addr, bits, aerr := parseIPInfo(string(*in.Destination.Address), string(deref(in.Destination.Netmask)), "destination")
		if aerr != nil {
			return 0, nil, aerr
		}
		dst = netip.PrefixFrom(addr, bits).Masked()
	}
	if dst.Addr().Is4() != gw.Is4() {
		return 0, nil, badRequest(CodeInvalidValue, "gateway", "Gateway %s and destination %s are of different address families.", gw, dst)
	}
	svmUUID := deref(svm.UUID)
	for _, r := range s.st.Routes {
		if deref(r.Svm.UUID) == svmUUID && string(deref(r.Destination.Address)) == dst.Addr().String() &&
			string(deref(r.Destination.Netmask)) == strconv.Itoa(dst.Bits()) && deref(r.Gateway) == gw.String() {
			return 0, nil, conflict(CodeDuplicate, "destination", "Duplicate route %s via %s.", dst, gw)
		}
	}
	uuid := newUUID()
	route := &models.NetworkRoute{
		UUID:        new(uuid),
		Destination: ipInfo(dst.Addr(), dst.Bits()),
		Gateway:     new(gw.String()),
		Metric:      new(int64(20)),
		Scope:       new(models.NetworkScopeReadonly("svm")),
		Svm:         &models.NetworkRouteInlineSvm{Name: new(deref(svm.Name)), UUID: new(svmUUID)},
		Ipspace:     &models.NetworkRouteInlineIpspace{Name: new("Default"), UUID: new(s.st.IPspaceUUID)},
	}
	s.st.Routes[uuid] = route
	return rc.created(route, "/api/network/ip/routes/"+uuid)
}

func (s *Server) deleteRoute(rc *reqCtx) (int, any, *apiError) {
	if !rc.p.cluster() {
		return 0, nil, forbidden()
	}
	uuid := rc.r.PathValue("uuid")
	if _, ok := s.st.Routes[uuid]; !ok {
		return 0, nil, notFound("uuid")
	}
	delete(s.st.Routes, uuid)
	return okEmpty()
}
