import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { parse } from 'yaml';
import { HelloNodeApp, HelloNodeAppProps, ImagePullPolicy, ServiceType } from '.';
import { validationErrorOf } from '../test/errors';
import { validateAgainstSchema } from '../test/kube-schema';

function synth(props?: HelloNodeAppProps) {
  const chart = Testing.chart();
  const app = new HelloNodeApp(chart, 'app', props);
  const manifests = Testing.synth(chart);
  const byKind = (kind: string) => manifests.find((m) => m.kind === kind);
  return { app, manifests, rc: byKind('ReplicationController'), svc: byKind('Service') };
}

const fixture = (name: string) => parse(fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8'));

describe('HelloNodeApp with no props', () => {
  test('reproduces the tutorial\'s ReplicationController and Service field for field', () => {
    const { manifests } = synth();
    expect(manifests).toEqual([fixture('hello-node-rc.yaml'), fixture('hello-node-svc.yaml')]);
  });

  test('pins labels, 80 -> 8080 and imagePullPolicy Always (snapshot)', () => {
    expect(synth().manifests).toMatchSnapshot();
  });

  test('its output passes the Kubernetes schema', () => {
    validateAgainstSchema(synth().manifests);
  });
});

describe('HelloNodeApp', () => {
  test('derives every object name from its name', () => {
    const { rc, svc } = synth({ name: 'web' });
    expect(rc.metadata.name).toBe('web-rc');
    expect(rc.spec.template.metadata.name).toBe('web-pod');
    expect(rc.spec.template.spec.containers[0].name).toBe('web');
    expect(svc.metadata.name).toBe('web-svc');
  });

  test('labels its pods { app: <name> } by default, and both objects select exactly them', () => {
    const { rc, svc, app } = synth({ name: 'web' });
    expect(app.labels).toEqual({ app: 'web' });
    expect(rc.spec.template.metadata.labels).toEqual({ app: 'web' });
    expect(rc.spec.selector).toEqual({ app: 'web' });
    expect(svc.spec.selector).toEqual({ app: 'web' });
  });

  test('custom labels become the pod labels, the RC selector and the Service selector', () => {
    const labels = { app: 'web', tier: 'frontend' };
    const { rc, svc } = synth({ labels });
    expect(rc.spec.template.metadata.labels).toEqual(labels);
    expect(rc.spec.selector).toEqual(labels);
    expect(svc.spec.selector).toEqual(labels);
  });

  test('applies every prop', () => {
    const { rc, svc, manifests } = synth({
      name: 'web',
      image: 'us-docker.pkg.dev/p/repo/web:v2',
      replicas: 5,
      containerPort: 3000,
      servicePort: 8000,
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      serviceType: ServiceType.CLUSTER_IP,
      namespace: 'prod',
    });
    expect(rc.metadata.namespace).toBe('prod');
    expect(svc.metadata.namespace).toBe('prod');
    expect(rc.spec.replicas).toBe(5);
    expect(rc.spec.template.spec.containers[0]).toEqual({
      name: 'web',
      image: 'us-docker.pkg.dev/p/repo/web:v2',
      imagePullPolicy: 'IfNotPresent',
      ports: [{ containerPort: 3000 }],
    });
    expect(svc.spec.ports).toEqual([{ port: 8000, targetPort: 3000, protocol: 'TCP' }]);
    expect(svc.spec.type).toBe('ClusterIP');
    validateAgainstSchema(manifests);
  });

  test('zero replicas is allowed (a paused app)', () => {
    expect(synth({ replicas: 0 }).rc.spec.replicas).toBe(0);
  });

  test('accepts cdk8s-plus-27 enum values', () => {
    const { rc, svc } = synth({ imagePullPolicy: kplus.ImagePullPolicy.NEVER, serviceType: kplus.ServiceType.NODE_PORT });
    expect(rc.spec.template.spec.containers[0].imagePullPolicy).toBe('Never');
    expect(svc.spec.type).toBe('NodePort');
  });

  test('exposes the ReplicationController, the Service, the labels, the name and the image', () => {
    const { app, rc, svc } = synth();
    expect(app.replicationController.toJson()).toEqual(rc);
    expect(app.service.apiObject.toJson()).toEqual(svc);
    expect(app.service.name).toBe('hello-node-svc');
    expect(app.labels).toEqual({ app: 'hello-node' });
    expect(app.name).toBe('hello-node');
    expect(app.image).toBe('gcr.io/terrycho-sandbox/hello-node:v1');
  });

  test('a rejected app leaves nothing behind in the chart', () => {
    const chart = Testing.chart();
    expect(() => new HelloNodeApp(chart, 'app', { replicas: -1 })).toThrow('HelloNodeApp "test/app" prop "replicas"');
    expect(chart.node.children).toHaveLength(0);
  });

  test('two apps in one chart do not collide', () => {
    const chart = Testing.chart();
    new HelloNodeApp(chart, 'a', { name: 'a' });
    new HelloNodeApp(chart, 'b', { name: 'b' });
    expect(Testing.synth(chart).map((m) => m.metadata.name)).toEqual(['a-rc', 'a-svc', 'b-rc', 'b-svc']);
  });

  describe('rejects at construction, naming the construct and the prop', () => {
    test.each([
      ['name', { name: 'Web' }, 'DNS-1035 label: 1 to 59 characters'],
      ['name', { name: '1web' }, 'DNS-1035 label'],
      ['name', { name: '' }, 'DNS-1035 label'],
      ['image', { image: 'gcr.io/Proj/web:v1' }, 'image reference'],
      ['image', { image: 'web:-bad' }, 'image reference'],
      ['replicas', { replicas: -1 }, 'integer from 0 to 2147483647'],
      ['replicas', { replicas: 1.5 }, 'integer from 0 to 2147483647'],
      ['containerPort', { containerPort: 0 }, 'integer from 1 to 65535'],
      ['containerPort', { containerPort: 65536 }, 'integer from 1 to 65535'],
      ['servicePort', { servicePort: 0 }, 'integer from 1 to 65535'],
      ['imagePullPolicy', { imagePullPolicy: 'always' as ImagePullPolicy }, 'one of Always, IfNotPresent, Never'],
      ['serviceType', { serviceType: 'ExternalName' as ServiceType }, 'one of ClusterIP, NodePort, LoadBalancer'],
      ['labels', { labels: {} }, 'at least one label'],
      ['labels', { labels: { 'app/': 'x' } }, 'label key\'s name'],
      ['labels', { labels: { app: '-x' } }, 'label value'],
      ['namespace', { namespace: 'my_ns' }, 'DNS-1123 label'],
    ])('%s: %j', (prop, props, rule) => {
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
