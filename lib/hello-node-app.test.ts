import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  DuplicateObjectError,
  HelloNodeApp,
  HelloNodeAppProps,
  ImagePullPolicy,
  LabeledService,
  LogFile,
  PodSecurity,
  Probe,
  Profile,
  ServiceType,
  Workload,
} from '.';
import { checkQuantity } from './validation';
import { validationErrorOf } from '../test/errors';
import { validateAgainstSchema } from '../test/kube-schema';
import { restrictedViolations } from '../test/pod-security';

function synth(props?: HelloNodeAppProps) {
  const chart = Testing.chart();
  const app = new HelloNodeApp(chart, 'app', props);
  const manifests = Testing.synth(chart);
  const byKind = (kind: string) => manifests.find((m) => m.kind === kind);
  const workload = byKind('ReplicationController') ?? byKind('Deployment');
  return {
    app,
    manifests,
    workload,
    svc: byKind('Service'),
    pdb: byKind('PodDisruptionBudget'),
    pod: workload.spec.template.spec,
    container: workload.spec.template.spec.containers[0],
  };
}

const fixture = (name: string) => parse(fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8'));
const envOf = (container: { env?: { name: string; value: string }[] }) => Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));

describe('HelloNodeApp with no props', () => {
  test('reproduces the tutorial\'s ReplicationController and Service field for field', () => {
    const { manifests } = synth();
    expect(manifests).toEqual([fixture('hello-node-rc.yaml'), fixture('hello-node-svc.yaml')]);
    validateAgainstSchema(manifests);
  });
});

