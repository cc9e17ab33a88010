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

/**
 * A container's resource requests (what the scheduler reserves) and limits (what it
 * may use). `{}` asks for nothing and limits nothing.
 */
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
