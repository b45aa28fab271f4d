package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// kubebuilderAssetsEnv is controller-runtime's variable naming the folder of kube-apiserver and etcd.
const kubebuilderAssetsEnv = "KUBEBUILDER_ASSETS"

var (
	moduleDirs   = map[string]string{}
	moduleDirsMu sync.Mutex
)

// ModuleDir returns the folder of a module of the build (or of the main module for ""), as the Go
// command resolves it. Tests read CRDs from there instead of keeping copies.
func ModuleDir(module string) (string, error) {
	moduleDirsMu.Lock()
	defer moduleDirsMu.Unlock()
	if dir, ok := moduleDirs[module]; ok {
		return dir, nil
	}
	args := []string{"list", "-m", "-f", "{{.Dir}}"}
	if module != "" {
		args = append(args, module)
	}
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locating module %q with 'go list -m': %w: %s", module, err, strings.TrimSpace(stderr.String()))
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("module %q has no folder in the module cache; run 'go mod download'", module)
	}
	moduleDirs[module] = dir
	return dir, nil
}

// BinaryAssetsDir returns the folder holding kube-apiserver and etcd. It honours KUBEBUILDER_ASSETS
// and otherwise runs hack/envtest.sh, which builds the binaries once per machine and caches them.
func BinaryAssetsDir() (string, error) {
	if dir := os.Getenv(kubebuilderAssetsEnv); dir != "" {
		return dir, nil
	}
	root, err := ModuleDir("")
	if err != nil {
		return "", err
	}
	cmd := exec.Command(filepath.Join(root, "hack", "envtest.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("building the envtest binaries with hack/envtest.sh: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
