// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	"github.com/metalgarden/metalgarden/pkg/metal"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

// MetalAPIEndpoint is a real metal-api that replaces the sandbox's simulator. Exactly one of HMAC and Token is
// set; HMACAuthType optionally names the metal-api user of the HMAC key. String never prints a secret.
type MetalAPIEndpoint struct {
	URL                       string
	HMAC, HMACAuthType, Token string
}

// String names the endpoint and the kind of its credentials.
func (e *MetalAPIEndpoint) String() string {
	if e.Token != "" {
		return e.URL + " (bearer token)"
	}
	return e.URL + " (HMAC)"
}

// GoString is String, so that %#v prints no secret either.
func (e *MetalAPIEndpoint) GoString() string { return "sandbox.MetalAPIEndpoint{" + e.String() + "}" }

// secretData is the data of the shoots' credentials Secret (the cloudprovider secret).
func (e *MetalAPIEndpoint) secretData() map[string][]byte {
	data := map[string][]byte{}
	if e.Token != "" {
		data[metal.SecretKeyAPIKey] = []byte(e.Token)
	}
	if e.HMAC != "" {
		data[metal.SecretKeyHMAC] = []byte(e.HMAC)
	}
	if e.HMACAuthType != "" {
		data[metal.SecretKeyHMACAuthType] = []byte(e.HMACAuthType)
	}
	return data
}

// validate checks the endpoint as the extensions will use it: the URL as metal.NewClient parses it, the
// credentials as the cloudprovider secret is read.
func (e *MetalAPIEndpoint) validate() (metal.Credentials, error) {
	u, err := url.Parse(e.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return metal.Credentials{}, fmt.Errorf("--metal-api-url %q is no http(s) URL with a host, e.g. https://metal-api.example.com/metal", e.URL)
	}
	creds, err := metal.CredentialsFromSecret(&corev1.Secret{Data: e.secretData()})
	if err != nil {
		return metal.Credentials{}, fmt.Errorf("the metal-api credentials: %w", err)
	}
	if _, err := metal.NewClient(e.URL, creds, metal.DefaultClientConfig()); err != nil {
		return metal.Credentials{}, fmt.Errorf("--metal-api-url %q: %w", e.URL, err)
	}
	return creds, nil
}

// ONTAPEndpoint is a real ONTAP cluster that replaces the sandbox's simulator: its management address, the
// admin's user name and password, and how to verify its certificate (the CA bundle, or not at all). String never
// prints the password.
type ONTAPEndpoint struct {
	Address, Username, Password string
	CABundle                    []byte
	InsecureSkipVerify          bool
}

// String names the cluster and the user.
func (e *ONTAPEndpoint) String() string { return e.Username + "@" + e.Address }

// GoString is String, so that %#v prints no password either.
func (e *ONTAPEndpoint) GoString() string { return "sandbox.ONTAPEndpoint{" + e.String() + "}" }

// clientConfig is how pkg/ontap reaches the cluster named name.
func (e *ONTAPEndpoint) clientConfig(name string) ontap.ClientConfig {
	return ontap.ClientConfig{
		Name: name, Address: e.Address, Username: e.Username, Password: e.Password,
		CABundle: e.CABundle, InsecureSkipVerify: e.InsecureSkipVerify,
	}
}

func (e *ONTAPEndpoint) validate() error {
	if err := e.clientConfig("sandbox").Validate(); err != nil {
		return fmt.Errorf("the ONTAP flags (--ontap-address, --ontap-username, --ontap-password-file, --ontap-ca-file): %w", err)
	}
	return nil
}

// Environment variables that may hold the secrets instead of files.
const (
	EnvMetalAPIHMAC  = "SANDBOX_METAL_API_HMAC"
	EnvMetalAPIToken = "SANDBOX_METAL_API_TOKEN"
	EnvONTAPPassword = "SANDBOX_ONTAP_PASSWORD"
)

// ExternalFlags are the command line flags that replace the simulators by a real metal-api and a real ONTAP
// cluster. Secrets come from files or environment variables, never from the command line, which ps shows.
type ExternalFlags struct {
	MetalAPIURL, MetalAPIHMACFile, MetalAPITokenFile, MetalAPIHMACAuthType string
	ONTAPAddress, ONTAPUsername, ONTAPPasswordFile, ONTAPCAFile            string
	ONTAPInsecureSkipVerify                                                bool
}

