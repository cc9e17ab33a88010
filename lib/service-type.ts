/**
 * How a Service is exposed. The values are Kubernetes' own and cdk8s-plus-27's, so
 * that JavaScript and YAML-minded callers may pass the plain string `'LoadBalancer'`.
 */
export enum ServiceType {
  /** Reachable only from inside the cluster, on a cluster-internal IP. */
  CLUSTER_IP = 'ClusterIP',
  /** Also reachable on a static port of every node. */
  NODE_PORT = 'NodePort',
  /** Also reachable through the cloud provider's external load balancer (on GKE, an external IP). */
  LOAD_BALANCER = 'LoadBalancer',
}

/** The transport protocol of a port; the same values as cdk8s-plus-27's `Protocol`. */
export enum Protocol {
  /** Transmission Control Protocol: what HTTP runs on. */
  TCP = 'TCP',
  /** User Datagram Protocol. */
  UDP = 'UDP',
  /** Stream Control Transmission Protocol. */
  SCTP = 'SCTP',
}
