// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
)

// Address families as the metal-api names them on the wire (map keys of defaultchildprefixlength and
// length, value of addressfamily).
const (
	// AddressFamilyIPv4 is the metal-api name of the IPv4 address family.
	AddressFamilyIPv4 = "IPv4"
	// AddressFamilyIPv6 is the metal-api name of the IPv6 address family.
	AddressFamilyIPv6 = "IPv6"
)

// parseAddressFamily accepts the family names case-insensitively, like metal-api's metal.ToAddressFamily.
func parseAddressFamily(s string) (string, error) {
	switch strings.ToLower(s) {
	case "ipv4":
		return AddressFamilyIPv4, nil
	case "ipv6":
		return AddressFamilyIPv6, nil
	}
	return "", fmt.Errorf("invalid addressfamily %q, must be one of IPv4 or IPv6", s)
}

func familyOfPrefix(p netip.Prefix) string {
	if p.Addr().Is4() {
		return AddressFamilyIPv4
	}
	return AddressFamilyIPv6
}

func familyOfAddr(a netip.Addr) string {
	if a.Is4() {
		return AddressFamilyIPv4
	}
	return AddressFamilyIPv6
}

// The errors of the IPAM. They are mapped to HTTP status codes by the callers the way metal-api maps the
// answers of go-ipam.
var (
	errNoIPAvailable     = errors.New("no more ips left")
	errAlreadyAllocated  = errors.New("already allocated")
	errPrefixNotFound    = errors.New("prefix not found")
	errPrefixesOverlap   = errors.New("prefixes overlap")
	errPrefixHasIPs      = errors.New("prefix has ips")
	errPrefixHasChildren = errors.New("prefix has child prefixes")
)

// ipamPrefix is one prefix under IPAM control. It mirrors go-ipam's semantics, which metal-api uses:
//   - the first address of every prefix and, for IPv4, the broadcast address are reserved on creation, so
//     the first address handed out is .1 (IPv4) or ::1 (IPv6);
//   - a prefix either holds IPs or child prefixes, never both;
//   - child prefixes are taken best-fit from the free space (the smallest free block that can hold the
//     requested length, the lowest address among equals), exactly like netipx.IPSet.RemoveFreePrefix.
//
// The free space is kept as its canonical CIDR decomposition (the maximal aligned free blocks), indexed by
// prefix length, so allocation and release cost O(prefix length) block operations instead of a rebuild of
// the whole free set.
type ipamPrefix struct {
	prefix   netip.Prefix
	parent   *ipamPrefix
	children map[netip.Prefix]*ipamPrefix
	// free maps a prefix length to the sorted start addresses of the free blocks of that length.
	free     map[int][]netip.Addr
	ips      map[netip.Addr]struct{}
	reserved int
	// hint is the lowest address that may be free: every address of the prefix below it is allocated.
	// An invalid hint means the whole prefix is allocated.
	hint netip.Addr
}

// ipamUsage is go-ipam's Usage of one prefix.
type ipamUsage struct {
	AvailableIPs              uint64
	AcquiredIPs               uint64
	AvailableSmallestPrefixes uint64
	AcquiredPrefixes          uint64
}

// ipam holds all prefixes. It is not safe for concurrent use; the server's state lock protects it.
type ipam struct {
	prefixes map[netip.Prefix]*ipamPrefix
}

func newIPAM() *ipam {
	return &ipam{prefixes: map[netip.Prefix]*ipamPrefix{}}
}

func newIPAMPrefix(p netip.Prefix, parent *ipamPrefix) *ipamPrefix {
	ip := &ipamPrefix{
		prefix:   p,
		parent:   parent,
		children: map[netip.Prefix]*ipamPrefix{},
		free:     map[int][]netip.Addr{p.Bits(): {p.Addr()}},
		ips:      map[netip.Addr]struct{}{},
	}
	first := p.Addr()
	ip.ips[first] = struct{}{}
	if first.Is4() {
		ip.ips[lastAddr(p)] = struct{}{}
	}
	ip.reserved = len(ip.ips)
	ip.hint = first
	return ip
}

func (p *ipamPrefix) hasIPs() bool { return len(p.ips) > p.reserved }

// prefix returns the IPAM prefix for p.
func (i *ipam) prefix(p netip.Prefix) (*ipamPrefix, error) {
	ip, ok := i.prefixes[p]
	if !ok {
		return nil, fmt.Errorf("%w: %s", errPrefixNotFound, p)
	}
	return ip, nil
}

// overlapping returns an error if one of the candidates overlaps another candidate or a prefix already
// known to the IPAM (except the ones about to be removed), like go-ipam's PrefixesOverlapping.
func (i *ipam) overlapping(candidates []netip.Prefix, removed ...netip.Prefix) error {
	for n, c := range candidates {
		for _, other := range candidates[n+1:] {
			if other.Overlaps(c) {
				return fmt.Errorf("%w: %s overlaps %s", errPrefixesOverlap, other, c)
			}
		}
		for existing := range i.prefixes {
			if existing.Overlaps(c) && !slices.Contains(removed, existing) {
				return fmt.Errorf("%w: %s overlaps %s", errPrefixesOverlap, c, existing)
			}
		}
	}
	return nil
}