// Register adds the flags to fs.
func (f *ExternalFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.MetalAPIURL, "metal-api-url", "", "use this metal-api instead of the simulator (a smoke test against a real installation); its partition, sizes, images and networks must match example/")
	fs.StringVar(&f.MetalAPIHMACFile, "metal-api-hmac-file", "", "file holding the metal-api HMAC key (or set "+EnvMetalAPIHMAC+")")
	fs.StringVar(&f.MetalAPITokenFile, "metal-api-token-file", "", "file holding a metal-api bearer token (or set "+EnvMetalAPIToken+"); instead of the HMAC key")
	fs.StringVar(&f.MetalAPIHMACAuthType, "metal-api-hmac-auth-type", "", "metal-api user of the HMAC key: Metal-View, Metal-Edit or Metal-Admin (default Metal-Admin)")
	fs.StringVar(&f.ONTAPAddress, "ontap-address", "", "use this ONTAP cluster (management address, host[:port]) instead of the simulator")
	fs.StringVar(&f.ONTAPUsername, "ontap-username", "", "ONTAP cluster admin user")
	fs.StringVar(&f.ONTAPPasswordFile, "ontap-password-file", "", "file holding the ONTAP admin's password (or set "+EnvONTAPPassword+")")
	fs.StringVar(&f.ONTAPCAFile, "ontap-ca-file", "", "PEM file with the CA that signs the ONTAP cluster's certificate (default: the system's roots)")
	fs.BoolVar(&f.ONTAPInsecureSkipVerify, "ontap-insecure-skip-verify", false, "do not verify the ONTAP cluster's certificate (labs only)")
}

// Apply checks the flags and sets Options.MetalAPI and Options.ONTAP from them, reading the secrets from the
// files or, without a file, from the environment (getenv; os.Getenv when nil). A file flag wins over its
// environment variable. The errors name the flags, never a secret.
func (f *ExternalFlags) Apply(opts *Options, getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	var errs []error
	secret := func(fileFlag, file, env string) string {
		if file == "" {
			return strings.TrimSpace(getenv(env))
		}
		data, err := os.ReadFile(file)
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", fileFlag, err))
			return ""
		}
		value := strings.TrimSpace(string(data))
		if value == "" {
			errs = append(errs, fmt.Errorf("--%s: %s is empty", fileFlag, file))
		}
		return value
	}

	switch {
	case f.MetalAPIURL != "":
		e := &MetalAPIEndpoint{
			URL:          f.MetalAPIURL,
			HMAC:         secret("metal-api-hmac-file", f.MetalAPIHMACFile, EnvMetalAPIHMAC),
			Token:        secret("metal-api-token-file", f.MetalAPITokenFile, EnvMetalAPIToken),
			HMACAuthType: f.MetalAPIHMACAuthType,
		}
		if len(errs) > 0 {
			break
		}
		switch {
		case e.HMAC != "" && e.Token != "":
			errs = append(errs, fmt.Errorf("--metal-api-url needs either an HMAC key (--metal-api-hmac-file or %s) or a bearer token (--metal-api-token-file or %s), not both", EnvMetalAPIHMAC, EnvMetalAPIToken))
		case e.HMAC == "" && e.Token == "":
			errs = append(errs, fmt.Errorf("--metal-api-url needs credentials: an HMAC key (--metal-api-hmac-file or %s) or a bearer token (--metal-api-token-file or %s)", EnvMetalAPIHMAC, EnvMetalAPIToken))
		case e.Token != "" && e.HMACAuthType != "":
			errs = append(errs, errors.New("--metal-api-hmac-auth-type applies to an HMAC key, not to a bearer token"))
		default:
			if _, err := e.validate(); err != nil {
				errs = append(errs, err)
			} else {
				opts.MetalAPI = e
			}
		}
	case f.MetalAPIHMACFile != "" || f.MetalAPITokenFile != "" || f.MetalAPIHMACAuthType != "":
		errs = append(errs, errors.New("--metal-api-hmac-file, --metal-api-token-file and --metal-api-hmac-auth-type need --metal-api-url"))
	}

	switch {
	case f.ONTAPAddress != "":
		e := &ONTAPEndpoint{
			Address:            f.ONTAPAddress,
			Username:           f.ONTAPUsername,
			Password:           secret("ontap-password-file", f.ONTAPPasswordFile, EnvONTAPPassword),
			InsecureSkipVerify: f.ONTAPInsecureSkipVerify,
		}
		if f.ONTAPCAFile != "" {
			ca, err := os.ReadFile(f.ONTAPCAFile)
			if err != nil {
				errs = append(errs, fmt.Errorf("--ontap-ca-file: %w", err))
			}
			e.CABundle = ca
		}
		switch {
		case e.Username == "":
			errs = append(errs, errors.New("--ontap-address needs --ontap-username"))
		case e.Password == "" && f.ONTAPPasswordFile == "":
			errs = append(errs, fmt.Errorf("--ontap-address needs the admin's password: --ontap-password-file or %s", EnvONTAPPassword))
		case f.ONTAPCAFile != "" && f.ONTAPInsecureSkipVerify:
			errs = append(errs, errors.New("--ontap-ca-file and --ontap-insecure-skip-verify exclude each other"))
		}
		if len(errs) > 0 {
			break
		}
		if err := e.validate(); err != nil {
			errs = append(errs, err)
		} else {
			opts.ONTAP = e
		}
	case f.ONTAPUsername != "" || f.ONTAPPasswordFile != "" || f.ONTAPCAFile != "" || f.ONTAPInsecureSkipVerify:
		errs = append(errs, errors.New("--ontap-username, --ontap-password-file, --ontap-ca-file and --ontap-insecure-skip-verify need --ontap-address"))
	}
	return errors.Join(errs...)
}

