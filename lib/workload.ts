import { Construct } from 'constructs';
import { IntOrString, KubeDeployment, KubeReplicationController, PodTemplateSpec } from '../imports/k8s';

/**
 * The Kubernetes controller that keeps the app's pods running. Both keep `replicas`
 * pods of one template alive; they differ in what happens when the template changes.
 */
export const Workload = {
  /**
   * The reference workflow's legacy controller: a changed template applies only to
   * pods created afterwards, so the running pods keep the old one until they are
   * replaced (Kubernetes has no rollout for it since kubectl 1.18).
   */
  REPLICATION_CONTROLLER: 'ReplicationController',
  /**
   * apps/v1 Deployment: a changed template is rolled out by replacing pods a few at a
   * time, with a rollout history to undo to.
   */
  DEPLOYMENT: 'Deployment',
} as const;
/** One of the {@link Workload} values. */
export type Workload = (typeof Workload)[keyof typeof Workload];
/** Every {@link Workload} value. */
export const WORKLOADS = Object.values(Workload);

const ONE = IntOrString.fromNumber(1);

/** What a workload object is made of. */
export interface WorkloadSpec {
  readonly name: string;
  readonly namespace?: string;
  readonly replicas: number;
  /** The labels of the template's pods, which the workload selects. */
  readonly labels: Readonly<Record<string, string>>;
  readonly template: PodTemplateSpec;
}

/**
 * Creates the workload object of `kind`. A Deployment's rolling update adds one new
 * pod and removes one old pod at a time (maxSurge 1, maxUnavailable 1), so a rollout
 * never leaves fewer than replicas - 1 pods ready.
 */
export function createWorkload(scope: Construct, kind: Workload, spec: WorkloadSpec): KubeReplicationController | KubeDeployment {
  const metadata = { name: spec.name, namespace: spec.namespace };
  if (kind === Workload.DEPLOYMENT) {
    return new KubeDeployment(scope, kind, {
      metadata,
      spec: {
        replicas: spec.replicas,
        selector: { matchLabels: spec.labels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: ONE, maxUnavailable: ONE } },
        template: spec.template,
      },
    });
  }
  return new KubeReplicationController(scope, kind, {
    metadata,
    spec: { replicas: spec.replicas, selector: spec.labels, template: spec.template },
  });
}
