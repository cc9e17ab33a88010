import * as path from 'node:path';
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
  Probe,
  Quantity,
  ResourceRequirements,
} from '../imports/k8s';
import { HELLO_NODE_APP_DEFAULTS, HelloNodeAppProps, helloNodeShape, IMAGE_PULL_POLICIES } from './hello-node-props';
import { LabeledService } from './labeled-service';
import {
  ContainerResources,
  HTTP_PROBE_DEFAULTS,
  HttpProbe,
  POD_SECURITY_DEFAULTS,
  PodSecurity,
  ResourceAmounts,
  SHUTDOWN_MARGIN_SECONDS,
} from './profile';
import { HELLO_NODE_SERVER } from './server-contract';
import { ensureUniqueObjects } from './unique-objects';
import {
  checkHttpPath,
  checkImage,
  checkInteger,
  checkOneOf,
  checkPort,
  checkQuantity,
  checkServicePort,
  MAX_INT32,
  propSubjects,
  ValidationError,
} from './validation';
import { Workload } from './workload';

/** Where the server logs when the root filesystem is read-only and no `logFile` is given. */
export const READ_ONLY_ROOT_LOG_FILE = '/var/log/hello-node/log.out';

const LOG_VOLUME = 'logs';
const MAX_GRACE_SECONDS = Math.floor(MAX_INT32 / 1000) + SHUTDOWN_MARGIN_SECONDS;

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
 */
export class HelloNodeApp extends Construct {
  /** The ReplicationController or Deployment that runs the pods. */
  public readonly workload: KubeReplicationController | KubeDeployment;

  /** The Service in front of the pods. */
  public readonly service: LabeledService;

  /** The PodDisruptionBudget, when there is one. */
  public readonly podDisruptionBudget?: KubePodDisruptionBudget;

  /** The labels on the pods, which both the workload and the Service select. */
  public readonly labels: Readonly<Record<string, string>>;

  /** The app's name, from which the objects' names derive. */
  public readonly name: string;

  /** The container image. */
  public readonly image: string;

  constructor(scope: Construct, id: string, props: HelloNodeAppProps = {}) {
    const prop = propSubjects('HelloNodeApp', scope, id);
    const defaults = HELLO_NODE_APP_DEFAULTS;
    const shape = helloNodeShape(props, prop);
    const { name, labels, namespace, profile, objectNames } = shape;
    const image = checkImage(prop('image'), props.image ?? defaults.image);
    const containerPort = checkPort(prop('containerPort'), props.containerPort ?? defaults.containerPort);
    const imagePullPolicy = checkOneOf(prop('imagePullPolicy'), props.imagePullPolicy ?? defaults.imagePullPolicy, IMAGE_PULL_POLICIES);
    const servicePort = checkServicePort(prop('servicePort'), props.servicePort ?? defaults.servicePort, shape.serviceType);

    const probe = (key: 'readinessProbe' | 'livenessProbe') => {
      const given = props[key] ?? profile[key];
      return given ? httpProbe(prop(key), given, containerPort) : undefined;
    };
    const security = podSecurity(prop('security'), props.security ?? profile.security);
    const logFile = logFileOf(prop('logFile'), props.logFile, security?.readOnlyRootFilesystem ?? false);
    const grace = props.terminationGracePeriodSeconds ?? profile.terminationGracePeriodSeconds;
    const env = serverEnv(containerPort, logFile, grace === undefined ? undefined : checkGrace(prop('terminationGracePeriodSeconds'), grace));
    const logDir = typeof logFile === 'string' && path.posix.isAbsolute(logFile) ? path.posix.dirname(logFile) : undefined;
    const automountServiceAccountToken = props.automountServiceAccountToken ?? profile.automountServiceAccountToken;

    const container: Container = {
      name,
      image,
      imagePullPolicy,
      ports: [{ containerPort }],
      env,
      readinessProbe: probe('readinessProbe'),
      livenessProbe: probe('livenessProbe'),
      resources: resourcesOf(prop('resources'), props.resources ?? profile.resources),
      securityContext: security && {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: security.readOnlyRootFilesystem,
      },
      volumeMounts: logDir === undefined ? undefined : [{ name: LOG_VOLUME, mountPath: logDir }],
    };
    const podSpec: PodSpec = {
      automountServiceAccountToken,
      securityContext: security && {
        runAsNonRoot: true,
        runAsUser: security.runAsUser,
        runAsGroup: security.runAsGroup,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      terminationGracePeriodSeconds: grace,
      containers: [container],
      volumes: logDir === undefined ? undefined : [{ name: LOG_VOLUME, emptyDir: {} }],
    };

    super(scope, id);
    this.name = name;
    this.image = image;
    this.labels = labels;
    ensureUniqueObjects(this);

    this.workload = createWorkload(this, shape.workload, {
      name: objectNames.workload,
      namespace,
      replicas: shape.replicas,
      labels,
      template: { metadata: { name: objectNames.pod, labels }, spec: podSpec },
    });

    this.service = new LabeledService(this, 'Service', {
      name: objectNames.service,
      namespace,
      selector: labels,
      port: servicePort,
      targetPort: containerPort,
      type: shape.serviceType,
    });

    if (objectNames.podDisruptionBudget) {
      this.podDisruptionBudget = new KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata: { name: objectNames.podDisruptionBudget, namespace },
        spec: { maxUnavailable: ONE, selector: { matchLabels: labels } },
      });
    }
  }
}

