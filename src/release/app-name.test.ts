import { Chart, Testing } from 'cdk8s';
import { HelloNodeApp, HelloNodeAppProps, k8s, Workload } from '../../lib';
import { KubeObject } from '../kube/cluster-state';
import { appNameOf, findHelloNodeApps } from './app-name';
import { checkSettingsUsed } from './settings-used';
import { validationErrorOf } from '../../test/errors';

/** The objects a chart of HelloNodeApps (and what `extra` adds) synthesizes. */
function synth(apps: Readonly<Record<string, HelloNodeAppProps>>, extra: (chart: Chart) => void = () => undefined): KubeObject[] {
  const chart = Testing.chart();
  for (const [id, props] of Object.entries(apps)) {
    new HelloNodeApp(chart, id, props);
  }
  extra(chart);
  return Testing.synth(chart) as KubeObject[];
}

describe('appNameOf', () => {
  test('is the name of the app\'s HelloNodeApp, whichever workload it runs', () => {
    expect(appNameOf(synth({ shop: { name: 'shop' } }), 'dist/')).toBe('shop');
    expect(appNameOf(synth({ shop: { name: 'shop', workload: Workload.DEPLOYMENT } }), 'dist/')).toBe('shop');
    expect(appNameOf(synth({ app: {} }), 'dist/')).toBe('hello-node');
  });

  test('refuses an app without one, whatever else it holds: two such apps would share one ApplySet and prune each other', () => {
    const objects = synth({}, (chart) => new k8s.KubeDeployment(chart, 'api', {
      metadata: { name: 'api-deployment' },
      spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'example.com/api:v1' }] } } },
    }));
    const err = validationErrorOf(() => appNameOf(objects, 'dist/'));
    expect([err.subject, err.value]).toEqual(['the cdk8s app\'s objects (dist/)', 'no HelloNodeApp']);
    expect(err.rule).toContain('give the app a HelloNodeApp');
  });

  test('refuses an app of several HelloNodeApps, naming them', () => {
    const err = validationErrorOf(() => appNameOf(synth({ shop: { name: 'shop' }, api: { name: 'api' } }), 'dist/'));
    expect([err.subject, err.value]).toEqual(['the cdk8s app\'s objects (dist/)', 'shop, api']);
    expect(err.rule).toContain('keep one HelloNodeApp per cdk8s project');
  });

  test('finds the workload and the Service of the app, not a look-alike in another namespace', () => {
    const objects = synth({ shop: { name: 'shop', namespace: 'a' } });
    const moved = objects.map((o) => (o.kind === 'Service' ? { ...o, metadata: { ...o.metadata, namespace: 'b' } } : o));
    expect(findHelloNodeApps(objects).map((a) => [a.workload.kind, a.service.metadata.name])).toEqual([['ReplicationController', 'shop-svc']]);
    expect(findHelloNodeApps(moved)).toEqual([]);
  });
});

describe('checkSettingsUsed', () => {
  const digest = `example.com/shop:v9@sha256:${'a'.repeat(64)}`;

  test('passes an app that took every setting passed', () => {
    const env = { HELLO_NODE_REPLICAS: '7', HELLO_NODE_IMAGE: digest, HELLO_NODE_NAMESPACE: 'shop', HELLO_NODE_WORKLOAD: 'Deployment' };
    expect(() => checkSettingsUsed(synth({ shop: { name: 'shop', replicas: 7, image: digest, namespace: 'shop', workload: Workload.DEPLOYMENT } }), env)).not.toThrow();
    expect(() => checkSettingsUsed(synth({ shop: { name: 'shop' } }), {})).not.toThrow();
  });

  test('refuses an app that ignored the replicas and the image, naming each and what it has instead', () => {
    expect(() => checkSettingsUsed(synth({ shop: { name: 'shop', replicas: 2 } }), { HELLO_NODE_REPLICAS: '7', HELLO_NODE_IMAGE: digest }))
      .toThrow(`the app ignored settings hello-node passed it (of HELLO_NODE_REPLICAS=7 HELLO_NODE_IMAGE=${digest}): HelloNodeApp "shop" did not take image "${digest}" (its container runs gcr.io/terrycho-sandbox/hello-node:v1); replicas 7 (its ReplicationController keeps 2 replicas); nothing was applied`);
  });

  test('checks the autoscaler, the domain and the Service type the settings ask for', () => {
    const objects = synth({ shop: { name: 'shop' } });
    expect(() => checkSettingsUsed(objects, { HELLO_NODE_MAX_REPLICAS: '5', HELLO_NODE_PROFILE: 'production' })).toThrow('did not take autoscaling {"maxReplicas":5} (it has no autoscaler)');
    expect(() => checkSettingsUsed(objects, { HELLO_NODE_DOMAIN: 'shop.example.com' })).toThrow('did not take domain "shop.example.com" (it has no Ingress)');
    expect(() => checkSettingsUsed(objects, { HELLO_NODE_SERVICE_TYPE: 'NodePort' })).toThrow('did not take serviceType "NodePort" (its Service is of type LoadBalancer)');
  });

  test('refuses settings passed to an app with no HelloNodeApp to take them', () => {
    expect(() => checkSettingsUsed(synth({}, (chart) => new k8s.KubeConfigMap(chart, 'c')), { HELLO_NODE_REPLICAS: '7' }))
      .toThrow('the app has no HelloNodeApp to take the settings hello-node passed (HELLO_NODE_REPLICAS=7): nothing was applied');
  });
});
