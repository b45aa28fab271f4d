// Package ontap is metalgarden's only door to NetApp ONTAP clusters: it
// builds trident's generated ONTAP REST client from a credentials Secret and
// offers the small, idempotent operations the ontap extension needs to give a
// shoot its own SVM: EnsureSVM/DeleteSVM (with the SVM's volume limit),
// data and management interfaces, protocol services, an SVM-scoped account
// for Trident, routes, export policies, the SVM's QoS policy and aggregate
// placement.
//
// Every Ensure reads first and writes only what differs, so a second call on
// an unchanged cluster makes no write request. Asynchronous ONTAP jobs are
// waited for. Errors name the operation and the cluster, are classified
// (IsRetriable, IsConfiguration, IsNotFound, ErrSVMNotEmpty) and never contain
// a password.
//
// Several clusters form a Clusters set; a cluster configured as "X" is found
// also when it reports "X-mc" after a MetroCluster switchover, and one
// unreachable cluster does not stop work on the others.
//
// TLS is verified by default, against the Secret's caBundle; the
// insecureSkipVerify key turns verification off for labs.
package ontap