describe('HelloNodeApp', () => {
  test('derives every object name from its name', () => {
    const { workload, svc, container } = synth({ name: 'web' });
    expect(workload.metadata.name).toBe('web-rc');
    expect(workload.spec.template.metadata.name).toBe('web-pod');
    expect(container.name).toBe('web');
    expect(svc.metadata.name).toBe('web-svc');
  });

  test('labels its pods { app: <name> } by default, and both objects select exactly them', () => {
    const { workload, svc, app } = synth({ name: 'web' });
    expect(app.labels).toEqual({ app: 'web' });
    expect(workload.spec.template.metadata.labels).toEqual({ app: 'web' });
    expect(workload.spec.selector).toEqual({ app: 'web' });
    expect(svc.spec.selector).toEqual({ app: 'web' });
  });

  test('custom labels become the pod labels, the workload selector and the Service selector', () => {
    const labels = { app: 'web', tier: 'frontend' };
    const { workload, svc } = synth({ labels, workload: Workload.DEPLOYMENT });
    expect(workload.spec.template.metadata.labels).toEqual(labels);
    expect(workload.spec.selector).toEqual({ matchLabels: labels });
    expect(svc.spec.selector).toEqual(labels);
  });

  test('applies the image, replicas, ports, pull policy, Service type and namespace', () => {
    const { workload, svc, container, manifests } = synth({
      image: 'us-docker.pkg.dev/p/repo/web:v2',
      replicas: 5,
      containerPort: 3000,
      servicePort: 8000,
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      serviceType: ServiceType.CLUSTER_IP,
      namespace: 'prod',
    });
    expect(workload.metadata.namespace).toBe('prod');
    expect(svc.metadata.namespace).toBe('prod');
    expect(workload.spec.replicas).toBe(5);
    expect(container.image).toBe('us-docker.pkg.dev/p/repo/web:v2');
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.ports).toEqual([{ containerPort: 3000 }]);
    expect(svc.spec.ports).toEqual([{ port: 8000, targetPort: 3000, protocol: 'TCP' }]);
    expect(svc.spec.type).toBe('ClusterIP');
    validateAgainstSchema(manifests);
  });

  test('tells the server to listen on a container port other than its default', () => {
    expect(envOf(synth({ containerPort: 3000 }).container)).toEqual({ PORT: '3000' });
    expect(synth({ containerPort: 8080 }).container.env).toBeUndefined();
  });

  test('zero replicas is allowed (a paused app)', () => {
    expect(synth({ replicas: 0 }).workload.spec.replicas).toBe(0);
  });

  test('exposes its workload, Service, labels, name and image', () => {
    const { app } = synth({ name: 'web', workload: Workload.DEPLOYMENT });
    expect(app.workload.kind).toBe('Deployment');
    expect(app.workload.name).toBe('web-deployment');
    expect(app.service).toBeInstanceOf(LabeledService);
    expect(app.service.name).toBe('web-svc');
    expect(app.labels).toEqual({ app: 'web' });
    expect(app.name).toBe('web');
    expect(app.image).toBe('gcr.io/terrycho-sandbox/hello-node:v1');
  });

  test('a rejected app leaves nothing behind in the chart', () => {
    const chart = Testing.chart();
    expect(() => new HelloNodeApp(chart, 'app', { servicePort: 10250 })).toThrow('HelloNodeApp "test/app" prop "servicePort"');
    expect(chart.node.children).toHaveLength(0);
  });

  test('two apps with different names in one chart do not collide', () => {
    const chart = Testing.chart();
    new HelloNodeApp(chart, 'a', { name: 'a' });
    new HelloNodeApp(chart, 'b', { name: 'b' });
    expect(Testing.synth(chart).map((m) => m.metadata.name)).toEqual(['a-rc', 'a-svc', 'b-rc', 'b-svc']);
  });

  describe('two apps whose workloads would select the same pods', () => {
    test('fail the synth, naming both, when one\'s labels are all among the other\'s in one namespace', () => {
      const chart = Testing.chart();
      new HelloNodeApp(chart, 'a', { name: 'a', labels: { tier: 'web' } });
      new HelloNodeApp(chart, 'b', { name: 'b', labels: { tier: 'web', track: 'canary' } });
      expect(() => Testing.synth(chart)).toThrow('HelloNodeApp "test/a" selects the pods of HelloNodeApp "test/b" with no namespace (its labels {"tier":"web"} are all among the other\'s, {"tier":"web","track":"canary"}): their workloads would fight over the same pods, and each Service would send traffic to both; give each app a label of its own');
    });

    test('are apart in different namespaces, or with a label of their own each', () => {
      const chart = Testing.chart();
      new HelloNodeApp(chart, 'a', { name: 'a', namespace: 'one', labels: { tier: 'web' } });
      new HelloNodeApp(chart, 'b', { name: 'b', namespace: 'two', labels: { tier: 'web' } });
      new HelloNodeApp(chart, 'c', { name: 'c', namespace: 'one', labels: { tier: 'web', app: 'c' } });
      expect(() => Testing.synth(chart)).toThrow('HelloNodeApp "test/a" selects the pods of HelloNodeApp "test/c" in namespace "one"');
      const apart = Testing.chart();
      new HelloNodeApp(apart, 'a', { name: 'a', namespace: 'one', labels: { tier: 'web', app: 'a' } });
      new HelloNodeApp(apart, 'c', { name: 'c', namespace: 'one', labels: { tier: 'web', app: 'c' } });
      expect(Testing.synth(apart)).toHaveLength(4);
    });
  });

  describe('two objects of the same kind, namespace and name', () => {
    test('fail the synth, naming both constructs', () => {
      const chart = Testing.chart();
      new HelloNodeApp(chart, 'a');
      new HelloNodeApp(chart, 'b');
      expect(() => Testing.synth(chart)).toThrow(DuplicateObjectError);
      expect(() => Testing.synth(chart)).toThrow('ReplicationController "hello-node-rc" with no namespace is defined twice in the app, by test/a/ReplicationController and by test/b/ReplicationController');
    });

    test('are found across charts, whichever construct made them', () => {
      const app = Testing.app();
      new HelloNodeApp(new Chart(app, 'one'), 'app', { namespace: 'prod' });
      new LabeledService(new Chart(app, 'two', { namespace: 'prod' }), 'svc', { name: 'hello-node-svc', selector: { a: 'b' } });
      expect(() => app.synthYaml()).toThrow('Service "hello-node-svc" in namespace "prod" is defined twice in the app, by one/app/Service and by two/svc');
    });

    test('in different namespaces are different objects', () => {
      const chart = Testing.chart();
      new HelloNodeApp(chart, 'a', { namespace: 'one' });
      new HelloNodeApp(chart, 'b', { namespace: 'two' });
      expect(Testing.synth(chart)).toHaveLength(4);
    });
  });

  describe('rejects at construction, naming the construct and the prop', () => {
    test.each([
      ['name', { name: 'Web' }, 'DNS-1035 label: 1 to 59 characters'],
      ['name', { name: '1web' }, 'DNS-1035 label'],
      ['image', { image: 'gcr.io/Proj/web:v1' }, 'image reference'],
      ['workload', { workload: 'StatefulSet' as Workload }, 'one of ReplicationController, Deployment'],
      ['profile', { profile: 'prod' as Profile }, 'one of tutorial, production'],
      ['replicas', { replicas: -1 }, 'integer from 0 to 2147483647'],
      ['replicas', { replicas: 1.5 }, 'integer from 0 to 2147483647'],
      ['containerPort', { containerPort: 65536 }, 'integer from 1 to 65535'],
      ['servicePort', { servicePort: 0 }, 'integer from 1 to 65535'],
      ['servicePort', { servicePort: 10250 }, 'may not be 10250 on a LoadBalancer Service'],
      ['imagePullPolicy', { imagePullPolicy: 'always' as ImagePullPolicy }, 'one of Always, IfNotPresent, Never'],
      ['serviceType', { serviceType: 'ExternalName' as ServiceType }, 'one of ClusterIP, NodePort, LoadBalancer'],
      ['labels', { labels: {} }, 'at least one label'],
      ['labels', { labels: { app: '-x' } }, 'label value'],
      ['namespace', { namespace: 'my_ns' }, 'DNS-1123 label'],
      ['readinessProbe', { readinessProbe: Probe.httpGet({ path: 'healthz' }) }, 'HTTP path starting with \'/\''],
      ['livenessProbe', { livenessProbe: Probe.httpGet({ periodSeconds: 0 }) }, 'integer from 1 to 2147483647'],
      ['resources', { resources: { requests: { cpu: '-1' } } }, 'non-negative Kubernetes quantity'],
      ['resources', { resources: { requests: { memory: '128MB' } } }, 'non-negative Kubernetes quantity'],
      ['resources', { resources: { requests: { memory: '256Mi' }, limits: { memory: '0.2Gi' } } }, 'greater than or equal to the memory request (256Mi)'],
      ['resources', { resources: { requests: { 'ephemeral-storage': '1Gi' } } as never }, 'may hold cpu and memory only, not "ephemeral-storage"'],
      ['security', { security: PodSecurity.restricted({ runAsUser: 0 }) }, 'integer from 1 to 2147483647'],
      ['podDisruptionBudget', { podDisruptionBudget: 'yes' as never }, 'must be true or false'],
      ['terminationGracePeriodSeconds', { terminationGracePeriodSeconds: 5 }, 'integer from 6 to'],
      ['logFile', { logFile: LogFile.at('off') }, 'pass LogFile.none()'],
      ['logFile', { logFile: LogFile.at('/log.out') }, 'a directory other than /'],
      ['logFile', { profile: Profile.PRODUCTION, logFile: LogFile.at('log.out') }, 'must be an absolute path when the root filesystem is read-only'],
      ['logFile', { logFile: LogFile.at('//x.log') }, 'written plainly'],
      ['logFile', { logFile: LogFile.at('/var/log/../x.log') }, 'written plainly'],
      ['logFile', { logFile: LogFile.at('/var/log/hello/') }, 'no trailing \'/\''],
      ['logFile', { logFile: LogFile.at('/proc/x.log') }, 'other than /, /proc, /sys and /dev'],
      ['logFile', { logFile: LogFile.at(undefined as never) }, 'a file path'],
      ['resources', { resources: { limit: { memory: '1Gi' } } as never }, 'is no field of ContainerResources'],
      ['resources', { resources: { requests: 5 } as never }, 'must be an object of cpu and memory quantities'],
      ['readinessProbe', { readinessProbe: Probe.httpGet({ period: 5 } as never) }, 'is no option here: the options are path, periodSeconds'],
      ['security', { security: PodSecurity.restricted({ runAsNonRoot: false } as never) }, 'is no option here'],
      ['metadata', { metadata: { name: 'other' } }, 'metadata takes labels and annotations'],
      ['metadata', { metadata: { labels: { 'Example.com/team': 'x' } } }, 'label key\'s prefix'],
      ['metadata', { metadata: { annotations: { 'bad key': 'x' } } }, 'label key\'s name'],
      ['metadata', { metadata: { annotations: { big: 'x'.repeat(256 * 1024) } } }, 'at most 262144 bytes'],
    ] as [string, HelloNodeAppProps, string][])('%s: %j', (prop, props, rule) => {
      const err = validationErrorOf(() => synth(props));
      expect(err.subject).toMatch(new RegExp(`^HelloNodeApp "test/app" prop "${prop}"`));
      expect(err.rule).toContain(rule);
    });

    test('a name of 59 characters fits "<name>-svc" in 63; one of 60 does not', () => {
      expect(synth({ name: 'n'.repeat(59) }).svc.metadata.name).toHaveLength(63);
      const err = validationErrorOf(() => synth({ name: 'n'.repeat(60) }));
      expect(err.message).toContain('HelloNodeApp "test/app" prop "name"');
    });
  });
});

