// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Command charts packages the deployment charts into chart archives ready for `helm push` (make charts).
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"

	"github.com/metalgarden/metalgarden/pkg/charts"
)

func main() {
	var (
		version   = flag.String("version", "", "release version stamped into the charts (the VERSION file)")
		chartsDir = flag.String("charts", "charts", "folder holding the charts")
		outDir    = flag.String("out", "bin/charts", "folder the archives are written to")
	)
	flag.Parse()
	if err := run(*version, *chartsDir, *outDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(version, chartsDir, outDir string) error {
	if version == "" {
		return fmt.Errorf("-version is required")
	}
	paths, err := charts.PackageAll(chartsDir, version, outDir)
	if err != nil {
		return err
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Printf("%s\t%d bytes\tsha256:%x\t(%s)\n", path, len(data), sha256.Sum256(data), charts.ContentMediaType)
	}
	return nil
}
