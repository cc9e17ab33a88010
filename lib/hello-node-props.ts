/**
 * A hello-node app's props, their defaults, and what they decide about its objects
 * (kinds, names, labels, Service type) without building them: the CLI reads this to
 * find the app's objects in the cluster without loading cdk8s, and {@link HelloNodeApp}
 * builds its objects from the same answer, so the two can never disagree.
 */
import { ContainerResources, HttpProbe, PodSecurity, Profile, PROFILE_DEFAULTS, ProfileDefaults, PROFILES } from './profile';
import { HELLO_NODE_SERVER } from './server-contract';
import { SERVICE_TYPES, ServiceType } from './service-type';
import { checkDns1035Label, checkDns1123Label, checkLabels, checkOneOf, checkReplicas, MAX_DNS_LABEL_LENGTH } from './validation';
import { Workload, WORKLOADS } from './workload';

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

/** Every {@link ImagePullPolicy} value. */
export const IMAGE_PULL_POLICIES = Object.values(ImagePullPolicy);

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

const SERVICE_SUFFIX = '-svc';
const WORKLOAD_SUFFIXES: Readonly<Record<Workload, string>> = {
  ReplicationController: '-rc',
  Deployment: '-deployment',
};

/** What a hello-node app's props decide about its objects, with every default applied. */
export interface HelloNodeShape {
  readonly name: string;
  readonly workload: Workload;
  /** The profile's defaults, which the individual props override. */
  readonly profile: ProfileDefaults;
  readonly replicas: number;
  /** The pod labels, which the workload and the Service select. */
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceType: ServiceType;
  readonly namespace?: string;
  /** `metadata.name` of each object; `podDisruptionBudget` only when the app has one. */
  readonly objectNames: {
    readonly workload: string;
    readonly pod: string;
    readonly service: string;
    readonly podDisruptionBudget?: string;
  };
}

/**
 * Applies the defaults to the props that decide the app's objects, checking each.
 *
 * @param prop names a prop in an error, e.g. `HelloNodeApp "chart/app" prop "name"`
 */
export function helloNodeShape(props: HelloNodeAppProps, prop: (name: string) => string = (name) => `HelloNodeApp prop "${name}"`): HelloNodeShape {
  const defaults = HELLO_NODE_APP_DEFAULTS;
  const name = checkDns1035Label(prop('name'), props.name ?? defaults.name, MAX_DNS_LABEL_LENGTH - SERVICE_SUFFIX.length);
  const workload = checkOneOf(prop('workload'), props.workload ?? defaults.workload, WORKLOADS);
  const profile = PROFILE_DEFAULTS[checkOneOf(prop('profile'), props.profile ?? defaults.profile, PROFILES)];
  const replicas = checkReplicas(prop('replicas'), props.replicas ?? defaults.replicas);
  const withBudget = (props.podDisruptionBudget ?? profile.podDisruptionBudget) && replicas >= 2;
  return {
    name,
    workload,
    profile,
    replicas,
    labels: checkLabels(prop('labels'), props.labels ?? { app: name }, true),
    serviceType: checkOneOf(prop('serviceType'), props.serviceType ?? defaults.serviceType, SERVICE_TYPES),
    namespace: props.namespace === undefined ? undefined : checkDns1123Label(prop('namespace'), props.namespace),
    objectNames: {
      workload: `${name}${WORKLOAD_SUFFIXES[workload]}`,
      pod: `${name}-pod`,
      service: `${name}${SERVICE_SUFFIX}`,
      podDisruptionBudget: withBudget ? `${name}-pdb` : undefined,
    },
  };
}
