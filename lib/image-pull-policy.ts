/**
 * When the kubelet pulls a container's image; the same values as cdk8s-plus-27's
 * `ImagePullPolicy`.
 */
export enum ImagePullPolicy {
  /** Check the registry on every pod start, so a re-pushed tag is never run stale. */
  ALWAYS = 'Always',
  /** Pull only when the node does not have the image yet. */
  IF_NOT_PRESENT = 'IfNotPresent',
  /** Never pull: the image must already be on the node. */
  NEVER = 'Never',
}
