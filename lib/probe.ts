import { HELLO_NODE_SERVER } from './server-contract';

/** An HTTP GET probe's path and timing; every field has the default shown. */
export interface HttpProbeOptions {
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

/**
 * A container probe: how the kubelet asks the server whether it is ready for traffic
 * (readiness) or still alive (liveness). `Probe.httpGet()` asks an HTTP path on the
 * container port, which counts as healthy on any status from 200 to 399;
 * `Probe.none()` leaves the probe out, so that the kubelet trusts the running process.
 *
 * Its options are checked against the API server's rules by the construct it is given
 * to, so that an error names that construct's prop.
 */
export class Probe {
  /**
   * An HTTP GET of `options.path` on the container port.
   *
   * @param options the path and timing; each field left out takes its default
   */
  public static httpGet(options: HttpProbeOptions = {}): Probe {
    return new Probe(options);
  }

  /** No probe: the field is left out of the container. */
  public static none(): Probe {
    return new Probe(undefined);
  }

  /**
   * The options as given (checked, and their defaults applied, by the construct they
   * are given to); `undefined` for `Probe.none()`.
   *
   * @internal
   */
  public static _httpGetOf(probe: Probe): HttpProbeOptions | undefined {
    return probe.httpGet;
  }

  // private: a Probe is made by its factories only, and `{}` is no Probe to the type-checker
  private constructor(private readonly httpGet: HttpProbeOptions | undefined) {}
}

/** The defaults of {@link HttpProbeOptions}. */
export const HTTP_PROBE_DEFAULTS: Required<HttpProbeOptions> = {
  path: HELLO_NODE_SERVER.healthPath,
  periodSeconds: 10,
  timeoutSeconds: 1,
  failureThreshold: 3,
  initialDelaySeconds: 0,
};
