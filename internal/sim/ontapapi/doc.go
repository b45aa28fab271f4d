// Package ontapapi is an in-process simulator of the NetApp ONTAP REST API
// (the subset metalgarden's ontap extension and Trident use).
//
// It speaks ONTAP's wire protocol: JSON bodies in the shapes of trident's
// generated REST models, HTTP basic authentication, asynchronous jobs for the
// operations ONTAP runs as jobs (SVM create/modify/delete, volume
// create/modify/delete, QoS policy create/modify/delete), collection queries with field filters and "fields"
// projection, and ONTAP's error shape
// {"error":{"message":...,"code":...,"target":...}}. Trident's generated
// client (storage_drivers/ontap/api/rest/client) talks to it unchanged over
// HTTPS; the server certificate is signed by a CA generated at start and
// exposed through CACert, so clients keep TLS verification on.
//
// Besides the cluster administrator, accounts created through
// /api/security/accounts can log in; an SVM-scoped account sees and changes
// only objects of its own SVM.
//
// Test affordances: State and the leak checks LeftoversForSVM and
// LeftoversWithPrefix inspect what the server holds; Mark and CallsSince count
// requests per endpoint; InjectFault fails, delays or drops matching requests
// (DropResponse applies a write and then loses the answer); Config.JobDelay
// controls how long asynchronous jobs run; DriftInterface, SetSVMMaxVolumes,
// SetSVMQoSPolicy and SetQoSPolicyLimits change objects behind a client's
// back, as an operator would.
package ontapapi
