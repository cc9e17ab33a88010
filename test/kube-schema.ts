// Checks synthesized objects against the Kubernetes OpenAPI schema, with the
// validators that kubernetes-models generates from it, and objects of GKE's own kinds
// against the openAPIV3Schema of their CustomResourceDefinitions (test/crds, or
// GKE_CRDS: test/gke-crds.ts), as the API server does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';
import { Deployment, IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler, IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { IIngress, Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { CRD_FILES, CRDS_DIR } from './gke-crds';
import { IPodDisruptionBudget, PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { IReplicationController, ReplicationController } from 'kubernetes-models/v1/ReplicationController';
import { IService, Service } from 'kubernetes-models/v1/Service';

const validators: Record<string, (manifest: object) => void> = {
  Deployment: (manifest) => new Deployment(manifest as IDeployment).validate(),
  HorizontalPodAutoscaler: (manifest) => new HorizontalPodAutoscaler(manifest as IHorizontalPodAutoscaler).validate(),
  PodDisruptionBudget: (manifest) => new PodDisruptionBudget(manifest as IPodDisruptionBudget).validate(),
  ReplicationController: (manifest) => new ReplicationController(manifest as IReplicationController).validate(),
  Service: (manifest) => new Service(manifest as IService).validate(),
  Ingress: (manifest) => new Ingress(manifest as IIngress).validate(),
  ...crdValidators(),
};

interface CustomResourceDefinition {
  spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: object } }[] };
}

/** A validator per kind and version (`Kind apiVersion`) of each CRD, from its openAPIV3Schema. */
function crdValidators(): Record<string, (manifest: object) => void> {
  // the schemas' x-kubernetes-* extensions are the API server's, unknown to JSON Schema
  // formats (int64, ...) are the API server's too, and its type checks cover what they say here
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const entries = CRD_FILES.flatMap((file) => parseAllDocuments(fs.readFileSync(path.join(CRDS_DIR, file), 'utf8')).map((d) => d.toJS() as CustomResourceDefinition))
    .flatMap((crd) => crd.spec.versions.map((version) => {
      const validate = ajv.compile(version.schema.openAPIV3Schema);
      const check = (manifest: object) => {
        if (!validate(manifest)) {
          throw new Error(`${crd.spec.names.kind} ${crd.spec.group}/${version.name} is invalid: ${ajv.errorsText(validate.errors)}`);
        }
      };
      return [`${crd.spec.names.kind} ${crd.spec.group}/${version.name}`, check] as const;
    }));
  return Object.fromEntries(entries);
}

/** Throws unless every manifest is of a known kind and valid by the Kubernetes schema. */
export function validateAgainstSchema(manifests: readonly { kind?: unknown }[]): void {
  for (const manifest of manifests) {
    const { kind, apiVersion } = manifest as { kind?: unknown; apiVersion?: unknown };
    const validate = validators[String(kind)] ?? validators[`${String(kind)} ${String(apiVersion)}`];
    if (!validate) {
      throw new Error(`no schema validator for ${String(kind)} ${String(apiVersion)}`);
    }
    validate(manifest);
  }
}
