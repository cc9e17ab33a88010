import { PodSecurity } from './pod-security';
import { Probe } from './probe';
import { ContainerResources } from './resources';
import { HELLO_NODE_SERVER } from './server-contract';

/**
 * A set of defaults for the pod settings that make the app fit for production. Each
 * setting is also a prop of its own, which overrides the profile's choice.
 */
export enum Profile {
  /** The reference workflow's objects, exactly: no probes, requests, security context or budget. */
  TUTORIAL = 'tutorial',
  /**
   * Probes, measured resource requests, a security context that a namespace
   * enforcing Pod Security "restricted" admits, a grace period that matches the
   * server's shutdown deadline, and a PodDisruptionBudget.
   */
  PRODUCTION = 'production',
}

/** What a profile chooses for the props it decides; `undefined` leaves the field out of the manifest. */
export interface ProfileDefaults {
  readonly readinessProbe: Probe;
  readonly livenessProbe: Probe;
  readonly resources: ContainerResources;
  readonly security: PodSecurity;
  readonly automountServiceAccountToken?: boolean;
  readonly terminationGracePeriodSeconds?: number;
  readonly podDisruptionBudget: boolean;
}

/** Where the server logs when the root filesystem is read-only and no `logFile` is given. */
export const READ_ONLY_ROOT_LOG_FILE = '/var/log/hello-node/log.out';

/**
 * Seconds the server gets after its shutdown deadline to flush its log and exit
 * before the kubelet's SIGKILL: the grace period is the deadline plus this.
 */
export const SHUTDOWN_MARGIN_SECONDS = 5;

/** Each profile's defaults. */
export const PROFILE_DEFAULTS: { readonly [P in Profile]: ProfileDefaults } = {
  tutorial: {
    readinessProbe: Probe.none(),
    livenessProbe: Probe.none(),
    resources: {},
    security: PodSecurity.none(),
    podDisruptionBudget: false,
  },
  production: {
    // Readiness is asked more often than liveness: a pod that stops answering leaves
    // the Service within seconds, and is restarted only if it stays that way.
    readinessProbe: Probe.httpGet({ periodSeconds: 5 }),
    livenessProbe: Probe.httpGet(),
    // Measured with `npm run bench:server` (docs/contributing.md, "Benchmarks"): 66 MiB
    // peak at 50 connections and 88 MiB at 500, saturating one core at about 3,300
    // req/s per 100m. Autopilot's general-purpose minimums are 50m and 52 MiB, with 1
    // to 6.5 GiB of memory per vCPU: 100m with 128Mi is 1.25.
    // frozen: every production app shares it, and the checked props hand it on as it is
    resources: Object.freeze({ requests: Object.freeze({ cpu: '100m', memory: '128Mi' }), limits: Object.freeze({ memory: '256Mi' }) }),
    security: PodSecurity.restricted(),
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: HELLO_NODE_SERVER.defaultShutdownTimeoutMs / 1000 + SHUTDOWN_MARGIN_SECONDS,
    podDisruptionBudget: true,
  },
};
