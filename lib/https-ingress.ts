import { Construct } from 'constructs';
import { BackendConfig } from '../imports/cloud.google.com';
import { KubeIngress } from '../imports/k8s';
import { FrontendConfig, ManagedCertificate } from '../imports/networking.gke.io';
import { GKE_ANNOTATIONS } from './gke-annotations';
import { ObjectLabelsAndAnnotations, ValidationError } from './validation';

const GKE = GKE_ANNOTATIONS;

/** What the HTTPS objects of one app are made of. */
export interface HttpsIngressSpec {
  readonly domain: string;
  readonly staticIpName?: string;
  readonly namespace?: string;
  /** Labels and annotations every object gets (the app's `metadata` prop). */
  readonly metadata: ObjectLabelsAndAnnotations;
  readonly names: { readonly ingress: string; readonly managedCertificate: string; readonly frontendConfig: string; readonly backendConfig: string };
  readonly service: { readonly name: string; readonly port: number };
  /** Where the load balancer's health check asks: the server's health path on the container port. */
  readonly healthCheck: { readonly path: string; readonly port: number };
}

/** The HTTPS objects of one app. */
export interface HttpsIngress {
  readonly ingress: KubeIngress;
  readonly managedCertificate: ManagedCertificate;
  readonly frontendConfig: FrontendConfig;
  readonly backendConfig: BackendConfig;
}

/**
 * The Service's annotations that put it behind the Ingress: container-native load
 * balancing (the load balancer sends to the pods' IPs, through a network endpoint
 * group) and the BackendConfig of its health check.
 */
export function serviceAnnotationsFor(spec: Pick<HttpsIngressSpec, 'names'>): Record<string, string> {
  return {
    [GKE.neg]: JSON.stringify({ ingress: true }),
    [GKE.backendConfig]: JSON.stringify({ default: spec.names.backendConfig }),
  };
}

/**
 * GKE's external HTTP(S) load balancer for one domain: an Ingress of class `gce` that
 * routes the domain to the Service, a Google-managed certificate for the domain, a
 * FrontendConfig that redirects HTTP to HTTPS, and a BackendConfig whose health check
 * asks the server's health path (the load balancer's default asks `/`, which the server
 * would log every few seconds).
 */
export function createHttpsIngress(scope: Construct, spec: HttpsIngressSpec): HttpsIngress {
  const metadataOf = (name: string, annotations: Record<string, string> = {}) => ({
    name,
    namespace: spec.namespace,
    labels: spec.metadata.labels,
    annotations: { ...spec.metadata.annotations, ...annotations },
  });
  const managedCertificate = new ManagedCertificate(scope, 'ManagedCertificate', {
    metadata: metadataOf(spec.names.managedCertificate),
    spec: { domains: [spec.domain] },
  });
  const frontendConfig = new FrontendConfig(scope, 'FrontendConfig', {
    metadata: metadataOf(spec.names.frontendConfig),
    spec: { redirectToHttps: { enabled: true } },
  });
  const backendConfig = new BackendConfig(scope, 'BackendConfig', {
    metadata: metadataOf(spec.names.backendConfig),
    spec: { healthCheck: { type: 'HTTP', requestPath: spec.healthCheck.path, port: spec.healthCheck.port } },
  });
  const ingress = new KubeIngress(scope, 'Ingress', {
    metadata: metadataOf(spec.names.ingress, {
      // GKE's controller reads the class from the annotation, not from spec.ingressClassName
      [GKE.ingressClass]: 'gce',
      [GKE.managedCertificates]: spec.names.managedCertificate,
      [GKE.frontendConfig]: spec.names.frontendConfig,
      ...(spec.staticIpName && { [GKE.staticIp]: spec.staticIpName }),
    }),
    spec: {
      rules: [{
        host: spec.domain,
        http: {
          paths: [{
            path: '/',
            pathType: 'Prefix',
            backend: { service: { name: spec.service.name, port: { number: spec.service.port } } },
          }],
        },
      }],
    },
  });
  return { ingress, managedCertificate, frontendConfig, backendConfig };
}

/**
 * Refuses `metadata` annotations that the HTTPS objects set themselves: one of them
 * would silently replace the other.
 */
export function checkOwnAnnotations(subject: string, metadata: ObjectLabelsAndAnnotations): void {
  const taken = Object.keys(metadata.annotations ?? {}).find((key) => (Object.values(GKE) as string[]).includes(key));
  if (taken !== undefined) {
    throw new ValidationError(`${subject} annotations`, taken, 'is set by the app itself when it has a domain: leave it out of metadata');
  }
}
