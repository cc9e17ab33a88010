/**
 * The annotations by which GKE's Ingress controller finds what an HTTPS Ingress is made
 * of: written by the constructs (https-ingress.ts) and read by the CLI, which must not
 * load cdk8s, so they live apart from the objects.
 */
export const GKE_ANNOTATIONS = {
  ingressClass: 'kubernetes.io/ingress.class',
  managedCertificates: 'networking.gke.io/managed-certificates',
  frontendConfig: 'networking.gke.io/v1beta1.FrontendConfig',
  staticIp: 'kubernetes.io/ingress.global-static-ip-name',
  backendConfig: 'cloud.google.com/backend-config',
  neg: 'cloud.google.com/neg',
} as const;