describe('HelloNodeApp workload Deployment', () => {
  test('keeps the tutorial\'s labels, replicas, pull policy, port and Service', () => {
    const tutorial = synth();
    const { workload, svc, pdb } = synth({ workload: Workload.DEPLOYMENT });
    expect(workload.apiVersion).toBe('apps/v1');
    expect(workload.metadata.name).toBe('hello-node-deployment');
    expect(workload.spec.replicas).toBe(3);
    expect(workload.spec.selector).toEqual({ matchLabels: { app: 'hello-node' } });
    expect(workload.spec.template).toEqual(tutorial.workload.spec.template);
    expect(svc).toEqual(tutorial.svc);
    expect(pdb).toBeUndefined();
  });

  test('rolls out one pod at a time, removing an old pod only once its replacement is available', () => {
    expect(synth({ workload: Workload.DEPLOYMENT }).workload.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
  });
});

describe.each([Workload.REPLICATION_CONTROLLER, Workload.DEPLOYMENT])('HelloNodeApp profile production, workload %s', (workload) => {
  const production = () => synth({ profile: Profile.PRODUCTION, workload });

  test('passes the Kubernetes schema and Pod Security "restricted"', () => {
    const { manifests, pod } = production();
    validateAgainstSchema(manifests);
    expect(restrictedViolations(pod)).toEqual([]);
  });

  test('probes the server\'s unlogged health path on the container port', () => {
    const { container } = production();
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3 });
    expect(container.livenessProbe).toEqual({ httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 });
  });

  test('requests measured resources that meet GKE Autopilot\'s minimums and ratio', () => {
    const { resources } = production().container;
    expect(resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    // general-purpose class: at least 50m and 52 MiB, 1 to 6.5 GiB of memory per vCPU
    const cpu = checkQuantity('cpu', resources.requests.cpu);
    const memory = checkQuantity('memory', resources.requests.memory);
    expect(cpu).toBeGreaterThanOrEqual(0.05);
    expect(memory).toBeGreaterThanOrEqual(52 * 2 ** 20);
    expect(memory / 2 ** 30 / cpu).toBeGreaterThanOrEqual(1);
    expect(memory / 2 ** 30 / cpu).toBeLessThanOrEqual(6.5);
  });

  test('runs as the image\'s numeric user, read-only, with the log on an emptyDir', () => {
    const { pod, container } = production();
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(envOf(container)).toEqual({ LOG_FILE: '/var/log/hello-node/log.out' });
    expect(container.volumeMounts).toEqual([{ name: 'logs', mountPath: '/var/log/hello-node' }]);
    expect(pod.volumes).toEqual([{ name: 'logs', emptyDir: {} }]);
  });

  test('gives the server 5 s more than its own 10 s shutdown deadline', () => {
    const { pod, container } = production();
    expect(pod.terminationGracePeriodSeconds).toBe(15);
    expect(envOf(container).SHUTDOWN_TIMEOUT_MS).toBeUndefined();
  });

  test('keeps replicas - 1 pods through voluntary disruptions', () => {
    const { pdb, workload: object } = production();
    expect(pdb).toMatchObject({ apiVersion: 'policy/v1', metadata: { name: 'hello-node-pdb' } });
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: object.spec.template.metadata.labels } });
  });
});

