/**
 * {@link HelloNodeAppProps}, and every default of them in one place: `resolveHelloNodeApp`
 * applies the defaults and checks each prop. {@link HelloNodeApp} builds its objects
 * from the answer, and the CLI reads it (through ./internal) to find the app's
 * objects in the cluster without loading cdk8s, so the two can never disagree.
 */
import * as path from 'node:path';
import type { ApiObjectMetadata } from 'cdk8s';
import { Autoscaling, AUTOSCALING_DEFAULTS } from './autoscaling';
import { ImagePullPolicy } from './image-pull-policy';
import { LogFile } from './log-file';
import { POD_SECURITY_DEFAULTS, PodSecurity, PodSecurityOptions } from './pod-security';
import { HTTP_PROBE_DEFAULTS, HttpProbeOptions, Probe } from './probe';
import { Profile, PROFILE_DEFAULTS, READ_ONLY_ROOT_LOG_FILE, SHUTDOWN_MARGIN_SECONDS } from './profile';
import { ContainerResources, ResourceAmounts } from './resources';
import { HELLO_NODE_SERVER } from './server-contract';
import { ServiceType } from './service-type';
import {
  checkComputeResourceName,
  checkDns1035Label,
  checkDns1123Label,
  checkEnum,
  checkHttpPath,
  checkImage,
  checkInstance,
  checkInteger,
  checkLabels,
  checkManagedCertificateDomain,
  checkMetadata,
  checkOptions,
  checkPort,
  checkQuantity,
  compareQuantities,
  checkReplicas,
  checkServicePort,
  isMap,
  MAX_DNS_LABEL_LENGTH,
  MAX_INT32,
  ObjectLabelsAndAnnotations,
  ValidationError,
} from './validation';
import { Workload } from './workload';

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
   * The container image, `[registry[:port]/]repository[:tag][@digest]`.
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
   * How many pods the workload keeps running: 0 to 2^31-1. Not with `autoscaling`,
   * whose autoscaler owns the count.
   *
   * @default 3; with `autoscaling`, none: the autoscaler's count
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
   * cdk8s-plus's `ImagePullPolicy` (or the value's string, `'IfNotPresent'`) passes as
   * well, with the same output; any other value does not type-check, and is refused at
   * run time.
   *
   * @default ImagePullPolicy.ALWAYS
   */
  readonly imagePullPolicy?: ImagePullPolicy | `${ImagePullPolicy}`;

  /**
   * The labels on the pods; the workload and the Service select pods by exactly these.
   *
   * @default - { app: name }, the app's name
   */
  readonly labels?: { [key: string]: string };

  /**
   * Labels and annotations for every object the app writes (the workload, the Service,
   * the PodDisruptionBudget and, with a `domain`, the HTTPS objects), beside their own. The pods' labels are `labels`;
   * the objects' names and namespace come from `name` and `namespace`, so setting
   * them here, or any field other than labels and annotations, is an error.
   *
   * @default - none
   */
  readonly metadata?: ApiObjectMetadata;

  /**
   * How the Service is exposed. The reference workflow's public load balancer, unlike
   * {@link LabeledService}, whose default is ClusterIP. With a `domain` the Ingress is
   * the public entry, so the Service is a ClusterIP (a NodePort is accepted; a
   * LoadBalancer, a second and plain-HTTP entry, is refused). cdk8s-plus's
   * `ServiceType` (or the value's string, `'ClusterIP'`) passes as well, with the same
   * output; `ExternalName` and any other value do not type-check, and are refused at
   * run time.
   *
   * @default - ServiceType.LOAD_BALANCER; with a `domain`, ServiceType.CLUSTER_IP
   */
  readonly serviceType?: ServiceType | `${ServiceType}`;

  /**
   * The domain the app is served on over HTTPS, e.g. `shop.example.com`. With one, the
   * app also writes GKE's external HTTP(S) load balancer for it: an Ingress
   * `<name>-ingress` (class `gce`) that routes the domain to the Service, a
   * Google-managed certificate `<name>-cert` (ManagedCertificate), a FrontendConfig
   * `<name>-frontend` that redirects HTTP to HTTPS, and a BackendConfig `<name>-backend`
   * whose health check asks the server's health path (`/healthz`, which it answers
   * without a log line) on the container port; the Service gets container-native load
   * balancing (`cloud.google.com/neg`). Google provisions the certificate once the
   * domain's DNS points at the Ingress's address.
   *
   * A fully qualified domain name, not a wildcard, of at most 63 characters: the rule of
   * ManagedCertificate's `spec.domains`.
   *
   * @default - none: no Ingress, and the Service is exposed as `serviceType` says
   */
  readonly domain?: string;

  /**
   * The name of a reserved global static external IP address for the Ingress
   * (`gcloud compute addresses create <name> --global`, or `hello-node ip create`), so
   * that the address the domain's DNS points at outlives the Ingress. Only with a
   * `domain`. A Compute Engine resource name: 1 to 63 lowercase letters, digits and
   * '-', starting with a letter and not ending with '-'.
   *
   * @default - none: the load balancer gets an ephemeral address
   */
  readonly staticIpName?: string;

  /**
   * `metadata.namespace` of every object.
   *
   * @default - none: the namespace `kubectl` applies them to
   */
  readonly namespace?: string;

  /**
   * The readiness probe: while it fails, the pod gets no traffic from the Service, and
   * a Deployment's rollout waits. `Probe.none()`: none.
   *
   * @default - production: `Probe.httpGet({ periodSeconds: 5 })`, GET /healthz every 5 s; tutorial: none
   */
  readonly readinessProbe?: Probe;

  /**
   * The liveness probe: when it fails, the kubelet restarts the container.
   * `Probe.none()`: none.
   *
   * @default - production: `Probe.httpGet()`, GET /healthz every 10 s; tutorial: none
   */
  readonly livenessProbe?: Probe;

  /**
   * The container's resource requests and limits, replacing the profile's as a whole.
   * `{}`: none (GKE Autopilot then imposes 0.5 vCPU and 2 GiB per pod).
   *
   * @default - production: requests 100m CPU and 128Mi, limit 256Mi; tutorial: none
   */
  readonly resources?: ContainerResources;

  /**
   * The pod's and container's security contexts. `PodSecurity.restricted()` is
   * admitted by a namespace enforcing Pod Security "restricted"; `PodSecurity.none()`
   * writes none.
   *
   * @default - production: `PodSecurity.restricted()`; tutorial: none
   */
  readonly security?: PodSecurity;

  /**
   * Whether the pod gets a service account token mounted. The server never talks to
   * the API server, so production leaves the credential out.
   *
   * @default - production: false; tutorial: Kubernetes' default (true)
   */
  readonly automountServiceAccountToken?: boolean;

  /**
   * Seconds between SIGTERM and SIGKILL, from 6 to 2147488. The server's shutdown
   * deadline (`SHUTDOWN_TIMEOUT_MS`) is set 5 s shorter, so that it finishes requests,
   * flushes its log and exits before the kubelet kills it: so at least 6 (1 s for the
   * server), and at most what keeps that deadline a 32-bit millisecond count (Node's
   * timers), though Kubernetes itself allows 0.
   *
   * @default - production: 15 (the server's 10 s deadline + 5); tutorial: Kubernetes' 30
   */
  readonly terminationGracePeriodSeconds?: number;

  /**
   * The file the server appends its log lines to (`LOG_FILE`): `LogFile.at(path)`, or
   * `LogFile.none()` to log to stdout only.
   *
   * @default - `LogFile.at('/var/log/hello-node/log.out')` when the root filesystem is
   * read-only; otherwise the server's own, log.out in its working directory
   */
  readonly logFile?: LogFile;

  /**
   * A HorizontalPodAutoscaler `<name>-hpa` (`autoscaling/v2`) that sizes the workload
   * by CPU use, between `minReplicas` and `maxReplicas` pods. The workload then writes
   * no replica count, so that applying it again never resets the autoscaler's (with
   * server-side apply, a field left out is a field left to its other owner). CPU use is
   * a percent of the CPU request: the pods need one, from the production profile or
   * `resources` (a CPU limit alone is also the request: Kubernetes defaults a missing
   * request to its limit). Not with `replicas`.
   *
   * The rules are the API server's (pkg/apis/autoscaling/validation of
   * kubernetes/kubernetes): minReplicas at least 1, maxReplicas at least minReplicas,
   * a target utilization above 0.
   *
   * @default - none: `replicas` pods, fixed
   */
  readonly autoscaling?: Autoscaling;

  /**
   * Whether a PodDisruptionBudget lets voluntary disruptions (node drains and
   * upgrades) take at most one pod at a time. Added only with 2 replicas or more (with
   * `autoscaling`, a `minReplicas` of 2 or more): with one, it could only block drains
   * or allow all.
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
  /** With a domain the Ingress is the public entry: a private Service behind it. */
  serviceTypeWithDomain: ServiceType.CLUSTER_IP,
} as const;