// createPrefix creates a top-level prefix.
func (i *ipam) createPrefix(p netip.Prefix) error {
	if p != p.Masked() {
		return fmt.Errorf("prefix %s is not in canonical form, use %s", p, p.Masked())
	}
	if err := i.overlapping([]netip.Prefix{p}); err != nil {
		return err
	}
	i.prefixes[p] = newIPAMPrefix(p, nil)
	return nil
}

// deletePrefix deletes a top-level prefix that has neither IPs nor children.
func (i *ipam) deletePrefix(p netip.Prefix) error {
	ip, err := i.prefix(p)
	if err != nil {
		return err
	}
	if ip.hasIPs() {
		return fmt.Errorf("%w: prefix %s has ips, delete prefix not possible", errPrefixHasIPs, p)
	}
	if len(ip.children) > 0 {
		return fmt.Errorf("%w: prefix %s has child prefixes, delete prefix not possible", errPrefixHasChildren, p)
	}
	if ip.parent != nil {
		return i.releaseChild(p)
	}
	delete(i.prefixes, p)
	return nil
}

// acquireChild takes a child prefix of the given length from parent.
func (i *ipam) acquireChild(parent netip.Prefix, length int) (netip.Prefix, error) {
	pp, err := i.prefix(parent)
	if err != nil {
		return netip.Prefix{}, err
	}
	if length <= parent.Bits() {
		return netip.Prefix{}, fmt.Errorf("given length:%d must be greater than prefix length:%d", length, parent.Bits())
	}
	if length > parent.Addr().BitLen() {
		return netip.Prefix{}, fmt.Errorf("given length:%d exceeds the address length:%d of prefix %s", length, parent.Addr().BitLen(), parent)
	}
	if pp.hasIPs() {
		return netip.Prefix{}, fmt.Errorf("%w: prefix %s has ips, acquire child prefix not possible", errPrefixHasIPs, parent)
	}
	block, bits := netip.Addr{}, -1
	for b := length; b >= parent.Bits(); b-- {
		if blocks := pp.free[b]; len(blocks) > 0 {
			block, bits = blocks[0], b
			break
		}
	}
	if bits < 0 {
		available := pp.freePrefixes()
		if len(available) == 0 {
			return netip.Prefix{}, fmt.Errorf("no prefix found in %s with length:%d", parent, length)
		}
		adj := "are"
		if len(available) == 1 {
			adj = "is"
		}
		names := make([]string, 0, len(available))
		for _, a := range available {
			names = append(names, a.String())
		}
		return netip.Prefix{}, fmt.Errorf("no prefix found in %s with length:%d, but %s %s available", parent, length, strings.Join(names, ","), adj)
	}
	pp.removeFree(block, bits)
	// The child takes the lowest part of the block; the rest of the block stays free as one block per
	// level, which is again the canonical decomposition.
	hostBits := parent.Addr().BitLen()
	for k := bits + 1; k <= length; k++ {
		pp.addFree(setBit(block, hostBits-k), k)
	}
	child := netip.PrefixFrom(block, length)
	cp := newIPAMPrefix(child, pp)
	pp.children[child] = cp
	i.prefixes[child] = cp
	return child, nil
}

// releaseChild gives a child prefix back to its parent.
func (i *ipam) releaseChild(child netip.Prefix) error {
	cp, err := i.prefix(child)
	if err != nil {
		return err
	}
	if cp.parent == nil {
		return fmt.Errorf("prefix %s is no child prefix", child)
	}
	if cp.hasIPs() {
		return fmt.Errorf("%w: prefix %s has ips, deletion not possible", errPrefixHasIPs, child)
	}
	if len(cp.children) > 0 {
		return fmt.Errorf("%w: prefix %s has child prefixes, deletion not possible", errPrefixHasChildren, child)
	}
	pp := cp.parent
	delete(pp.children, child)
	delete(i.prefixes, child)
	// Coalesce with free buddies so the free space stays canonical.
	addr, bits := child.Addr(), child.Bits()
	hostBits := child.Addr().BitLen()
	for bits > pp.prefix.Bits() {
		buddy := flipBit(addr, hostBits-bits)
		if !pp.removeFree(buddy, bits) {
			break
		}
		if buddy.Less(addr) {
			addr = buddy
		}
		bits--
	}
	pp.addFree(addr, bits)
	return nil
}

// acquireIP takes the lowest free address of the prefix.
func (i *ipam) acquireIP(p netip.Prefix) (netip.Addr, error) {
	pp, err := i.prefix(p)
	if err != nil {
		return netip.Addr{}, err
	}
	if len(pp.children) > 0 {
		return netip.Addr{}, fmt.Errorf("%w: prefix %s has childprefixes, acquire ip not possible", errPrefixHasChildren, p)
	}
	for a := pp.hint; a.IsValid() && p.Contains(a); a = a.Next() {
		if _, taken := pp.ips[a]; taken {
			continue
		}
		pp.ips[a] = struct{}{}
		pp.hint = a.Next()
		return a, nil
	}
	pp.hint = netip.Addr{}
	return netip.Addr{}, fmt.Errorf("%w: no more ips in prefix: %s left, length of prefix.ips: %d", errNoIPAvailable, p, len(pp.ips))
}