describe('HelloNodeApp production settings, one by one', () => {
  test('a longer grace period gives the server a longer shutdown deadline', () => {
    const { pod, container } = synth({ terminationGracePeriodSeconds: 60 });
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(envOf(container)).toEqual({ SHUTDOWN_TIMEOUT_MS: '55000' });
  });

  test('a prop overrides its profile default, and Probe.none() turns a probe off', () => {
    const { container, pod } = synth({
      profile: Profile.PRODUCTION,
      readinessProbe: Probe.httpGet({ path: '/ready' }),
      livenessProbe: Probe.none(),
      resources: { requests: { cpu: '250m', memory: '512Mi' } },
      automountServiceAccountToken: true,
    });
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    expect(container.readinessProbe.periodSeconds).toBe(10); // HttpProbeOptions' default, not the profile's 5
    expect(container.livenessProbe).toBeUndefined();
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' } });
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  test('the security context alone makes a tutorial pod admissible and moves its log off the read-only root', () => {
    const { pod, container } = synth({ security: PodSecurity.restricted() });
    expect(restrictedViolations(pod)).toEqual([]);
    expect(envOf(container)).toEqual({ LOG_FILE: '/var/log/hello-node/log.out' });
  });

  test('the tutorial pod is not admissible under "restricted", and the check says why', () => {
    expect(restrictedViolations(synth().pod)).toEqual(['allowPrivilegeEscalation', 'runAsNonRoot', 'seccompProfile_restricted', 'capabilities_restricted']);
  });

  test('a writable root keeps a relative log file in the working directory, with no volume', () => {
    const { pod, container } = synth({ profile: Profile.PRODUCTION, security: PodSecurity.restricted({ readOnlyRootFilesystem: false }), logFile: LogFile.at('requests.log') });
    expect(envOf(container)).toEqual({ LOG_FILE: 'requests.log' });
    expect(pod.volumes).toBeUndefined();
  });

  test('LogFile.none() logs to stdout only, with no volume', () => {
    const { pod, container } = synth({ profile: Profile.PRODUCTION, logFile: LogFile.none() });
    expect(envOf(container)).toEqual({ LOG_FILE: 'off' });
    expect(pod.volumes).toBeUndefined();
    expect(container.volumeMounts).toBeUndefined();
  });

  test('TypeScript takes no plain object for a Probe, PodSecurity or LogFile: only their factories make one', () => {
    // @ts-expect-error {} is no Probe
    const probe: Probe = {};
    // @ts-expect-error {} is no PodSecurity
    const security: PodSecurity = {};
    // @ts-expect-error {} is no LogFile
    const logFile: LogFile = {};
    expect(validationErrorOf(() => synth({ readinessProbe: probe, security, logFile })).subject).toBe('HelloNodeApp "test/app" prop "security"');
  });

  test('an option given as undefined takes its default, as one left out does', () => {
    const { container, pod } = synth({ readinessProbe: Probe.httpGet({ periodSeconds: undefined }), security: PodSecurity.restricted({ runAsUser: undefined }) });
    expect(container.readinessProbe.periodSeconds).toBe(10);
    expect(pod.securityContext.runAsUser).toBe(1000);
  });

  test('a limit equal to its request in other units is accepted: quantities are compared exactly', () => {
    const { container } = synth({ resources: { requests: { cpu: '700m', memory: '2050k' }, limits: { cpu: '0.7', memory: '2.05M' } } });
    expect(container.resources.limits).toEqual({ cpu: '0.7', memory: '2.05M' });
  });

  test('null props, from JavaScript, are no props', () => {
    const chart = Testing.chart();
    new HelloNodeApp(chart, 'app', null as never);
    expect(Testing.synth(chart)).toEqual([fixture('hello-node-rc.yaml'), fixture('hello-node-svc.yaml')]);
  });

  test('PodSecurity.none() and resources {} turn the production profile\'s security context and resources off', () => {
    const { pod, container } = synth({ profile: Profile.PRODUCTION, security: PodSecurity.none(), resources: {} });
    expect(pod.securityContext).toBeUndefined();
    expect(container.securityContext).toBeUndefined();
    expect(container.resources).toBeUndefined();
    // with a writable root, the log stays where the server puts it by default
    expect(envOf(container).LOG_FILE).toBeUndefined();
    expect(pod.volumes).toBeUndefined();
  });

  test.each([
    ['readinessProbe', true, 'must be a Probe, made by Probe.httpGet() or Probe.none()'],
    ['readinessProbe', false, 'must be a Probe, made by Probe.httpGet() or Probe.none()'],
    ['livenessProbe', { path: '/healthz' }, 'must be a Probe, made by Probe.httpGet() or Probe.none()'],
    ['security', true, 'must be a PodSecurity, made by PodSecurity.restricted() or PodSecurity.none()'],
    ['security', {}, 'must be a PodSecurity, made by PodSecurity.restricted() or PodSecurity.none()'],
    ['logFile', true, 'must be a LogFile, made by LogFile.at(path) or LogFile.none()'],
    ['logFile', '/var/log/x.log', 'must be a LogFile, made by LogFile.at(path) or LogFile.none()'],
    ['resources', false, 'must be a ContainerResources object such as { requests: { cpu: \'100m\' } }; {} for none'],
    ['resources', true, 'must be a ContainerResources object such as { requests: { cpu: \'100m\' } }; {} for none'],
  ])('%s: %j, how a JavaScript or earlier caller might spell on or off, fails with a ValidationError naming the prop', (prop, value, rule) => {
    const err = validationErrorOf(() => synth({ profile: Profile.PRODUCTION, [prop]: value } as HelloNodeAppProps));
    expect(err.subject).toBe(`HelloNodeApp "test/app" prop "${prop}"`);
    expect(err.value).toBe(value);
    expect(err.rule).toBe(rule);
  });

  test('no PodDisruptionBudget with fewer than 2 replicas, where it could only block drains or allow all', () => {
    expect(synth({ profile: Profile.PRODUCTION, replicas: 1 }).pdb).toBeUndefined();
    expect(synth({ podDisruptionBudget: true, replicas: 2 }).pdb.spec.maxUnavailable).toBe(1);
  });
});

// At the top level, not in a describe: jest-light-runner matches a skipped or failed
// test's snapshots by the test's own title, so one nested in a describe would be
// reported obsolete under `-t` (and its snapshot deleted by `-u -t`).
test('HelloNodeApp production, as a whole: a snapshot for review of the manifest', () => {
  expect(synth({ profile: Profile.PRODUCTION, workload: Workload.DEPLOYMENT }).manifests).toMatchSnapshot();
});

describe('HelloNodeApp metadata', () => {
  test('adds its labels and annotations to every object the app writes, not to the pods', () => {
    const metadata = { labels: { team: 'shop' }, annotations: { 'example.com/owner': 'ops@example.com' } };
    const { manifests, workload } = synth({ profile: Profile.PRODUCTION, metadata });
    expect(manifests.map((m) => m.kind)).toEqual(['ReplicationController', 'Service', 'PodDisruptionBudget']);
    for (const object of manifests) {
      expect(object.metadata.labels).toEqual({ team: 'shop' });
      expect(object.metadata.annotations).toEqual({ 'example.com/owner': 'ops@example.com' });
    }
    expect(workload.spec.template.metadata.labels).toEqual({ app: 'hello-node' });
    validateAgainstSchema(manifests);
  });

  test('an annotation key is checked lowercased, as the API server does', () => {
    expect(synth({ metadata: { annotations: { 'Example.COM/Owner': 'x' } } }).svc.metadata.annotations).toEqual({ 'Example.COM/Owner': 'x' });
  });
});

describe.each([Workload.REPLICATION_CONTROLLER, Workload.DEPLOYMENT])('HelloNodeApp with autoscaling, workload %s', (workload) => {
  const autoscaled = (autoscaling: HelloNodeAppProps['autoscaling'], props: HelloNodeAppProps = {}) => {
    const result = synth({ profile: Profile.PRODUCTION, workload, autoscaling, ...props });
    return { ...result, hpa: result.manifests.find((m) => m.kind === 'HorizontalPodAutoscaler') };
  };

  test('writes an autoscaling/v2 HorizontalPodAutoscaler <name>-hpa aimed at the workload, by CPU utilization', () => {
    const { hpa, workload: target, manifests } = autoscaled({ minReplicas: 2, maxReplicas: 10, cpuUtilization: 60 });
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata.name).toBe('hello-node-hpa');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: target.apiVersion, kind: workload, name: target.metadata.name },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    });
    validateAgainstSchema(manifests);
  });

  test('the workload writes no replica count, so that an apply never resets the autoscaler\'s', () => {
    expect(autoscaled({ maxReplicas: 5 }).workload.spec).not.toHaveProperty('replicas');
  });

  test('the autoscaler keeps at least 1 pod and aims at 70% CPU by default', () => {
    expect(autoscaled({ maxReplicas: 5 }).hpa.spec).toMatchObject({ minReplicas: 1, maxReplicas: 5, metrics: [{ resource: { target: { averageUtilization: 70 } } }] });
  });

  test('the PodDisruptionBudget follows minReplicas: none below 2, where it could only block drains or allow all', () => {
    expect(autoscaled({ minReplicas: 1, maxReplicas: 5 }).pdb).toBeUndefined();
    expect(autoscaled({ minReplicas: 2, maxReplicas: 5 }).pdb.spec.maxUnavailable).toBe(1);
  });

  test('exposes the HorizontalPodAutoscaler', () => {
    const { app, hpa } = autoscaled({ maxReplicas: 5 });
    expect(app.horizontalPodAutoscaler?.name).toBe(hpa.metadata.name);
    expect(synth({ workload }).app.horizontalPodAutoscaler).toBeUndefined();
  });

  test('a CPU limit alone serves as the request (Kubernetes defaults one to the other)', () => {
    expect(autoscaled({ maxReplicas: 5 }, { resources: { limits: { cpu: '500m' } } }).hpa).toBeDefined();
  });
});

