// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"bytes"
	"testing"

	. "github.com/onsi/gomega"
)

func TestLogGateDropsWritesAfterClose(t *testing.T) {
	g := NewWithT(t)
	var log bytes.Buffer
	gate := &logGate{w: &log}

	n, err := gate.Write([]byte("while running\n"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(n).To(Equal(len("while running\n")))

	gate.close()
	n, err = gate.Write([]byte("after the sandbox stopped\n"))
	g.Expect(err).NotTo(HaveOccurred(), "a late writer gets no error it could log again")
	g.Expect(n).To(Equal(len("after the sandbox stopped\n")))
	g.Expect(log.String()).To(Equal("while running\n"))
}