// endpoints are the metal-api and the ONTAP cluster the sandbox's extensions talk to: the simulators or, with
// Options.MetalAPI and Options.ONTAP, real ones.
type endpoints struct {
	// metalURL is the metal-api endpoint of the CloudProfile, metalSecret the data of the shoots' credentials.
	metalURL    string
	metalSecret map[string][]byte
	// metal reads the metal-api for the stand-in kubelets and the leftover check.
	metal metal.Client
	// ontap is the cluster the admin Secret names; ontapClient reads it for the leftover check.
	ontap       ONTAPEndpoint
	ontapClient *ontap.Client
}

// startMetalAPI starts the metal-api simulator seeded with the example's partition or, with Options.MetalAPI,
// checks that the real metal-api has what the example needs.
func (sb *Sandbox) startMetalAPI(ctx context.Context) error {
	ex := sb.example
	ep := &sb.endpoints
	var creds metal.Credentials
	if real := sb.opts.MetalAPI; real != nil {
		var err error
		if creds, err = real.validate(); err != nil {
			return err
		}
		ep.metalURL, ep.metalSecret = real.URL, real.secretData()
	} else {
		metalSeed, err := ex.metalSeed(sb.opts.Shoots)
		if err != nil {
			return fmt.Errorf("seeding the metal-api simulator from the example: %w", err)
		}
		metalConfig := metalapi.SandboxConfig()
		metalConfig.Seed = metalSeed
		metalConfig.Logger = slog.New(logr.ToSlogHandler(sb.log.WithName("metal-api-simulator")))
		if sb.MetalAPI, err = metalapi.Start(sb.ctx, metalConfig); err != nil {
			return fmt.Errorf("starting the metal-api simulator: %w", err)
		}
		creds = metal.HMAC(metalapi.DefaultHMACKey, "")
		ep.metalURL = sb.MetalAPI.URL()
		ep.metalSecret = map[string][]byte{metal.SecretKeyHMAC: []byte(metalapi.DefaultHMACKey)}
	}
	client, err := metal.NewClient(ep.metalURL, creds, metal.ClientConfigFrom(ex.metalConfig.MetalAPI))
	if err != nil {
		return fmt.Errorf("creating a client of the metal-api: %w", err)
	}
	ep.metal = client
	if sb.machines, err = metal.MachineLeasesOf(client); err != nil {
		return err
	}
	if sb.opts.MetalAPI == nil {
		return nil
	}

	want, err := ex.metalPrerequisites()
	if err != nil {
		return err
	}
	fmt.Fprintf(sb.opts.Out, "Using the metal-api %s instead of the simulator; it must offer the example's %s\n",
		sb.opts.MetalAPI, describePrerequisites(want))
	inspect, err := metal.InspectorOf(client)
	if err != nil {
		return err
	}
	missing, err := inspect.MissingObjects(ctx, want)
	if err != nil {
		return fmt.Errorf("checking what the metal-api %s offers: %w", sb.opts.MetalAPI.URL, err)
	}
	if len(missing) > 0 {
		return fmt.Errorf("the metal-api %s lacks what the example (%s) needs: %s", sb.opts.MetalAPI.URL, sb.opts.ExampleDir, strings.Join(missing, ", "))
	}
	return nil
}

