import * as path from 'node:path';
import { ApiObjectMetadata, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Container,
  EnvVar,
  IntOrString,
  KubeDeployment,
  KubeHorizontalPodAutoscalerV2,
  KubePodDisruptionBudget,
  KubeReplicationController,
  PodSpec,
  PodTemplateSpec,
  Probe as ProbeSpec,
  Quantity,
  ResourceRequirements,
} from '../imports/k8s';
import { BackendConfig } from '../imports/cloud.google.com';
import { KubeIngress } from '../imports/k8s';
import { FrontendConfig, ManagedCertificate } from '../imports/networking.gke.io';
import { HelloNodeAppProps, HelloNodeShape, resolveHelloNodeApp } from './hello-node-props';
import { checkOwnAnnotations, createHttpsIngress, serviceAnnotationsFor } from './https-ingress';
import { LabeledService } from './labeled-service';
import { HttpProbeOptions } from './probe';
import { SHUTDOWN_MARGIN_SECONDS } from './profile';
import { ContainerResources, ResourceAmounts } from './resources';
import { HELLO_NODE_SERVER } from './server-contract';
import { ObjectLabelsAndAnnotations } from './validation';
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
 *
 * With `autoscaling`, a HorizontalPodAutoscaler sizes the workload by CPU use, and the
 * workload writes no replica count of its own.
 */
export class HelloNodeApp extends Construct {
  /** The ReplicationController or Deployment that runs the pods. */
  public readonly workload: KubeReplicationController | KubeDeployment;

  /** The Service in front of the pods. */
  public readonly service: LabeledService;

  /** The HorizontalPodAutoscaler that sizes the workload, with `autoscaling`. */
  public readonly horizontalPodAutoscaler?: KubeHorizontalPodAutoscalerV2;

  /** The PodDisruptionBudget, when there is one. */
  public readonly podDisruptionBudget?: KubePodDisruptionBudget;

  /** The Ingress that routes the domain to the Service, when there is a domain. */
  public readonly ingress?: KubeIngress;

  /** The Google-managed certificate of the domain, when there is one. */
  public readonly managedCertificate?: ManagedCertificate;

  /** The FrontendConfig that redirects HTTP to HTTPS, when there is a domain. */
  public readonly frontendConfig?: FrontendConfig;

  /** The BackendConfig of the load balancer's health check, when there is a domain. */
  public readonly backendConfig?: BackendConfig;

  /** The labels on the pods, which both the workload and the Service select. */
  public readonly labels: { [key: string]: string };

  /** The app's name, from which the objects' names derive. */
  public readonly name: string;

  /** The container image. */
  public readonly image: string;

  /**
   * The namespace of every object the app writes: its `namespace` prop, else its chart's.
   *
   * Undefined when neither names one: the objects go where kubectl applies them.
   */
  public readonly namespace?: string;

  /** The port the server listens on in each pod, which the Service's `targetPort` names. */
  public readonly containerPort: number;

  constructor(scope: Construct, id: string, props: HelloNodeAppProps = {}) {
    const prop = propSubjects('HelloNodeApp', scope, id);
    // `?? {}`: a JavaScript caller's null means no props, as undefined does
    const shape = resolveHelloNodeApp(props ?? {}, prop);
    const { name, labels, namespace, objectNames, domain } = shape;
    const metadataOf = (objectName: string): ApiObjectMetadata => ({ ...shape.metadata, name: objectName, namespace });
    const https = domain === undefined || objectNames.https === undefined ? undefined : {
      domain,
      staticIpName: shape.staticIpName,
      namespace,
      metadata: shape.metadata,
      names: objectNames.https,
      service: { name: objectNames.service, port: shape.servicePort },
      healthCheck: { path: HELLO_NODE_SERVER.healthPath, port: shape.containerPort },
    };
    if (https) {
      checkOwnAnnotations(prop('metadata'), shape.metadata);
    }
    const serviceMetadata: ObjectLabelsAndAnnotations = https
      ? { ...shape.metadata, annotations: { ...shape.metadata.annotations, ...serviceAnnotationsFor(https) } }
      : shape.metadata;

    super(scope, id);
    this.name = name;
    this.image = shape.image;
    this.labels = labels;
    // a chart's namespace is every object's that names none
    this.namespace = namespace ?? Chart.of(this).namespace;
    this.containerPort = shape.containerPort;
    ensureUniqueObjects(this, { namespace: this.namespace, labels });

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
      metadata: serviceMetadata,
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

    if (shape.autoscaling && objectNames.horizontalPodAutoscaler) {
      const { minReplicas, maxReplicas, cpuUtilization } = shape.autoscaling;
      this.horizontalPodAutoscaler = new KubeHorizontalPodAutoscalerV2(this, 'HorizontalPodAutoscaler', {
        metadata: metadataOf(objectNames.horizontalPodAutoscaler),
        spec: {
          scaleTargetRef: { apiVersion: this.workload.apiVersion, kind: this.workload.kind, name: objectNames.workload },
          minReplicas,
          maxReplicas,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpuUtilization } } }],
        },
      });
    }

    if (https) {
      ({ ingress: this.ingress, managedCertificate: this.managedCertificate, frontendConfig: this.frontendConfig, backendConfig: this.backendConfig } = createHttpsIngress(this, https));
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
  /** None with an autoscaler: a count written here would be set again by every apply. */
  readonly replicas?: number;
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
