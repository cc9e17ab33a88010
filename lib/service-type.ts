/**
 * How a Service is exposed. The values are Kubernetes' own, so cdk8s-plus-27's
 * `ServiceType.LOAD_BALANCER` and the plain string `'LoadBalancer'` are both accepted.
 */
export const ServiceType = {
  /** Reachable only from inside the cluster, on a cluster-internal IP. */
  CLUSTER_IP: 'ClusterIP',
  /** Also reachable on a static port of every node. */
  NODE_PORT: 'NodePort',
  /** Also reachable through the cloud provider's external load balancer (on GKE, an external IP). */
  LOAD_BALANCER: 'LoadBalancer',
} as const;
/** One of the {@link ServiceType} values. */
export type ServiceType = (typeof ServiceType)[keyof typeof ServiceType];

/** The transport protocol of a port; the same values as cdk8s-plus-27's `Protocol`. */
export const Protocol = {
  TCP: 'TCP',
  UDP: 'UDP',
  SCTP: 'SCTP',
} as const;
/** One of the {@link Protocol} values. */
export type Protocol = (typeof Protocol)[keyof typeof Protocol];

/** Every {@link Protocol} value. */
export const PROTOCOLS = Object.values(Protocol);
/** Every {@link ServiceType} value. */
export const SERVICE_TYPES = Object.values(ServiceType);
