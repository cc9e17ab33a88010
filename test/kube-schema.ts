// Checks synthesized objects against the Kubernetes OpenAPI schema, with the
// validators that kubernetes-models generates from it.
import { IReplicationController, ReplicationController } from 'kubernetes-models/v1/ReplicationController';
import { IService, Service } from 'kubernetes-models/v1/Service';

const validators: Record<string, (manifest: object) => void> = {
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
