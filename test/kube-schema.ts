// Checks synthesized objects against the Kubernetes OpenAPI schema, with the
// validators that kubernetes-models generates from it.
import { Deployment, IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { IPodDisruptionBudget, PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { IReplicationController, ReplicationController } from 'kubernetes-models/v1/ReplicationController';
import { IService, Service } from 'kubernetes-models/v1/Service';

const validators: Record<string, (manifest: object) => void> = {
  Deployment: (manifest) => new Deployment(manifest as IDeployment).validate(),
  PodDisruptionBudget: (manifest) => new PodDisruptionBudget(manifest as IPodDisruptionBudget).validate(),
  ReplicationController: (manifest) => new ReplicationController(manifest as IReplicationController).validate(),
  Service: (manifest) => new Service(manifest as IService).validate(),
};

/** Throws unless every manifest is of a known kind and valid by the Kubernetes schema. */
export function validateAgainstSchema(manifests: readonly { kind?: unknown }[]): void {
  for (const manifest of manifests) {
    const validate = validators[String(manifest.kind)];
    if (!validate) {
      throw new Error(`no schema validator for kind ${String(manifest.kind)}`);
    }
    validate(manifest);
  }
}
