{{/* Chart name, shortened to the 63 characters a label value may have. */}}
{{- define "sdfarm.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every resource name: fullnameOverride, or release name plus chart name (once). */}}
{{- define "sdfarm.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "sdfarm.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of one component's resources: <fullname>-<component>. Call with (dict "ctx" $ "component" "gateway"). */}}
{{- define "sdfarm.componentName" -}}
{{- printf "%s-%s" (include "sdfarm.fullname" .ctx | trunc 50 | trimSuffix "-") .component -}}
{{- end -}}

{{/* Labels of every resource; with a component, its component label too. */}}
{{- define "sdfarm.labels" -}}
helm.sh/chart: {{ include "sdfarm.chart" .ctx }}
{{ include "sdfarm.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: sdfarm
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "sdfarm.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sdfarm.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{/* metadata.annotations from commonAnnotations plus extra ones; nothing when both are empty. */}}
{{- define "sdfarm.annotations" -}}
{{- $all := merge (deepCopy (default dict .extra)) (deepCopy .ctx.Values.commonAnnotations) -}}
{{- with $all -}}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end -}}
{{- end -}}

{{/* registry/repository:tag of an image block; the tag defaults to the chart's appVersion. */}}
{{- define "sdfarm.image" -}}
{{- $tag := default .ctx.Chart.AppVersion .image.tag -}}
{{- if .image.registry -}}
{{- printf "%s/%s:%s" .image.registry .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "sdfarm.gateway.serviceAccountName" -}}
{{- if .Values.gateway.serviceAccount.create -}}
{{- default (include "sdfarm.componentName" (dict "ctx" . "component" "gateway")) .Values.gateway.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.gateway.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sdfarm.converter.serviceAccountName" -}}
{{- if .Values.converter.serviceAccount.create -}}
{{- default (include "sdfarm.componentName" (dict "ctx" . "component" "converter")) .Values.converter.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.converter.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* URL of the gateway's native API inside the cluster. */}}
{{- define "sdfarm.gateway.url" -}}
{{- printf "http://%s:%v" (include "sdfarm.componentName" (dict "ctx" . "component" "gateway")) .Values.gateway.service.port -}}
{{- end -}}

{{- define "sdfarm.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets -}}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end -}}
{{- end -}}

{{/* Pod-level security context: a fixed non-root user and the runtime's default seccomp profile. */}}
{{- define "sdfarm.podSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .Values.podSecurityContext.runAsUser }}
  runAsGroup: {{ .Values.podSecurityContext.runAsGroup }}
  fsGroup: {{ .Values.podSecurityContext.fsGroup }}
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{/* Container security context, the same for every container of the chart; not configurable on purpose. */}}
{{- define "sdfarm.containerSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .Values.podSecurityContext.runAsUser }}
  runAsGroup: {{ .Values.podSecurityContext.runAsGroup }}
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  privileged: false
  capabilities:
    drop: ["ALL"]
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{/* Kafka connection for the services: bootstrap servers, and SASL/TLS settings that SmallRye's clients read. */}}
{{- define "sdfarm.kafkaEnv" -}}
{{- $k := .Values.config.kafka -}}
- name: SDFARM_KAFKA
  value: {{ $k.bootstrapServers | quote }}
{{- with $k.securityProtocol }}
- name: KAFKA_SECURITY_PROTOCOL
  value: {{ . | quote }}
{{- end }}
{{- if $k.sasl.mechanism }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $k.sasl.mechanism | quote }}
{{- if not $k.sasl.existingSecret }}
{{- fail "config.kafka.sasl.existingSecret: a SASL mechanism is set but no Secret holds the JAAS configuration" }}
{{- end }}
- name: KAFKA_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      name: {{ $k.sasl.existingSecret | quote }}
      key: {{ $k.sasl.jaasConfigKey | quote }}
{{- end }}
{{- end -}}

{{/*
Object store. S3 keys go to the AWS SDK's environment credentials (the store uses the SDK's default chain when
sdfarm.store.s3.access-key-id is not set); path-style is passed under its exact property name because an
SDFARM_STORE_S3_PATH_STYLE variable would become the map key "path.style".
*/}}
{{- define "sdfarm.storeEnv" -}}
{{- $s := .Values.config.store -}}
- name: SDFARM_STORE_LOCATION
  value: {{ $s.location | quote }}
{{- with $s.s3.endpoint }}
- name: SDFARM_STORE_S3_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- with $s.s3.region }}
- name: SDFARM_STORE_S3_REGION
  value: {{ . | quote }}
{{- end }}
{{- if $s.s3.pathStyle }}
- name: sdfarm.store.s3.path-style
  value: "true"
{{- end }}
{{- with $s.s3.existingSecret }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $s.s3.accessKeyIdKey | quote }}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $s.s3.secretAccessKeyKey | quote }}
{{- end }}
{{- end -}}

{{/* A writable /tmp for every container (the root file system is read-only). */}}
{{- define "sdfarm.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "sdfarm.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 1Gi
{{- end -}}