describe('HelloNodeApp autoscaling is checked as the API server checks a HorizontalPodAutoscaler', () => {
  test.each([
    ['autoscaling', { minReplicas: 2 }, { minReplicas: 2 }, 'needs HelloNodeApp "test/app" prop "autoscaling.maxReplicas" as well: the most pods the autoscaler runs'],
    ['autoscaling.minReplicas', { minReplicas: 0, maxReplicas: 5 }, 0, 'must be an integer from 1 to 2147483647'],
    ['autoscaling.maxReplicas', { minReplicas: 3, maxReplicas: 2 }, 2, 'must be at least minReplicas (3)'],
    ['autoscaling.maxReplicas', { maxReplicas: 2.5 }, 2.5, 'must be an integer from 1 to 2147483647'],
    ['autoscaling.cpuUtilization', { maxReplicas: 5, cpuUtilization: 0 }, 0, 'must be an integer from 1 to 2147483647'],
    ['autoscaling.targetCPU', { maxReplicas: 5, targetCPU: 50 }, 50, 'is no field of Autoscaling: it has minReplicas, maxReplicas, cpuUtilization'],
    ['autoscaling', 5, 5, 'must be an Autoscaling object such as { minReplicas: 2, maxReplicas: 10 }'],
  ])('%s of %j is refused, naming the field and the rule', (subject, autoscaling, value, rule) => {
    const err = validationErrorOf(() => synth({ profile: Profile.PRODUCTION, autoscaling } as HelloNodeAppProps));
    expect([err.subject, err.value, err.rule]).toEqual([`HelloNodeApp "test/app" prop "${subject}"`, value, rule]);
  });

  test('pods without a CPU request are refused: the utilization is a percent of it', () => {
    const err = validationErrorOf(() => synth({ autoscaling: { maxReplicas: 5 } }));
    expect(err.subject).toBe('HelloNodeApp "test/app" prop "autoscaling"');
    expect(err.rule).toBe('needs a CPU request, which cpuUtilization is a percent of: use the production profile, or give resources.requests.cpu');
    expect(() => synth({ profile: Profile.PRODUCTION, resources: { requests: { memory: '64Mi' } }, autoscaling: { maxReplicas: 5 } })).toThrow(/needs a CPU request/);
  });

  test('replicas beside autoscaling is refused: the autoscaler owns the count', () => {
    const err = validationErrorOf(() => synth({ profile: Profile.PRODUCTION, replicas: 3, autoscaling: { maxReplicas: 5 } }));
    expect([err.subject, err.value]).toEqual(['HelloNodeApp "test/app" prop "replicas"', 3]);
    expect(err.rule).toBe('may not be set with autoscaling: the autoscaler owns the count, and its minReplicas is the fewest pods');
  });
});

