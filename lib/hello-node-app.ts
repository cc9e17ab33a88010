import * as path from 'node:path';
import { ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Container,
  EnvVar,
  IntOrString,
  KubeDeployment,
  KubePodDisruptionBudget,
  KubeReplicationController,
  PodSpec,
  PodTemplateSpec,
  Probe as ProbeSpec,
  Quantity,
  ResourceRequirements,
} from '../imports/k8s';
import { HelloNodeAppProps, HelloNodeShape, resolveHelloNodeApp } from './hello-node-props';
import { LabeledService } from './labeled-service';
import { HttpProbeOptions } from './probe';
import { SHUTDOWN_MARGIN_SECONDS } from './profile';
import { ContainerResources, ResourceAmounts } from './resources';
import { HELLO_NODE_SERVER } from './server-contract';
import { ensureUniqueObjects } from './unique-objects';
import { propSubjects } from './validation';
import { Workload } from './workload';

const LOG_VOLUME = 'logs';

/**
 * The hello-node server on Kubernetes: a workload (a ReplicationController, or a
 * Deployment) that keeps `replicas` pods of the image running, and a
 * {@link LabeledService} that selects exactly those pods by their labels and exposes
 * them.
 *
 * With no props it reproduces the reference workflow's `hello-node-rc` and
 * `hello-node-svc` field for field. The `production` profile adds probes, resource
 * requests, a Pod Security "restricted" security context and a PodDisruptionBudget.
 * Props that the server must agree with (the port, the log file, the shutdown
 * deadline) reach it through its environment.
 *
 * Every prop is checked when the construct is created, before it joins the tree, and
 * a bad one throws a `ValidationError` that names it. Two objects of the same kind,
 * namespace and name anywhere in the app fail the synth with a `DuplicateObjectError`.
 * The construct's default child (`node.defaultChild`) is the workload.
 */
export class HelloNodeApp extends Construct {
  /** The ReplicationController or Deployment that runs the pods. */
  public readonly workload: KubeReplicationController | KubeDeployment;

  /** The Service in front of the pods. */
  public readonly service: LabeledService;

  /** The PodDisruptionBudget, when there is one. */
  public readonly podDisruptionBudget?: KubePodDisruptionBudget;

  /** The labels on the pods, which both the workload and the Service select. */
  public readonly labels: { [key: string]: string };

  /** The app's name, from which the objects' names derive. */
  public readonly name: string;

  /** The container image. */
  public readonly image: string;

  constructor(scope: Construct, id: string, props: HelloNodeAppProps = {}) {
    const shape = resolveHelloNodeApp(props, propSubjects('HelloNodeApp', scope, id));
    const { name, labels, namespace, objectNames } = shape;
    const metadataOf = (objectName: string): ApiObjectMetadata => ({ ...shape.metadata, name: objectName, namespace });

    super(scope, id);
    this.name = name;
    this.image = shape.image;
    this.labels = labels;
    ensureUniqueObjects(this);

    this.workload = createWorkload(this, shape.workload, {
      metadata: metadataOf(objectNames.workload),
      replicas: shape.replicas,
      labels,
      template: { metadata: { name: objectNames.pod, labels }, spec: podSpecOf(shape) },
    });
    this.node.defaultChild = this.workload;

    this.service = new LabeledService(this, 'Service', {
      name: objectNames.service,
      namespace,
      metadata: shape.metadata,
      selector: labels,
      port: shape.servicePort,
      targetPort: shape.containerPort,
      type: shape.serviceType,
    });

    if (objectNames.podDisruptionBudget) {
      this.podDisruptionBudget = new KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata: metadataOf(objectNames.podDisruptionBudget),
        spec: { maxUnavailable: ONE, selector: { matchLabels: labels } },
      });
    }
  }
}