/** What a workload object is made of. */
interface WorkloadSpec {
  readonly name: string;
  readonly namespace?: string;
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
  const metadata = { name: spec.name, namespace: spec.namespace };
  if (kind === Workload.DEPLOYMENT) {
    return new KubeDeployment(scope, kind, {
      metadata,
      spec: {
        replicas: spec.replicas,
        selector: { matchLabels: spec.labels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: ONE, maxUnavailable: NONE } },
        template: spec.template,
      },
    });
  }
  return new KubeReplicationController(scope, kind, {
    metadata,
    spec: { replicas: spec.replicas, selector: spec.labels, template: spec.template },
  });
}

function httpProbe(subject: string, given: HttpProbe, port: number): Probe {
  const probe = { ...HTTP_PROBE_DEFAULTS, ...given };
  return {
    httpGet: { path: checkHttpPath(`${subject} path`, probe.path), port: IntOrString.fromNumber(port) },
    initialDelaySeconds: checkInteger(`${subject} initialDelaySeconds`, probe.initialDelaySeconds, 0, MAX_INT32),
    periodSeconds: checkInteger(`${subject} periodSeconds`, probe.periodSeconds, 1, MAX_INT32),
    timeoutSeconds: checkInteger(`${subject} timeoutSeconds`, probe.timeoutSeconds, 1, MAX_INT32),
    failureThreshold: checkInteger(`${subject} failureThreshold`, probe.failureThreshold, 1, MAX_INT32),
  };
}

function podSecurity(subject: string, given: PodSecurity | false | undefined): Required<PodSecurity> | undefined {
  if (!given) {
    return undefined;
  }
  const security = { ...POD_SECURITY_DEFAULTS, ...given };
  return {
    // runAsNonRoot: the kubelet refuses to start a container as uid 0
    runAsUser: checkInteger(`${subject} runAsUser`, security.runAsUser, 1, MAX_INT32),
    runAsGroup: checkInteger(`${subject} runAsGroup`, security.runAsGroup, 0, MAX_INT32),
    readOnlyRootFilesystem: security.readOnlyRootFilesystem,
  };
}

function resourcesOf(subject: string, given: ContainerResources | false | undefined): ResourceRequirements | undefined {
  if (!given) {
    return undefined;
  }
  const amounts = (kind: 'requests' | 'limits', values: ResourceAmounts | undefined) => {
    const checked: Record<string, number> = {};
    const quantities: Record<string, Quantity> = {};
    for (const [resource, text] of Object.entries(values ?? {})) {
      if (text !== undefined) {
        checked[resource] = checkQuantity(`${subject} ${kind}.${resource}`, text);
        quantities[resource] = Quantity.fromString(text);
      }
    }
    return { checked, quantities: Object.keys(quantities).length > 0 ? quantities : undefined };
  };
  const requests = amounts('requests', given.requests);
  const limits = amounts('limits', given.limits);
  for (const [resource, limit] of Object.entries(limits.checked)) {
    const request = requests.checked[resource];
    if (request !== undefined && limit < request) {
      // ValidateResourceRequirements: a limit below its request can never be met
      throw new ValidationError(`${subject} limits.${resource}`, given.limits?.[resource as keyof ResourceAmounts], `must be greater than or equal to the ${resource} request (${given.requests?.[resource as keyof ResourceAmounts]})`);
    }
  }
  return requests.quantities || limits.quantities ? { requests: requests.quantities, limits: limits.quantities } : undefined;
}

/** The log file the server is told about: `undefined` leaves it at its own default. */
function logFileOf(subject: string, given: string | false | undefined, readOnlyRoot: boolean): string | false | undefined {
  if (given === undefined) {
    return readOnlyRoot ? READ_ONLY_ROOT_LOG_FILE : undefined;
  }
  if (given === false) {
    return false;
  }
  if (given === HELLO_NODE_SERVER.logFileOff) {
    throw new ValidationError(subject, given, 'turns file logging off as LOG_FILE; to do that here, pass false');
  }
  const absolute = path.posix.isAbsolute(given);
  if (given === '' || given.includes('\0') || (absolute && path.posix.dirname(given) === '/')) {
    throw new ValidationError(subject, given, 'must be a file path in a directory other than /, where an emptyDir volume is mounted');
  }
  if (!absolute && readOnlyRoot) {
    throw new ValidationError(subject, given, 'must be an absolute path when the root filesystem is read-only, so that it can sit on a writable emptyDir volume');
  }
  return given;
}

function checkGrace(subject: string, value: unknown): number {
  const min = SHUTDOWN_MARGIN_SECONDS + 1;
  const valid = typeof value === 'number' && Number.isInteger(value) && value >= min && value <= MAX_GRACE_SECONDS;
  if (!valid) {
    throw new ValidationError(subject, value, `must be an integer from ${min} to ${MAX_GRACE_SECONDS}: the server gets ${SHUTDOWN_MARGIN_SECONDS} s less to finish its requests, and at least 1 s`);
  }
  return value;
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
