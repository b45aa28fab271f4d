// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

var _ = Describe("ClientConfigFrom", func() {
	It("takes the component configuration's defaults for unset fields", func() {
		Expect(metal.DefaultClientConfig()).To(Equal(metal.ClientConfig{RequestTimeout: 30 * time.Second, QPS: 20, Burst: 40}))
	})

	It("takes the configured values", func() {
		cfg := metal.ClientConfigFrom(configmetal.MetalAPIClientConfig{
			RequestTimeout: &metav1.Duration{Duration: time.Second}, QPS: new(float32(5)), Burst: new(7),
		})
		Expect(cfg).To(Equal(metal.ClientConfig{RequestTimeout: time.Second, QPS: 5, Burst: 7}))
	})
})