const SERVICE_SUFFIX = '-svc';
const WORKLOAD_SUFFIXES: { readonly [W in Workload]: string } = {
  ReplicationController: '-rc',
  Deployment: '-deployment',
};
const MAX_GRACE_SECONDS = Math.floor(MAX_INT32 / 1000) + SHUTDOWN_MARGIN_SECONDS;

/** A hello-node app's props with every default applied and every value checked. */
export interface HelloNodeShape {
  readonly name: string;
  readonly image: string;
  readonly workload: Workload;
  /** The fixed replica count; undefined with an autoscaler, which owns the count. */
  readonly replicas?: number;
  /** The autoscaler's bounds and target, when there is one. */
  readonly autoscaling?: Required<Autoscaling>;
  /** The pod labels, which the workload and the Service select. */
  readonly labels: Readonly<Record<string, string>>;
  /** What `metadata` adds to every object. */
  readonly metadata: ObjectLabelsAndAnnotations;
  readonly serviceType: ServiceType;
  readonly namespace?: string;
  /** The HTTPS domain, when there is one, and its static address's name, when given. */
  readonly domain?: string;
  readonly staticIpName?: string;
  readonly containerPort: number;
  readonly servicePort: number;
  readonly imagePullPolicy: ImagePullPolicy;
  readonly readinessProbe?: Required<HttpProbeOptions>;
  readonly livenessProbe?: Required<HttpProbeOptions>;
  /** Requests and limits by resource; `undefined` when there are none. */
  readonly resources?: ContainerResources;
  readonly security?: Required<PodSecurityOptions>;
  readonly automountServiceAccountToken?: boolean;
  readonly terminationGracePeriodSeconds?: number;
  /** The log file the server is told about: `false` for stdout only, `undefined` for the server's own default. */
  readonly logFile?: string | false;
  /** `metadata.name` of each object; `podDisruptionBudget` and `horizontalPodAutoscaler` only when the app has one. */
  readonly objectNames: {
    readonly workload: string;
    readonly pod: string;
    readonly service: string;
    readonly podDisruptionBudget?: string;
    readonly horizontalPodAutoscaler?: string;
    /** The HTTPS objects' names, when the app has a domain. */
    readonly https?: { readonly ingress: string; readonly managedCertificate: string; readonly frontendConfig: string; readonly backendConfig: string };
  };
}

