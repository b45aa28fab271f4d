package ontap

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/networking"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

func (c *Client) listRoutes(ctx context.Context, svmUUID string) ([]*models.NetworkRoute, error) {
	p := networking.NewNetworkIPRoutesGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).
		WithSvmUUID(&svmUUID).WithFields([]string{"uuid", "destination", "gateway", "svm"})
	resp, err := c.api.Networking.NetworkIPRoutesGet(p, c.auth)
	if err != nil {
		return nil, err
	}
	return resp.Payload.NetworkRouteResponseInlineRecords, nil
}

func (c *Client) deleteRoute(ctx context.Context, uuid string) error {
	p := networking.NewNetworkIPRouteDeleteParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithUUID(uuid)
	_, err := c.api.Networking.NetworkIPRouteDelete(p, c.auth)
	if err = tolerate(err); err != nil && !IsNotFound(classify(err)) {
		return err
	}
	return nil
}

func routeFromModel(m *models.NetworkRoute) Route {
	r := Route{UUID: deref(m.UUID)}
	if d, ok := prefixFromIPInfo(m.Destination); ok {
		r.Destination = d.Masked()
	}
	r.Gateway, _ = netip.ParseAddr(deref(m.Gateway))
	return r
}

// ListRoutes lists the routes of an SVM.
func (c *Client) ListRoutes(ctx context.Context, svmName string) ([]Route, error) {
	op := "listing routes of SVM " + svmName
	uuid, err := c.svmUUID(ctx, op, svmName)
	if err != nil {
		return nil, err
	}
	routes, err := c.listRoutes(ctx, uuid)
	if err != nil {
		return nil, c.wrap(op, err)
	}
	out := make([]Route, 0, len(routes))
	for _, r := range routes {
		out = append(out, routeFromModel(r))
	}
	return out, nil
}

// EnsureRoute creates the route. A route to the same destination via
// another gateway is replaced (ONTAP routes cannot be modified).
func (c *Client) EnsureRoute(ctx context.Context, svmName string, spec RouteSpec) (Route, error) {
	op := fmt.Sprintf("ensuring route to %s via %s in SVM %s", spec.Destination, spec.Gateway, svmName)
	if !spec.Destination.IsValid() || !spec.Gateway.IsValid() || spec.Destination.Addr().Is4() != spec.Gateway.Is4() {
		return Route{}, c.wrap(op, &Error{Class: ClassConfiguration, Message: "destination and gateway must be valid and of the same address family"})
	}
	dst := spec.Destination.Masked()
	uuid, err := c.svmUUID(ctx, op, svmName)
	if err != nil {
		return Route{}, err
	}
	routes, err := c.listRoutes(ctx, uuid)
	if err != nil {
		return Route{}, c.wrap(op, err)
	}
	for _, m := range routes {
		r := routeFromModel(m)
		if r.Destination != dst {
			continue
		}
		if r.Gateway == spec.Gateway {
			return r, nil
		}
		if err := c.deleteRoute(ctx, r.UUID); err != nil {
			return Route{}, c.wrap(fmt.Sprintf("%s: replacing the route via %s", op, r.Gateway), err)
		}
	}
	info := &models.NetworkRoute{
		Svm:         &models.NetworkRouteInlineSvm{UUID: new(uuid)},
		Destination: ipInfoFromPrefix(dst),
		Gateway:     new(spec.Gateway.String()),
	}
	p := networking.NewNetworkIPRoutesCreateParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithInfo(info)
	if _, err := c.api.Networking.NetworkIPRoutesCreate(p, c.auth); tolerate(err) != nil {
		return Route{}, c.wrap(op, err)
	}
	routes, err = c.listRoutes(ctx, uuid)
	if err != nil {
		return Route{}, c.wrap(op, err)
	}
	for _, m := range routes {
		if r := routeFromModel(m); r.Destination == dst && r.Gateway == spec.Gateway {
			return r, nil
		}
	}
	return Route{}, c.wrap(op, &Error{Class: ClassRetriable, Message: "the route is not listed after creating it", cause: ErrNotFound})
}

// DeleteRoute deletes the route; a missing route or SVM is not an error.
func (c *Client) DeleteRoute(ctx context.Context, svmName string, spec RouteSpec) error {
	op := fmt.Sprintf("deleting route to %s via %s in SVM %s", spec.Destination, spec.Gateway, svmName)
	s, err := c.findSVM(ctx, svmName)
	if err != nil {
		return c.wrap(op, err)
	}
	if s == nil {
		return nil
	}
	routes, err := c.listRoutes(ctx, deref(s.UUID))
	if err != nil {
		return c.wrap(op, err)
	}
	for _, m := range routes {
		if r := routeFromModel(m); r.Destination == spec.Destination.Masked() && r.Gateway == spec.Gateway {
			if err := c.deleteRoute(ctx, r.UUID); err != nil {
				return c.wrap(op, err)
			}
		}
	}
	return nil
}
