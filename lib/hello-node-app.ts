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
  Probe,
  Quantity,
  ResourceRequirements,
} from '../imports/k8s';
import { LabeledService, SERVICE_TYPES, ServiceType } from './labeled-service';
import {
  ContainerResources,
  HTTP_PROBE_DEFAULTS,
  HttpProbe,
  POD_SECURITY_DEFAULTS,
  PodSecurity,
  Profile,
  PROFILE_DEFAULTS,
  PROFILES,
  ResourceAmounts,
  SHUTDOWN_MARGIN_SECONDS,
} from './profile';
import { HELLO_NODE_SERVER } from './server-contract';
import { ensureUniqueObjects } from './unique-objects';
import {
  checkDns1035Label,
  checkDns1123Label,
  checkHttpPath,
  checkImage,
  checkInteger,
  checkLabels,
  checkOneOf,
  checkPort,
  checkQuantity,
  checkReplicas,
  checkServicePort,
  MAX_DNS_LABEL_LENGTH,
  MAX_INT32,
  propSubjects,
  ValidationError,
} from './validation';
import { createWorkload, Workload, WORKLOADS } from './workload';

/**
 * When the kubelet pulls a container's image; the same values as cdk8s-plus-27's
 * `ImagePullPolicy`.
 */
export const ImagePullPolicy = {
  /** Check the registry on every pod start, so a re-pushed tag is never run stale. */
  ALWAYS: 'Always',
  /** Pull only when the node does not have the image yet. */
  IF_NOT_PRESENT: 'IfNotPresent',
  /** Never pull: the image must already be on the node. */
  NEVER: 'Never',
} as const;
/** One of the {@link ImagePullPolicy} values. */
export type ImagePullPolicy = (typeof ImagePullPolicy)[keyof typeof ImagePullPolicy];

const IMAGE_PULL_POLICIES = Object.values(ImagePullPolicy);

/** Props for {@link HelloNodeApp}. */
export interface HelloNodeAppProps {
  /**
   * The app's name. It names the objects: the workload `<name>-rc` or
   * `<name>-deployment`, pod template `<name>-pod`, container `<name>`, Service
   * `<name>-svc` and PodDisruptionBudget `<name>-pdb`; so it must be a DNS-1035 label
   * short enough for `<name>-svc` to fit in 63 characters.
   *
   * @default 'hello-node'
   */
  readonly name?: string;

  /**
   * The container image.
   *
   * @default 'gcr.io/terrycho-sandbox/hello-node:v1'
   */
  readonly image?: string;

  /**
   * The controller that keeps the pods running.
   *
   * @default Workload.REPLICATION_CONTROLLER
   */
  readonly workload?: Workload;

  /**
   * The defaults of the production settings below: `tutorial` turns them all off,
   * `production` turns them all on. A prop set here overrides its profile default.
   *
   * @default Profile.TUTORIAL
   */
  readonly profile?: Profile;

  /**
   * How many pods the workload keeps running.
   *
   * @default 3
   */
  readonly replicas?: number;

  /**
   * The port the server listens on in its container; also the Service's target port
   * and the probes' port. Any other port than the server's default (8080) is passed
   * to the server as `PORT`.
   *
   * @default 8080
   */
  readonly containerPort?: number;

  /**
   * The port the Service listens on.
   *
   * @default 80
   */
  readonly servicePort?: number;

  /**
   * When the kubelet pulls the image. `Always` makes every new pod check the
   * registry, so an image re-pushed under the same tag is never run stale.
   *
   * @default ImagePullPolicy.ALWAYS
   */
  readonly imagePullPolicy?: ImagePullPolicy;

  /**
   * The labels on the pods; the workload and the Service select pods by exactly these.
   *
   * @default { app: <name> }
   */
  readonly labels?: Readonly<Record<string, string>>;

  /**
   * How the Service is exposed. The reference workflow's public load balancer, unlike
   * {@link LabeledService}, whose default is ClusterIP.
   *
   * @default ServiceType.LOAD_BALANCER
   */
  readonly serviceType?: ServiceType;

  /**
   * `metadata.namespace` of every object.
   *
   * @default - none: the namespace `kubectl` applies them to
   */
  readonly namespace?: string;

  /**
   * The readiness probe: while it fails, the pod gets no traffic from the Service, and
   * a Deployment's rollout waits. Replaces the profile's probe as a whole; fields left
   * out take {@link HttpProbe}'s defaults. `false`: none.
   *
   * @default - production: GET /healthz every 5 s; tutorial: none
   */
  readonly readinessProbe?: HttpProbe | false;

  /**
   * The liveness probe: when it fails, the kubelet restarts the container. Replaces the
   * profile's probe as a whole. `false`: none.
   *
   * @default - production: GET /healthz every 10 s; tutorial: none
   */
  readonly livenessProbe?: HttpProbe | false;

  /**
   * The container's resource requests and limits. `false`: none (GKE Autopilot then
   * imposes 0.5 vCPU and 2 GiB per pod).
   *
   * @default - production: requests 100m CPU and 128Mi, limit 256Mi; tutorial: none
   */
  readonly resources?: ContainerResources | false;

