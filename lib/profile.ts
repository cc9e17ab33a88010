import { HELLO_NODE_SERVER } from './server-contract';

/**
 * A set of defaults for the pod settings that make the app fit for production. Each
 * setting is also a prop of its own, which overrides the profile's choice.
 */
export const Profile = {
  /** The reference workflow's objects, exactly: no probes, requests, security context or budget. */
  TUTORIAL: 'tutorial',
  /**
   * Probes, measured resource requests, a security context that a namespace
   * enforcing Pod Security "restricted" admits, a grace period that matches the
   * server's shutdown deadline, and a PodDisruptionBudget.
   */
  PRODUCTION: 'production',
} as const;
/** One of the {@link Profile} values. */
export type Profile = (typeof Profile)[keyof typeof Profile];
/** Every {@link Profile} value. */
export const PROFILES = Object.values(Profile);

/** An HTTP GET probe on the container's port. */
export interface HttpProbe {
  /**
   * The path asked. The server answers its health path without writing a log line.
   *
   * @default '/healthz'
   */
  readonly path?: string;

  /**
   * Seconds between two probes.
   *
   * @default 10
   */
  readonly periodSeconds?: number;

  /**
   * Seconds a probe may take.
   *
   * @default 1
   */
  readonly timeoutSeconds?: number;

  /**
   * Consecutive failures after which the probe counts as failed.
   *
   * @default 3
   */
  readonly failureThreshold?: number;

  /**
   * Seconds after the container starts before the first probe.
   *
   * @default 0
   */
  readonly initialDelaySeconds?: number;
}

/** The defaults of {@link HttpProbe}. */
export const HTTP_PROBE_DEFAULTS = {
  path: HELLO_NODE_SERVER.healthPath,
  periodSeconds: 10,
  timeoutSeconds: 1,
  failureThreshold: 3,
  initialDelaySeconds: 0,
} as const;

/** CPU and memory amounts, as Kubernetes quantities (`100m`, `128Mi`). */
export interface ResourceAmounts {
  /**
   * CPU, in cores: `100m` is a tenth of one.
   *
   * @default - none
   */
  readonly cpu?: string;

  /**
   * Memory, in bytes: `128Mi`.
   *
   * @default - none
   */
  readonly memory?: string;
}

/** A container's resource requests (what the scheduler reserves) and limits (what it may use). */
export interface ContainerResources {
  /**
   * What the scheduler reserves for the container.
   *
   * @default - none
   */
  readonly requests?: ResourceAmounts;

  /**
   * What the container may use at most; over its memory limit it is killed.
   *
   * @default - none
   */
  readonly limits?: ResourceAmounts;
}

/** How the pod's container runs: as whom, and with which privileges. */
export interface PodSecurity {
  /**
   * The numeric user the container runs as. It must be the image's own user, or the
   * server cannot read its files.
   *
   * @default 1000 (the hello-node image's `USER 1000:1000`)
   */
  readonly runAsUser?: number;

  /**
   * The numeric group the container runs as.
   *
   * @default 1000
   */
  readonly runAsGroup?: number;

  /**
   * Whether the container's root filesystem is read-only; what the server writes
   * then goes to an emptyDir volume mounted at the log file's directory.
   *
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
}

/** The defaults of {@link PodSecurity}. */
export const POD_SECURITY_DEFAULTS = {
  runAsUser: HELLO_NODE_SERVER.user,
  runAsGroup: HELLO_NODE_SERVER.group,
  readOnlyRootFilesystem: true,
} as const;

/** What a profile turns on; `undefined` leaves the field out of the manifest. */
export interface ProfileDefaults {
  readonly readinessProbe?: HttpProbe;
  readonly livenessProbe?: HttpProbe;
  readonly resources?: ContainerResources;
  readonly security?: PodSecurity;
  readonly automountServiceAccountToken?: boolean;
  readonly terminationGracePeriodSeconds?: number;
  readonly podDisruptionBudget: boolean;
}

/**
 * Seconds the server gets after its shutdown deadline to flush its log and exit
 * before the kubelet's SIGKILL: the grace period is the deadline plus this.
 */
export const SHUTDOWN_MARGIN_SECONDS = 5;

/** Each profile's defaults. */
export const PROFILE_DEFAULTS: Readonly<Record<Profile, ProfileDefaults>> = {
  tutorial: { podDisruptionBudget: false },
  production: {
    // Readiness is asked more often than liveness: a pod that stops answering leaves
    // the Service within seconds, and is restarted only if it stays that way.
    readinessProbe: { periodSeconds: 5 },
    livenessProbe: {},
    // Measured with `npm run bench:server` (README, "Resources"): 66 MiB peak at 50
    // connections and 88 MiB at 500, saturating one core at about 3,300 req/s per
    // 100m. Autopilot's general-purpose minimums are 50m and 52 MiB, with 1 to 6.5
    // GiB of memory per vCPU: 100m with 128Mi is 1.25.
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    security: {},
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: HELLO_NODE_SERVER.defaultShutdownTimeoutMs / 1000 + SHUTDOWN_MARGIN_SECONDS,
    podDisruptionBudget: true,
  },
};