/**
 * Applies the defaults to the props, checking each.
 *
 * @param prop names a prop in an error, e.g. `HelloNodeApp "chart/app" prop "name"`
 * @throws ValidationError naming the first bad prop
 */
export function resolveHelloNodeApp(props: HelloNodeAppProps, prop: (name: string) => string = (name) => `HelloNodeApp prop "${name}"`): HelloNodeShape {
  const defaults = HELLO_NODE_APP_DEFAULTS;
  const name = checkDns1035Label(prop('name'), props.name ?? defaults.name, MAX_DNS_LABEL_LENGTH - SERVICE_SUFFIX.length);
  const workload = checkEnum(prop('workload'), props.workload ?? defaults.workload, Workload);
  const profile = PROFILE_DEFAULTS[checkEnum(prop('profile'), props.profile ?? defaults.profile, Profile)];
  const resources = checkResources(prop('resources'), props.resources ?? profile.resources);
  const autoscaling = props.autoscaling === undefined ? undefined : checkAutoscaling(prop, props.autoscaling, resources);
  if (autoscaling && props.replicas !== undefined) {
    throw new ValidationError(prop('replicas'), props.replicas, 'may not be set with autoscaling: the autoscaler owns the count, and its minReplicas is the fewest pods');
  }
  const replicas = autoscaling ? undefined : checkReplicas(prop('replicas'), props.replicas ?? defaults.replicas);
  const domain = props.domain === undefined ? undefined : checkManagedCertificateDomain(prop('domain'), props.domain);
  if (props.staticIpName !== undefined && domain === undefined) {
    throw new ValidationError(prop('staticIpName'), props.staticIpName, 'needs a domain: the address is the Ingress\'s, which only a domain adds');
  }
  const serviceType = checkEnum(prop('serviceType'), props.serviceType ?? (domain ? defaults.serviceTypeWithDomain : defaults.serviceType), ServiceType);
  if (domain && serviceType === ServiceType.LOAD_BALANCER) {
    throw new ValidationError(prop('serviceType'), serviceType, 'may not be LoadBalancer with a domain: the Ingress is the public entry, and a LoadBalancer Service would be a second one, over plain HTTP');
  }
  const containerPort = checkPort(prop('containerPort'), props.containerPort ?? defaults.containerPort);
  const givenSecurity = PodSecurity._restrictedOf(checkInstance(prop('security'), props.security ?? profile.security, PodSecurity, 'PodSecurity.restricted() or PodSecurity.none()'));
  const security = givenSecurity && checkOptions(prop('security'), givenSecurity, POD_SECURITY_DEFAULTS);
  const checkedSecurity = security && {
    // runAsNonRoot: the kubelet refuses to start a container as uid 0
    runAsUser: checkInteger(`${prop('security')} runAsUser`, security.runAsUser, 1, MAX_INT32),
    runAsGroup: checkInteger(`${prop('security')} runAsGroup`, security.runAsGroup, 0, MAX_INT32),
    readOnlyRootFilesystem: checkBoolean(`${prop('security')} readOnlyRootFilesystem`, security.readOnlyRootFilesystem),
  };
  const grace = props.terminationGracePeriodSeconds ?? profile.terminationGracePeriodSeconds;
  const withBudget = checkBoolean(prop('podDisruptionBudget'), props.podDisruptionBudget ?? profile.podDisruptionBudget) && (autoscaling?.minReplicas ?? replicas ?? 0) >= 2;
  const automount = props.automountServiceAccountToken ?? profile.automountServiceAccountToken;
  return {
    name,
    image: checkImage(prop('image'), props.image ?? defaults.image),
    workload,
    replicas,
    autoscaling,
    labels: checkLabels(prop('labels'), props.labels ?? { app: name }, true),
    metadata: props.metadata === undefined ? {} : checkMetadata(prop('metadata'), props.metadata),
    serviceType,
    namespace: props.namespace === undefined ? undefined : checkDns1123Label(prop('namespace'), props.namespace),
    domain,
    staticIpName: props.staticIpName === undefined ? undefined : checkComputeResourceName(prop('staticIpName'), props.staticIpName),
    containerPort,
    servicePort: checkServicePort(prop('servicePort'), props.servicePort ?? defaults.servicePort, serviceType),
    imagePullPolicy: checkEnum(prop('imagePullPolicy'), props.imagePullPolicy ?? defaults.imagePullPolicy, ImagePullPolicy),
    readinessProbe: httpProbe(prop('readinessProbe'), props.readinessProbe ?? profile.readinessProbe),
    livenessProbe: httpProbe(prop('livenessProbe'), props.livenessProbe ?? profile.livenessProbe),
    resources,
    security: checkedSecurity,
    automountServiceAccountToken: automount === undefined ? undefined : checkBoolean(prop('automountServiceAccountToken'), automount),
    terminationGracePeriodSeconds: grace === undefined ? undefined : checkGrace(prop('terminationGracePeriodSeconds'), grace),
    logFile: logFileOf(prop('logFile'), props.logFile, checkedSecurity?.readOnlyRootFilesystem ?? false),
    objectNames: {
      workload: `${name}${WORKLOAD_SUFFIXES[workload]}`,
      pod: `${name}-pod`,
      service: `${name}${SERVICE_SUFFIX}`,
      podDisruptionBudget: withBudget ? `${name}-pdb` : undefined,
      horizontalPodAutoscaler: autoscaling ? `${name}-hpa` : undefined,
      https: domain ? { ingress: `${name}-ingress`, managedCertificate: `${name}-cert`, frontendConfig: `${name}-frontend`, backendConfig: `${name}-backend` } : undefined,
    },
  };
}