// acquireSpecificIP takes the given address of the prefix.
func (i *ipam) acquireSpecificIP(p netip.Prefix, a netip.Addr) error {
	pp, err := i.prefix(p)
	if err != nil {
		return err
	}
	if len(pp.children) > 0 {
		return fmt.Errorf("%w: prefix %s has childprefixes, acquire ip not possible", errPrefixHasChildren, p)
	}
	if !p.Contains(a) {
		return fmt.Errorf("given ip:%s is not in %s", a, p)
	}
	if _, taken := pp.ips[a]; taken {
		return fmt.Errorf("%w: given ip:%s is already allocated", errAlreadyAllocated, a)
	}
	pp.ips[a] = struct{}{}
	return nil
}

// releaseIP gives an address back.
func (i *ipam) releaseIP(p netip.Prefix, a netip.Addr) error {
	pp, err := i.prefix(p)
	if err != nil {
		return err
	}
	if _, taken := pp.ips[a]; !taken {
		return fmt.Errorf("%w: unable to release ip:%s because it is not allocated in prefix:%s", errPrefixNotFound, a, p)
	}
	delete(pp.ips, a)
	if !pp.hint.IsValid() || a.Less(pp.hint) {
		pp.hint = a
	}
	return nil
}

// usage reports go-ipam's Usage of a prefix, including its caps: no more than 2^31-1 available IPs and
// available smallest (2 bit) prefixes are reported, and the sum of smallest prefixes is built with
// go-ipam's uint64 shifts (a free block wider than 2^64 smallest prefixes contributes nothing).
func (i *ipam) usage(p netip.Prefix) (ipamUsage, error) {
	pp, err := i.prefix(p)
	if err != nil {
		return ipamUsage{}, err
	}
	hostBits := p.Addr().BitLen() - p.Bits()
	var available uint64 = math.MaxInt32
	if hostBits <= 31 {
		available = 1 << uint(hostBits)
	}
	maxBits := p.Addr().BitLen() - 2
	var smallest uint64
	var one uint64 = 1
	for bits, blocks := range pp.free {
		shift := maxBits - bits
		if shift < 0 {
			continue
		}
		smallest += uint64(len(blocks)) * (one << uint(shift))
	}
	if smallest > math.MaxInt32 {
		smallest = math.MaxInt32
	}
	return ipamUsage{
		AvailableIPs:              available,
		AcquiredIPs:               uint64(len(pp.ips)),
		AvailableSmallestPrefixes: smallest,
		AcquiredPrefixes:          uint64(len(pp.children)),
	}, nil
}

// freePrefixes lists the free blocks in address order.
func (p *ipamPrefix) freePrefixes() []netip.Prefix {
	var out []netip.Prefix
	for bits, blocks := range p.free {
		for _, b := range blocks {
			out = append(out, netip.PrefixFrom(b, bits))
		}
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	return out
}

func (p *ipamPrefix) addFree(a netip.Addr, bits int) {
	blocks := p.free[bits]
	idx, _ := slices.BinarySearchFunc(blocks, a, netip.Addr.Compare)
	p.free[bits] = slices.Insert(blocks, idx, a)
}

func (p *ipamPrefix) removeFree(a netip.Addr, bits int) bool {
	blocks := p.free[bits]
	idx, found := slices.BinarySearchFunc(blocks, a, netip.Addr.Compare)
	if !found {
		return false
	}
	blocks = slices.Delete(blocks, idx, idx+1)
	if len(blocks) == 0 {
		delete(p.free, bits)
	} else {
		p.free[bits] = blocks
	}
	return true
}

// setBit sets bit n (counted from the least significant bit) of the address.
func setBit(a netip.Addr, n int) netip.Addr {
	return withBit(a, n, func(b, mask byte) byte { return b | mask })
}

// flipBit toggles bit n (counted from the least significant bit) of the address.
func flipBit(a netip.Addr, n int) netip.Addr {
	return withBit(a, n, func(b, mask byte) byte { return b ^ mask })
}

func withBit(a netip.Addr, n int, op func(b, mask byte) byte) netip.Addr {
	if a.Is4() {
		b := a.As4()
		idx := len(b) - 1 - n/8
		b[idx] = op(b[idx], 1<<uint(n%8))
		return netip.AddrFrom4(b)
	}
	b := a.As16()
	idx := len(b) - 1 - n/8
	b[idx] = op(b[idx], 1<<uint(n%8))
	return netip.AddrFrom16(b)
}

// lastAddr returns the highest address of the prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr()
	for n := range a.BitLen() - p.Bits() {
		a = setBit(a, n)
	}
	return a
}
