{{- define "gatehouse.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "gatehouse.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end -}}

{{- define "gatehouse.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: gatehouse
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "gatehouse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "gatehouse.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "gatehouse.adminSecretName" -}}
{{- default (printf "%s-admin-token" (include "gatehouse.fullname" .)) .Values.admin.existingSecret -}}
{{- end -}}

{{/* The Istio Gateway selector labels this gateway answers to. */}}
{{- define "gatehouse.gatewayLabels" -}}
{{- if .Values.mesh.gatewayLabels -}}
{{- toYaml .Values.mesh.gatewayLabels -}}
{{- else -}}
{{- $names := list -}}
{{- if .Values.ingress.enabled }}{{ $names = append $names "ingressgateway" }}{{ end -}}
{{- if .Values.egress.enabled }}{{ $names = append $names "egressgateway" }}{{ end -}}
{{- toYaml (dict "istio" $names) -}}
{{- end -}}
{{- end -}}