const AUTOSCALING_FIELDS: readonly (keyof Autoscaling)[] = ['minReplicas', 'maxReplicas', 'cpuUtilization'];

/**
 * The autoscaler's settings with their defaults, checked as the API server checks a
 * HorizontalPodAutoscaler (validateHorizontalPodAutoscalerSpec and validateMetricTarget,
 * pkg/apis/autoscaling/validation/validation.go), and against the pods' CPU request,
 * which the utilization is a percent of.
 */
function checkAutoscaling(prop: (name: string) => string, given: unknown, resources: ContainerResources | undefined): Required<Autoscaling> {
  const subject = (field: keyof Autoscaling) => prop(`autoscaling.${field}`);
  if (!isMap(given)) {
    throw new ValidationError(prop('autoscaling'), given, 'must be an Autoscaling object such as { minReplicas: 2, maxReplicas: 10 }');
  }
  const extra = Object.keys(given).find((key) => !(AUTOSCALING_FIELDS as readonly string[]).includes(key));
  if (extra !== undefined) {
    throw new ValidationError(prop(`autoscaling.${extra}`), given[extra], `is no field of Autoscaling: it has ${AUTOSCALING_FIELDS.join(', ')}`);
  }
  const { minReplicas, maxReplicas, cpuUtilization } = given as Partial<Autoscaling>;
  if (maxReplicas === undefined) {
    throw new ValidationError(prop('autoscaling'), given, `needs ${subject('maxReplicas')} as well: the most pods the autoscaler runs`);
  }
  const min = checkInteger(subject('minReplicas'), minReplicas ?? AUTOSCALING_DEFAULTS.minReplicas, 1, MAX_INT32);
  const checked = {
    minReplicas: min,
    maxReplicas: checkInteger(subject('maxReplicas'), maxReplicas, 1, MAX_INT32),
    cpuUtilization: checkInteger(subject('cpuUtilization'), cpuUtilization ?? AUTOSCALING_DEFAULTS.cpuUtilization, 1, MAX_INT32),
  };
  if (checked.maxReplicas < min) {
    throw new ValidationError(subject('maxReplicas'), maxReplicas, `must be at least minReplicas (${min})`);
  }
  // a container with a CPU limit and no request gets the limit as its request (SetDefaults_Pod)
  if (resources?.requests?.cpu === undefined && resources?.limits?.cpu === undefined) {
    throw new ValidationError(prop('autoscaling'), given, 'needs a CPU request, which cpuUtilization is a percent of: use the production profile, or give resources.requests.cpu');
  }
  return checked;
}

