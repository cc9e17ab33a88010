import { PodSpecLike, RESTRICTED_CHECKS, restrictedViolations } from './pod-security';

// A pod that every check admits: the checker is only as good as its ability to refuse.
const compliant = (): PodSpecLike => ({
  securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
  volumes: [{ name: 'logs', emptyDir: {} }],
});

describe('the Pod Security "restricted" checker', () => {
  test('admits a pod that sets every required field', () => {
    expect(restrictedViolations(compliant())).toEqual([]);
  });

  // one breach per check, each applied to the compliant pod
  const breaches: Record<keyof typeof RESTRICTED_CHECKS, (pod: PodSpecLike) => void> = {
    hostNamespaces: (pod) => (pod.hostNetwork = true),
    privileged: (pod) => (pod.containers[0].securityContext = { ...pod.containers[0].securityContext, privileged: true }),
    capabilities_baseline: (pod) => (pod.containers[0].securityContext = { ...pod.containers[0].securityContext, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }),
    hostPathVolumes: (pod) => pod.volumes?.push({ name: 'h', hostPath: { path: '/' } }),
    hostPorts: (pod) => (pod.containers[0].ports = [{ hostPort: 8080 }]),
    appArmorProfile: (pod) => (pod.securityContext = { ...pod.securityContext, appArmorProfile: { type: 'Unconfined' } }),
    seLinuxOptions: (pod) => (pod.securityContext = { ...pod.securityContext, seLinuxOptions: { type: 'spc_t' } }),
    procMount: (pod) => (pod.containers[0].securityContext = { ...pod.containers[0].securityContext, procMount: 'Unmasked' }),
    seccompProfile_baseline: (pod) => (pod.containers[0].securityContext = { ...pod.containers[0].securityContext, seccompProfile: { type: 'Unconfined' } }),
    sysctls: (pod) => (pod.securityContext = { ...pod.securityContext, sysctls: [{ name: 'kernel.msgmax' }] }),
    windowsHostProcess: (pod) => (pod.containers[0].securityContext = { ...pod.containers[0].securityContext, windowsOptions: { hostProcess: true } }),
    restrictedVolumes: (pod) => pod.volumes?.push({ name: 'n', nfs: { server: 'x', path: '/' } }),
    allowPrivilegeEscalation: (pod) => (pod.containers[0].securityContext = { ...pod.containers[0].securityContext, allowPrivilegeEscalation: undefined }),
    runAsNonRoot: (pod) => (pod.securityContext = { ...pod.securityContext, runAsNonRoot: undefined }),
    runAsUser: (pod) => (pod.containers[0].securityContext = { ...pod.containers[0].securityContext, runAsUser: 0 }),
    seccompProfile_restricted: (pod) => (pod.securityContext = { ...pod.securityContext, seccompProfile: undefined }),
    capabilities_restricted: (pod) => (pod.containers[0].securityContext = { ...pod.containers[0].securityContext, capabilities: { drop: ['NET_RAW'] } }),
  };

  test.each(Object.entries(breaches))('refuses a pod that breaks %s', (id, breach) => {
    const pod = compliant();
    breach(pod);
    expect(restrictedViolations(pod)).toContain(id);
  });

  test('takes runAsNonRoot and seccompProfile from every container when the pod does not set them', () => {
    const pod = compliant();
    pod.securityContext = {};
    pod.containers[0].securityContext = { ...pod.containers[0].securityContext, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
    expect(restrictedViolations(pod)).toEqual([]);
  });
});
