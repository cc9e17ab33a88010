// Pod Security Standards, "restricted" level (which includes "baseline"), checked the
// way the API server's Pod Security admission does, for the fields a pod template can
// set. No maintained npm package implements them, so each check below follows its
// counterpart in kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/
// policy/check_<id>.go, and pod-security.test.ts proves each one can fail.

/** The pod spec fields the checks read; everything else passes. */
export interface PodSpecLike {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContextLike & { sysctls?: { name: string }[] };
  containers: ContainerLike[];
  initContainers?: ContainerLike[];
  volumes?: Record<string, unknown>[];
}

interface SecurityContextLike {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  seccompProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  appArmorProfile?: { type?: string };
}

interface ContainerLike {
  name: string;
  ports?: { hostPort?: number }[];
  securityContext?: SecurityContextLike & {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    procMount?: string;
    windowsOptions?: { hostProcess?: boolean };
  };
}

// check_capabilities_baseline.go: the container runtimes' default set
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
// check_sysctls.go
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);
// check_restrictedVolumes.go
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
// check_seLinuxOptions.go
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

type Check = (spec: PodSpecLike, containers: ContainerLike[]) => boolean;

/** Each check's id (as the admission controller names it) and whether the pod passes it. */
export const RESTRICTED_CHECKS: Readonly<Record<string, Check>> = {
  // baseline
  hostNamespaces: (spec) => !spec.hostNetwork && !spec.hostPID && !spec.hostIPC,
  privileged: (_, cs) => cs.every((c) => c.securityContext?.privileged !== true),
  capabilities_baseline: (_, cs) => cs.every((c) => (c.securityContext?.capabilities?.add ?? []).every((cap) => BASELINE_CAPABILITIES.has(cap))),
  hostPathVolumes: (spec) => (spec.volumes ?? []).every((v) => !('hostPath' in v)),
  hostPorts: (_, cs) => cs.every((c) => (c.ports ?? []).every((p) => !p.hostPort)),
  appArmorProfile: (spec, cs) => [spec.securityContext, ...cs.map((c) => c.securityContext)].every((s) => s?.appArmorProfile?.type !== 'Unconfined'),
  seLinuxOptions: (spec, cs) => [spec.securityContext, ...cs.map((c) => c.securityContext)].every((s) =>
    SELINUX_TYPES.has(s?.seLinuxOptions?.type ?? '') && !s?.seLinuxOptions?.user && !s?.seLinuxOptions?.role),
  procMount: (_, cs) => cs.every((c) => (c.securityContext?.procMount ?? 'Default') === 'Default'),
  seccompProfile_baseline: (spec, cs) => [spec.securityContext, ...cs.map((c) => c.securityContext)].every((s) => s?.seccompProfile?.type !== 'Unconfined'),
  sysctls: (spec) => (spec.securityContext?.sysctls ?? []).every((s) => SAFE_SYSCTLS.has(s.name)),
  windowsHostProcess: (_, cs) => cs.every((c) => c.securityContext?.windowsOptions?.hostProcess !== true),
  // restricted
  restrictedVolumes: (spec) => (spec.volumes ?? []).every((v) => Object.keys(v).filter((k) => k !== 'name').every((k) => RESTRICTED_VOLUME_TYPES.has(k))),
  allowPrivilegeEscalation: (_, cs) => cs.every((c) => c.securityContext?.allowPrivilegeEscalation === false),
  // set on the pod, or on every container; never false on a container
  runAsNonRoot: (spec, cs) => cs.every((c) => c.securityContext?.runAsNonRoot !== false)
    && (spec.securityContext?.runAsNonRoot === true || cs.every((c) => c.securityContext?.runAsNonRoot === true)),
  runAsUser: (spec, cs) => [spec.securityContext, ...cs.map((c) => c.securityContext)].every((s) => s?.runAsUser !== 0),
  seccompProfile_restricted: (spec, cs) => {
    const allowed = (type?: string) => type === 'RuntimeDefault' || type === 'Localhost';
    const podAllowed = allowed(spec.securityContext?.seccompProfile?.type);
    return cs.every((c) => {
      const type = c.securityContext?.seccompProfile?.type;
      return type === undefined ? podAllowed : allowed(type);
    });
  },
  capabilities_restricted: (_, cs) => cs.every((c) => (c.securityContext?.capabilities?.drop ?? []).includes('ALL')
    && (c.securityContext?.capabilities?.add ?? []).every((cap) => cap === 'NET_BIND_SERVICE')),
};

/** The ids of the "restricted" checks a pod spec fails: empty when a restricted namespace admits it. */
export function restrictedViolations(spec: PodSpecLike): string[] {
  const containers = [...(spec.initContainers ?? []), ...spec.containers];
  return Object.entries(RESTRICTED_CHECKS).filter(([, passes]) => !passes(spec, containers)).map(([id]) => id);
}
