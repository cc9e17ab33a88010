/**
 * How a HorizontalPodAutoscaler sizes the app's workload: between `minReplicas` and
 * `maxReplicas` pods, adding pods when their average CPU use passes `cpuUtilization`
 * percent of their CPU request and removing them when it falls below.
 */
export interface Autoscaling {
  /**
   * The fewest pods the autoscaler keeps: 1 to `maxReplicas` (0 only behind the
   * HPAScaleToZero alpha feature gate, which GKE does not turn on).
   *
   * @default 1, the HorizontalPodAutoscaler's own
   */
  readonly minReplicas?: number;

  /** The most pods the autoscaler runs: 1 to 2^31-1, and at least `minReplicas`. */
  readonly maxReplicas: number;

  /**
   * The average CPU use the autoscaler aims at, in percent of the pods' CPU request
   * (so above 100 means "more than requested"): 1 to 2^31-1.
   *
   * @default 70
   */
  readonly cpuUtilization?: number;
}

/** The defaults of {@link Autoscaling}. */
export const AUTOSCALING_DEFAULTS = {
  minReplicas: 1,
  cpuUtilization: 70,
} as const;