// startONTAP starts the ONTAP simulator with the example's cluster or, with Options.ONTAP, takes the real one
// after checking that it answers to the credentials.
func (sb *Sandbox) startONTAP(ctx context.Context) error {
	ex := sb.example
	ep := &sb.endpoints
	if real := sb.opts.ONTAP; real != nil {
		if err := real.validate(); err != nil {
			return err
		}
		ep.ontap = *real
		fmt.Fprintf(sb.opts.Out, "Using the ONTAP cluster %s as %s instead of the simulator\n", real, ex.ontapClusterName())
	} else {
		ontapSeed := ex.ontapSeed()
		var err error
		if sb.ONTAP, err = ontapapi.Start(sb.ctx, ontapapi.Config{Seed: &ontapSeed}); err != nil {
			return fmt.Errorf("starting the ONTAP simulator: %w", err)
		}
		user, password := sb.ONTAP.AdminCredentials()
		ep.ontap = ONTAPEndpoint{Address: sb.ONTAP.Address(), Username: user, Password: password, CABundle: sb.ONTAP.CACert()}
	}
	client, err := ontap.NewClient(ep.ontap.clientConfig(ex.ontapClusterName()))
	if err != nil {
		return fmt.Errorf("creating a client of the ONTAP cluster %s: %w", &ep.ontap, err)
	}
	ep.ontapClient = client
	if sb.opts.ONTAP != nil {
		info, err := client.Info(ctx)
		if err != nil {
			return fmt.Errorf("checking the ONTAP cluster %s: %w", &ep.ontap, err)
		}
		fmt.Fprintf(sb.opts.Out, "ONTAP cluster %s answers: %s, ONTAP %s, nodes %s\n", ep.ontap.Address, info.Name, info.Version, strings.Join(info.Nodes, ", "))
	}
	return nil
}

// ontapSecretData is what the ONTAP admin Secret of the example gets: the address and credentials of the cluster
// the sandbox uses, added to data.
func (ep *endpoints) ontapSecretData(data map[string][]byte) map[string][]byte {
	if data == nil {
		data = map[string][]byte{}
	}
	data[ontap.SecretKeyAddress] = []byte(ep.ontap.Address)
	data[ontap.SecretKeyUsername] = []byte(ep.ontap.Username)
	data[ontap.SecretKeyPassword] = []byte(ep.ontap.Password)
	delete(data, ontap.SecretKeyCABundle)
	delete(data, ontap.SecretKeyInsecureSkipVerify)
	if len(ep.ontap.CABundle) > 0 {
		data[ontap.SecretKeyCABundle] = ep.ontap.CABundle
	}
	if ep.ontap.InsecureSkipVerify {
		data[ontap.SecretKeyInsecureSkipVerify] = []byte(strconv.FormatBool(true))
	}
	return data
}