  /**
   * A security context that a namespace enforcing Pod Security "restricted" admits:
   * runAsNonRoot with the numeric user, no privilege escalation, every capability
   * dropped and the runtime's default seccomp profile, plus a read-only root
   * filesystem. `false`: none.
   *
   * @default - production: {@link POD_SECURITY_DEFAULTS}; tutorial: none
   */
  readonly security?: PodSecurity | false;

  /**
   * Whether the pod gets a service account token mounted. The server never talks to
   * the API server, so production leaves the credential out.
   *
   * @default - production: false; tutorial: Kubernetes' default (true)
   */
  readonly automountServiceAccountToken?: boolean;

  /**
   * Seconds between SIGTERM and SIGKILL. The server's shutdown deadline
   * (`SHUTDOWN_TIMEOUT_MS`) is set 5 s shorter, so that it finishes requests, flushes
   * its log and exits before the kubelet kills it.
   *
   * @default - production: 15 (the server's 10 s deadline + 5); tutorial: Kubernetes' 30
   */
  readonly terminationGracePeriodSeconds?: number;

  /**
   * The file the server appends its log lines to (`LOG_FILE`). An absolute path gets
   * an emptyDir volume mounted at its directory, writable under a read-only root;
   * `false` logs to stdout only.
   *
   * @default - '/var/log/hello-node/log.out' when the root filesystem is read-only;
   * otherwise the server's own, log.out in its working directory
   */
  readonly logFile?: string | false;

  /**
   * Whether a PodDisruptionBudget lets voluntary disruptions (node drains and
   * upgrades) take at most one pod at a time. Added only with 2 replicas or more: with
   * one, it could only block drains or allow all.
   *
   * @default - production: true; tutorial: false
   */
  readonly podDisruptionBudget?: boolean;
}

/** The defaults of {@link HelloNodeAppProps} that do not depend on the profile: the reference workflow's. */
export const HELLO_NODE_APP_DEFAULTS = {
  name: 'hello-node',
  image: 'gcr.io/terrycho-sandbox/hello-node:v1',
  workload: Workload.REPLICATION_CONTROLLER,
  profile: Profile.TUTORIAL,
  replicas: 3,
  containerPort: HELLO_NODE_SERVER.defaultPort,
  servicePort: 80,
  imagePullPolicy: ImagePullPolicy.ALWAYS,
  serviceType: ServiceType.LOAD_BALANCER,
} as const;

/** Where the server logs when the root filesystem is read-only and no `logFile` is given. */
export const READ_ONLY_ROOT_LOG_FILE = '/var/log/hello-node/log.out';

const SERVICE_SUFFIX = '-svc';
const WORKLOAD_SUFFIXES: Readonly<Record<Workload, string>> = {
  ReplicationController: '-rc',
  Deployment: '-deployment',
};
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
    const name = checkDns1035Label(prop('name'), props.name ?? defaults.name, MAX_DNS_LABEL_LENGTH - SERVICE_SUFFIX.length);
    const image = checkImage(prop('image'), props.image ?? defaults.image);
    const workload = checkOneOf(prop('workload'), props.workload ?? defaults.workload, WORKLOADS);
    const profile = PROFILE_DEFAULTS[checkOneOf(prop('profile'), props.profile ?? defaults.profile, PROFILES)];
    const replicas = checkReplicas(prop('replicas'), props.replicas ?? defaults.replicas);
    const containerPort = checkPort(prop('containerPort'), props.containerPort ?? defaults.containerPort);
    const imagePullPolicy = checkOneOf(prop('imagePullPolicy'), props.imagePullPolicy ?? defaults.imagePullPolicy, IMAGE_PULL_POLICIES);
    const serviceType = checkOneOf(prop('serviceType'), props.serviceType ?? defaults.serviceType, SERVICE_TYPES);
    const servicePort = checkServicePort(prop('servicePort'), props.servicePort ?? defaults.servicePort, serviceType);
    const labels = checkLabels(prop('labels'), props.labels ?? { app: name }, true);
    const namespace = props.namespace === undefined ? undefined : checkDns1123Label(prop('namespace'), props.namespace);

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

    this.workload = createWorkload(this, workload, {
      name: `${name}${WORKLOAD_SUFFIXES[workload]}`,
      namespace,
      replicas,
      labels,
      template: { metadata: { name: `${name}-pod`, labels }, spec: podSpec },
    });

    this.service = new LabeledService(this, 'Service', {
      name: `${name}${SERVICE_SUFFIX}`,
      namespace,
      selector: labels,
      port: servicePort,
      targetPort: containerPort,
      type: serviceType,
    });

    if ((props.podDisruptionBudget ?? profile.podDisruptionBudget) && replicas >= 2) {
      this.podDisruptionBudget = new KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata: { name: `${name}-pdb`, namespace },
        spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: labels } },
      });
    }
  }
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