function checkBoolean(subject: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new ValidationError(subject, value, 'must be true or false');
  }
  return value;
}

function httpProbe(subject: string, given: unknown): Required<HttpProbeOptions> | undefined {
  const options = Probe._httpGetOf(checkInstance(subject, given, Probe, 'Probe.httpGet() or Probe.none()'));
  const probe = options && checkOptions(subject, options, HTTP_PROBE_DEFAULTS);
  return probe && {
    path: checkHttpPath(`${subject} path`, probe.path),
    initialDelaySeconds: checkInteger(`${subject} initialDelaySeconds`, probe.initialDelaySeconds, 0, MAX_INT32),
    periodSeconds: checkInteger(`${subject} periodSeconds`, probe.periodSeconds, 1, MAX_INT32),
    timeoutSeconds: checkInteger(`${subject} timeoutSeconds`, probe.timeoutSeconds, 1, MAX_INT32),
    failureThreshold: checkInteger(`${subject} failureThreshold`, probe.failureThreshold, 1, MAX_INT32),
  };
}

const RESOURCE_NAMES: readonly (keyof ResourceAmounts)[] = ['cpu', 'memory'];

/** Requests and limits, each amount a quantity and no limit below its request; `undefined` when empty. */
function checkResources(subject: string, given: unknown): ContainerResources | undefined {
  if (!isMap(given)) {
    throw new ValidationError(subject, given, 'must be a ContainerResources object such as { requests: { cpu: \'100m\' } }; {} for none');
  }
  const extra = Object.keys(given).find((key) => key !== 'requests' && key !== 'limits');
  if (extra !== undefined) {
    throw new ValidationError(`${subject} ${extra}`, given[extra], 'is no field of ContainerResources: it has requests and limits');
  }
  const { requests, limits } = given as ContainerResources;
  /** The amounts, each checked; `undefined` when they name none. */
  const amounts = (kind: 'requests' | 'limits', values: ResourceAmounts | undefined): ResourceAmounts | undefined => {
    if (values !== undefined && !isMap(values)) {
      throw new ValidationError(`${subject} ${kind}`, values, 'must be an object of cpu and memory quantities, such as { cpu: \'100m\' }');
    }
    const unknown = Object.keys(values ?? {}).find((key) => !(RESOURCE_NAMES as readonly string[]).includes(key));
    if (unknown !== undefined) {
      throw new ValidationError(`${subject} ${kind}`, values, `may hold ${RESOURCE_NAMES.join(' and ')} only, not "${unknown}"`);
    }
    const named = RESOURCE_NAMES.filter((resource) => values?.[resource] !== undefined);
    named.forEach((resource) => checkQuantity(`${subject} ${kind}.${resource}`, values?.[resource]));
    return named.length > 0 ? values : undefined;
  };
  const result = { requests: amounts('requests', requests), limits: amounts('limits', limits) };
  for (const resource of RESOURCE_NAMES) {
    const request = requests?.[resource];
    const limit = limits?.[resource];
    if (request !== undefined && limit !== undefined && compareQuantities(limit, request) < 0) {
      // ValidateResourceRequirements: a limit below its request can never be met
      throw new ValidationError(`${subject} limits.${resource}`, limit, `must be greater than or equal to the ${resource} request (${request})`);
    }
  }
  return result.requests || result.limits ? result : undefined;
}

