{{/* "true" when the Gardener Operator deploys the chart into the garden runtime cluster (it sets the value as a string). */}}
{{- define "runtimeCluster.enabled" -}}
{{- eq (toString .Values.gardener.runtimeCluster.enabled) "true" -}}
{{- end -}}

{{/* The runtime deployment gets its own name: the runtime cluster can be a seed at the same time. */}}
{{- define "name" -}}
gardener-extension-provider-metal{{ if eq (include "runtimeCluster.enabled" .) "true" }}-runtime{{ end }}
{{- end -}}

{{- define "labels" -}}
app.kubernetes.io/name: {{ include "name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Equals extensionscmdcontroller.LeaderElectionNameID of the binary's extension name. */}}
{{- define "leaderelectionid" -}}
provider-metal-leader-election
{{- end -}}

{{- define "image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "configdir" -}}
/etc/gardener-extension-provider-metal/config
{{- end -}}

{{/*
egressPolicy renders a NetworkPolicy that lets the extension's pods reach an external API.
Arguments: root (the chart's context), target (name suffix), description, key (values key under networkPolicy).
*/}}
{{- define "egressPolicy" -}}
{{- $policy := index .root.Values.networkPolicy .key -}}
{{- if not $policy.ports }}{{ fail (printf "networkPolicy.%s.ports must name the port(s) of the API" .key) }}{{ end -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: egress-from-{{ include "name" .root }}-to-{{ .target }}
  namespace: {{ .root.Release.Namespace }}
  annotations:
    gardener.cloud/description: Allows egress from {{ include "name" .root }} to {{ .description }}.
  labels:
{{ include "labels" .root | indent 4 }}
spec:
  podSelector:
    matchLabels:
{{ include "labels" .root | indent 6 }}
  policyTypes:
  - Egress
  egress:
  {{- if $policy.cidrs }}
  - to:
    {{- range $policy.cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
    ports:
  {{- else }}
  # No cidrs configured: the ports are open to every destination.
  - ports:
  {{- end }}
{{ toYaml $policy.ports | indent 4 }}
{{- end -}}
