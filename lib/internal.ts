// What the CLI and the cdk8s app (src/) need of the library beyond its public API:
// the resolved props, the server contract and the rules settings are checked by.
// None of these modules loads cdk8s, so that CLI commands that never synthesize start
// without it; `ensureUniqueObjects` (which does) is imported by the app's synth from
// ./unique-objects itself.
export { AUTOSCALING_DEFAULTS } from './autoscaling';
export type { Autoscaling } from './autoscaling';
export { HELLO_NODE_APP_DEFAULTS, resolveHelloNodeApp } from './hello-node-props';
export type { HelloNodeShape } from './hello-node-props';
export { GKE_ANNOTATIONS } from './gke-annotations';
export { HELLO_NODE_SERVER } from './server-contract';
export {
  checkComputeResourceName,
  checkDns1123Label,
  checkEnum,
  checkImage,
  checkImageTag,
  checkInteger,
  checkManagedCertificateDomain,
  checkOneOf,
  checkRegistryHost,
  checkReplicas,
  MAX_INT32,
  ValidationError,
} from './validation';
export { Profile } from './profile';
export { ServiceType } from './service-type';
export { Workload } from './workload';
