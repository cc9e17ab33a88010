// The library's public API: its constructs, the types their props take, its enums,
// its errors, and what a cdk8s app needs to honour the hello-node CLI's settings
// (HelloNodeSettings) and to synthesize without ever losing a file (synthApp). What the
// CLI needs besides comes through ./internal.
export type { Autoscaling } from './autoscaling';
export { HelloNodeApp } from './hello-node-app';
export { HelloNodeSettings } from './hello-node-settings';
export type { HelloNodeAppProps } from './hello-node-props';
export { ImagePullPolicy } from './image-pull-policy';
export { LabeledService } from './labeled-service';
export type { LabeledServiceProps } from './labeled-service';
export { LogFile } from './log-file';
export { PodSecurity } from './pod-security';
export type { PodSecurityOptions } from './pod-security';
export { Probe } from './probe';
export type { HttpProbeOptions } from './probe';
export { Profile } from './profile';
export type { ContainerResources, ResourceAmounts } from './resources';
export { Protocol, ServiceType } from './service-type';
export { DuplicateObjectError } from './unique-objects';
export { ValidationError } from './validation';
export { Workload } from './workload';
// The cdk8s app's entry point (TypeScript and JavaScript: jsii leaves functions out of
// the assembly): the synth that never loses a file.
export { synthApp } from './synth';
export type { SynthOptions } from './synth';
// The imported Kubernetes API, which the constructs extend and expose (LabeledService is a
// k8s.KubeService, HelloNodeApp.workload a k8s.KubeDeployment or k8s.KubeReplicationController),
// and GKE's own kinds, imported from their CRDs (HelloNodeApp.managedCertificate is a
// gke.ManagedCertificate, its backendConfig a gcp.BackendConfig): jsii needs every such
// type exported, and cdk8s construct libraries export their imports so.
export * as gcp from '../imports/cloud.google.com';
export * as gke from '../imports/networking.gke.io';
export * as k8s from '../imports/k8s';
