import { HELLO_NODE_SERVER } from './server-contract';

/** Whom the container runs as, and whether its root filesystem is read-only. */
export interface PodSecurityOptions {
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

/**
 * The pod's and container's security contexts. `PodSecurity.restricted()` writes one
 * that a namespace enforcing Pod Security "restricted" admits: runAsNonRoot with a
 * numeric user, no privilege escalation, every capability dropped, the runtime's
 * default seccomp profile and (by default) a read-only root filesystem.
 * `PodSecurity.none()` writes no security context: the container runs as the image
 * says, with the runtime's default privileges.
 */
export class PodSecurity {
  /**
   * The Pod Security "restricted" contexts.
   *
   * @param options the user, group and root filesystem; each field left out takes its default
   */
  public static restricted(options: PodSecurityOptions = {}): PodSecurity {
    return new PodSecurity(options);
  }

  /** No security context. */
  public static none(): PodSecurity {
    return new PodSecurity(undefined);
  }

  /**
   * The options as given (checked, and their defaults applied, by the construct they
   * are given to); `undefined` for `PodSecurity.none()`.
   *
   * @internal
   */
  public static _restrictedOf(security: PodSecurity): PodSecurityOptions | undefined {
    return security.restricted;
  }

  // private: made by its factories only, and `{}` is no PodSecurity to the type-checker
  private constructor(private readonly restricted: PodSecurityOptions | undefined) {}
}

/** The defaults of {@link PodSecurityOptions}. */
export const POD_SECURITY_DEFAULTS: Required<PodSecurityOptions> = {
  runAsUser: HELLO_NODE_SERVER.user,
  runAsGroup: HELLO_NODE_SERVER.group,
  readOnlyRootFilesystem: true,
};
