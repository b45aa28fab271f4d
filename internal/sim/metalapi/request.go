// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Request sends one request to the started simulator as another component of the installation would (for example
// firewall-controller-manager leasing a firewall), with the admin bearer token of DefaultConfig and SandboxConfig,
// and returns the decoded JSON answer. It is for tests of packages that must not import metal-go; an answer with a
// status of 300 or more is an error that carries the body.
func (s *Server) Request(ctx context.Context, method, path string, body any) (map[string]any, error) {
	var payload io.Reader = http.NoBody
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encoding the body of %s %s: %w", method, path, err)
		}
		payload = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, payload)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil && err != io.EOF {
		return nil, fmt.Errorf("decoding the answer to %s %s (status %d): %w", method, path, resp.StatusCode, err)
	}
	if resp.StatusCode >= http.StatusMultipleChoices {
		return out, fmt.Errorf("%s %s: status %d: %v", method, path, resp.StatusCode, out)
	}
	return out, nil
}