// metalPrerequisites are the metal-api objects the example shoot uses: its partition, the sizes of its worker
// pools and firewall, the images of both, and the networks it names (firewall networks, additional networks of
// the pools, the private super network of the partition and the ONTAP data network).
func (ex *example) metalPrerequisites() (metal.Prerequisites, error) {
	var p metal.Prerequisites
	add := func(list *[]string, id string) {
		if id != "" && !slices.Contains(*list, id) {
			*list = append(*list, id)
		}
	}
	add(&p.Projects, ex.infra.ProjectID)
	add(&p.Partitions, ex.infra.PartitionID)
	add(&p.Sizes, ex.infra.Firewall.Size)
	if ex.infra.Firewall.Image != "" {
		add(&p.Images, ex.infra.Firewall.Image)
	}
	for _, n := range ex.infra.Firewall.Networks {
		add(&p.Networks, n)
	}
	for _, w := range ex.shoot.Spec.Provider.Workers {
		add(&p.Sizes, w.Machine.Type)
		if w.Machine.Image != nil && w.Machine.Image.Version != nil {
			add(&p.Images, ex.workerImage(w.Machine.Image.Name, *w.Machine.Image.Version))
		}
		wc, err := metalhelper.WorkerConfigFromRawExtension(w.ProviderConfig)
		if err != nil {
			return p, fmt.Errorf("worker pool %s: %w", w.Name, err)
		}
		if wc != nil {
			for _, n := range wc.AdditionalNetworks {
				add(&p.Networks, n)
			}
		}
	}
	if d := ex.partition.NodeNetworkDefaults; d != nil {
		for _, n := range d.PrivateSuperNetworks {
			add(&p.Networks, n)
		}
	}
	add(&p.Networks, ex.ontapConfig.DataNetworkID)
	return p, nil
}

// workerImage is the metal-stack image of a worker pool's machine image, as the Worker controller maps it: the
// CloudProfile's versions are "<name>-<version>", others come from the component configuration.
func (ex *example) workerImage(name, version string) string {
	offered := slices.ContainsFunc(ex.cloudProfile.Spec.MachineImages, func(img gardencorev1beta1.MachineImage) bool {
		return img.Name == name && slices.ContainsFunc(img.Versions, func(v gardencorev1beta1.MachineImageVersion) bool { return v.Version == version })
	})
	if offered {
		return name + "-" + version
	}
	for _, m := range ex.metalConfig.MachineImages {
		if m.Name == name && m.Version == version {
			return m.Image
		}
	}
	return ""
}

func describePrerequisites(p metal.Prerequisites) string {
	var parts []string
	for _, kind := range []struct {
		name string
		ids  []string
	}{{"project", p.Projects}, {"partition", p.Partitions}, {"sizes", p.Sizes}, {"images", p.Images}, {"networks", p.Networks}} {
		if len(kind.ids) > 0 {
			parts = append(parts, kind.name+" "+strings.Join(kind.ids, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// leftoversByClients lists what the real metal-api and ONTAP cluster still hold of the deleted shoots, asking
// them through the extensions' clients: in the metal-api the networks, IPs, machines and firewalls of each
// shoot's cluster in the example's project, on ONTAP each shoot's SVM. A lookup that fails is reported too: the
// check then proves nothing.
func (sb *Sandbox) leftoversByClients(ctx context.Context, shoots []*Shoot, metalAPI, ontapCluster bool) []string {
	var out []string
	var inspect metal.Inspector
	if metalAPI {
		var err error
		if inspect, err = metal.InspectorOf(sb.endpoints.metal); err != nil {
			return append(out, "metal-api: "+err.Error())
		}
	}
	for _, s := range shoots {
		if metalAPI {
			cluster := metal.Cluster{ID: s.UID(), Name: s.Namespace, ProjectID: sb.example.infra.ProjectID, PartitionID: sb.example.infra.PartitionID}
			objects, err := inspect.ClusterObjects(ctx, cluster)
			switch {
			case err != nil:
				out = append(out, fmt.Sprintf("metal-api: could not check cluster %s: %v", cluster.ID, err))
			case !objects.Empty():
				out = append(out, fmt.Sprintf("metal-api: cluster %s (%s) in project %s: %s", cluster.ID, s.Namespace, cluster.ProjectID, objects))
			}
		}
		if ontapCluster {
			name := ontapcontroller.SVMName(s.UID())
			_, err := sb.endpoints.ontapClient.GetSVM(ctx, name)
			switch {
			case ontap.IsNotFound(err):
			case err != nil:
				out = append(out, fmt.Sprintf("ONTAP: could not check svm %s: %v", name, err))
			default:
				out = append(out, fmt.Sprintf("ONTAP: svm %s of %s", name, s.Namespace))
			}
		}
	}
	return out
}