/** The pod of a checked shape: one container, with what the profile and props turned on. */
function podSpecOf(shape: HelloNodeShape): PodSpec {
  const { logFile, security, containerPort } = shape;
  const logDir = typeof logFile === 'string' && path.posix.isAbsolute(logFile) ? path.posix.dirname(logFile) : undefined;
  const probe = (options: Required<HttpProbeOptions> | undefined): ProbeSpec | undefined => options && {
    httpGet: { path: options.path, port: IntOrString.fromNumber(containerPort) },
    initialDelaySeconds: options.initialDelaySeconds,
    periodSeconds: options.periodSeconds,
    timeoutSeconds: options.timeoutSeconds,
    failureThreshold: options.failureThreshold,
  };
  const container: Container = {
    name: shape.name,
    image: shape.image,
    imagePullPolicy: shape.imagePullPolicy,
    ports: [{ containerPort }],
    env: serverEnv(containerPort, logFile, shape.terminationGracePeriodSeconds),
    readinessProbe: probe(shape.readinessProbe),
    livenessProbe: probe(shape.livenessProbe),
    resources: resourceRequirements(shape.resources),
    securityContext: security && {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: security.readOnlyRootFilesystem,
    },
    volumeMounts: logDir === undefined ? undefined : [{ name: LOG_VOLUME, mountPath: logDir }],
  };
  return {
    automountServiceAccountToken: shape.automountServiceAccountToken,
    securityContext: security && {
      runAsNonRoot: true,
      runAsUser: security.runAsUser,
      runAsGroup: security.runAsGroup,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    terminationGracePeriodSeconds: shape.terminationGracePeriodSeconds,
    containers: [container],
    volumes: logDir === undefined ? undefined : [{ name: LOG_VOLUME, emptyDir: {} }],
  };
}

/** What a workload object is made of. */
interface WorkloadSpec {
  readonly metadata: ApiObjectMetadata;
  readonly replicas: number;
  /** The labels of the template's pods, which the workload selects. */
  readonly labels: Readonly<Record<string, string>>;
  readonly template: PodTemplateSpec;
}

const ONE = IntOrString.fromNumber(1);
const NONE = IntOrString.fromNumber(0);

/**
 * Creates the workload object of `kind`. A Deployment's rolling update adds one new
 * pod, and removes an old one only once that new pod is available (maxSurge 1,
 * maxUnavailable 0): a rollout never leaves fewer than `replicas` pods ready, so even
 * one replica is never an outage, and a new template that never becomes ready stops
 * the rollout with every old pod still serving.
 */
function createWorkload(scope: Construct, kind: Workload, spec: WorkloadSpec): KubeReplicationController | KubeDeployment {
  if (kind === Workload.DEPLOYMENT) {
    return new KubeDeployment(scope, kind, {
      metadata: spec.metadata,
      spec: {
        replicas: spec.replicas,
        selector: { matchLabels: spec.labels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: ONE, maxUnavailable: NONE } },
        template: spec.template,
      },
    });
  }
  return new KubeReplicationController(scope, kind, {
    metadata: spec.metadata,
    spec: { replicas: spec.replicas, selector: spec.labels, template: spec.template },
  });
}

function resourceRequirements(resources: ContainerResources | undefined): ResourceRequirements | undefined {
  const quantities = (amounts: ResourceAmounts | undefined) => {
    const entries = Object.entries(amounts ?? {}).filter(([, text]) => text !== undefined);
    return entries.length > 0 ? Object.fromEntries(entries.map(([resource, text]) => [resource, Quantity.fromString(text)])) : undefined;
  };
  return resources && { requests: quantities(resources.requests), limits: quantities(resources.limits) };
}

/** The server's environment: only the settings that differ from its own defaults. */
function serverEnv(port: number, logFile: string | false | undefined, graceSeconds: number | undefined): EnvVar[] | undefined {
  const { env, defaultPort, logFileOff, defaultShutdownTimeoutMs } = HELLO_NODE_SERVER;
  const vars: EnvVar[] = [];
  if (port !== defaultPort) {
    vars.push({ name: env.port, value: String(port) });
  }
  if (logFile !== undefined) {
    vars.push({ name: env.logFile, value: logFile === false ? logFileOff : logFile });
  }
  const shutdownTimeoutMs = graceSeconds === undefined ? defaultShutdownTimeoutMs : (graceSeconds - SHUTDOWN_MARGIN_SECONDS) * 1000;
  if (shutdownTimeoutMs !== defaultShutdownTimeoutMs) {
    vars.push({ name: env.shutdownTimeoutMs, value: String(shutdownTimeoutMs) });
  }
  return vars.length > 0 ? vars : undefined;
}