test('HelloNodeApp\'s default child is its workload', () => {
  const { app } = synth({ workload: Workload.DEPLOYMENT });
  expect(app.node.defaultChild).toBe(app.workload);
});

describe('HelloNodeApp with a domain', () => {
  const objectsOf = (props: HelloNodeAppProps) => {
    const { manifests, svc, container } = synth({ domain: 'shop.example.com', ...props });
    const byKind = (kind: string) => manifests.find((m) => m.kind === kind);
    return { manifests, svc, container, ingress: byKind('Ingress'), cert: byKind('ManagedCertificate'), frontend: byKind('FrontendConfig'), backend: byKind('BackendConfig') };
  };

  test.each([
    [Workload.REPLICATION_CONTROLLER, Profile.TUTORIAL],
    [Workload.DEPLOYMENT, Profile.PRODUCTION],
  ])('%s, %s: writes the Ingress, certificate, FrontendConfig and BackendConfig, each valid by its schema', (workload, profile) => {
    const { manifests } = objectsOf({ workload, profile });
    expect(manifests.map((m) => `${m.kind} ${m.metadata.name}`)).toEqual(expect.arrayContaining([
      'Service hello-node-svc', 'Ingress hello-node-ingress', 'ManagedCertificate hello-node-cert', 'FrontendConfig hello-node-frontend', 'BackendConfig hello-node-backend',
    ]));
    validateAgainstSchema(manifests);
  });

  test('the CRD schema check is no formality: it refuses a wildcard domain and a string port, as the API server does', () => {
    const { cert, backend } = objectsOf({});
    expect(() => validateAgainstSchema([{ ...cert, spec: { domains: ['*.example.com'] } }])).toThrow(/ManagedCertificate networking.gke.io\/v1 is invalid: .*must match pattern/);
    expect(() => validateAgainstSchema([{ ...backend, spec: { healthCheck: { port: '8080' } } }])).toThrow(/BackendConfig cloud.google.com\/v1 is invalid: .*must be integer/);
  });

  test('the Ingress (class gce) routes the domain to the Service and names its certificate and FrontendConfig', () => {
    const { ingress } = objectsOf({ name: 'shop', servicePort: 8000 });
    expect(ingress.metadata.annotations).toEqual({
      'kubernetes.io/ingress.class': 'gce',
      'networking.gke.io/managed-certificates': 'shop-cert',
      'networking.gke.io/v1beta1.FrontendConfig': 'shop-frontend',
    });
    expect(ingress.spec.rules).toEqual([{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'shop-svc', port: { number: 8000 } } } }] } }]);
  });

  test('the certificate covers the domain, and HTTP is redirected to HTTPS', () => {
    const { cert, frontend } = objectsOf({});
    expect(cert.spec).toEqual({ domains: ['shop.example.com'] });
    expect(frontend.spec).toEqual({ redirectToHttps: { enabled: true } });
  });

  test('the Service is a ClusterIP with container-native load balancing, whose health check asks /healthz on the container port', () => {
    const { svc, backend } = objectsOf({ containerPort: 3000 });
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.metadata.annotations).toEqual({ 'cloud.google.com/neg': '{"ingress":true}', 'cloud.google.com/backend-config': '{"default":"hello-node-backend"}' });
    expect(backend.spec).toEqual({ healthCheck: { type: 'HTTP', requestPath: '/healthz', port: 3000 } });
  });

  test('a static IP name is the Ingress\'s global-static-ip-name', () => {
    expect(objectsOf({ staticIpName: 'shop-ip' }).ingress.metadata.annotations['kubernetes.io/ingress.global-static-ip-name']).toBe('shop-ip');
  });

  test('metadata reaches the HTTPS objects too, beside their own annotations', () => {
    const { ingress, cert } = objectsOf({ metadata: { labels: { team: 'shop' }, annotations: { 'example.com/owner': 'ops' } } });
    expect(cert.metadata).toEqual({ name: 'hello-node-cert', labels: { team: 'shop' }, annotations: { 'example.com/owner': 'ops' } });
    expect(ingress.metadata.annotations['example.com/owner']).toBe('ops');
    expect(ingress.metadata.annotations['kubernetes.io/ingress.class']).toBe('gce');
  });

  test.each([
    ['domain', { domain: '*.example.com' }, 'may not be a wildcard'],
    ['domain', { domain: 'Shop.example.com' }, 'fully qualified domain name'],
    ['domain', { domain: 'localhost' }, 'fully qualified domain name'],
    ['domain', { domain: 'bücher.example.com' }, 'an internationalized domain is given in its punycode form: xn--bcher-kva.example.com'],
    ['domain', { domain: `${'a'.repeat(52)}.example.com` }, 'at most 63 characters'],
    ['staticIpName', { staticIpName: 'shop-ip' }, 'needs a domain'],
    ['staticIpName', { domain: 'shop.example.com', staticIpName: 'Shop_IP' }, 'Compute Engine resource name'],
    ['serviceType', { domain: 'shop.example.com', serviceType: ServiceType.LOAD_BALANCER }, 'may not be LoadBalancer with a domain'],
    ['metadata', { domain: 'shop.example.com', metadata: { annotations: { 'cloud.google.com/neg': '{}' } } }, 'is set by the app itself'],
  ] as [string, HelloNodeAppProps, string][])('%s: %j is refused, naming the prop', (prop, props, rule) => {
    const err = validationErrorOf(() => synth(props));
    expect(err.subject).toMatch(new RegExp(`^HelloNodeApp "test/app" prop "${prop}"`));
    expect(err.rule).toContain(rule);
  });

  test('the members hold the HTTPS objects', () => {
    const { app } = synth({ domain: 'shop.example.com' });
    expect([app.ingress?.name, app.managedCertificate?.name, app.frontendConfig?.name, app.backendConfig?.name]).toEqual(['hello-node-ingress', 'hello-node-cert', 'hello-node-frontend', 'hello-node-backend']);
    expect(synth().app.ingress).toBeUndefined();
  });
});