/** The log file the server is told about: `undefined` leaves it at its own default. */
function logFileOf(subject: string, given: unknown, readOnlyRoot: boolean): string | false | undefined {
  if (given === undefined) {
    return readOnlyRoot ? READ_ONLY_ROOT_LOG_FILE : undefined;
  }
  const chosen = LogFile._fileOf(checkInstance(subject, given, LogFile, 'LogFile.at(path) or LogFile.none()'));
  if (chosen === undefined) {
    return false;
  }
  const file = chosen.path;
  if (file === HELLO_NODE_SERVER.logFileOff) {
    throw new ValidationError(subject, file, 'turns file logging off as LOG_FILE; to do that here, pass LogFile.none()');
  }
  // the emptyDir goes on the file's directory: never over the root or a kernel filesystem
  const plain = typeof file === 'string' && file !== '' && !file.includes('\0') && path.posix.normalize(file) === file && !file.endsWith('/');
  const absolute = plain && path.posix.isAbsolute(file);
  const directory = absolute ? path.posix.dirname(file) : '';
  if (!plain || (absolute && (directory === '/' || /^\/(proc|sys|dev)(\/|$)/.test(directory)))) {
    throw new ValidationError(subject, file, 'must be a file path written plainly (no \'//\', \'.\' or \'..\' parts, no trailing \'/\'), in a directory other than /, /proc, /sys and /dev, where an emptyDir volume is mounted');
  }
  if (!absolute && readOnlyRoot) {
    throw new ValidationError(subject, file, 'must be an absolute path when the root filesystem is read-only, so that it can sit on a writable emptyDir volume');
  }
  return file;
}

function checkGrace(subject: string, value: unknown): number {
  const min = SHUTDOWN_MARGIN_SECONDS + 1;
  const valid = typeof value === 'number' && Number.isInteger(value) && value >= min && value <= MAX_GRACE_SECONDS;
  if (!valid) {
    throw new ValidationError(subject, value, `must be an integer from ${min} to ${MAX_GRACE_SECONDS}: the server gets ${SHUTDOWN_MARGIN_SECONDS} s less to finish its requests, and at least 1 s`);
  }
  return value;
}
