import { Chart, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import * as kplus33 from 'cdk8s-plus-33';
import { HelloNodeApp } from '../lib';
import * as views27 from './27';
import * as views33 from './33';

// The two versions' classes are apart to TypeScript (private members), which is why each
// has an entry point of its own; what these tests use of them is the same API, so the
// 33 pair runs under 27's types here (the README's example type-checks against each,
// test/user-project.cluster.slow.test.ts).
describe.each([
  ['cdk8s-plus-27', kplus27, views27],
  ['cdk8s-plus-33', kplus33 as unknown as typeof kplus27, views33 as unknown as typeof views27],
])('with %s', (_version, plus, { appBackend, appPods, appPort }) => {
  const objects = (chart: Chart, kind: string) => Testing.synth(chart).filter((o) => o.kind === kind);

  test('a NetworkPolicy whose selector is the app selects exactly its pods, in its namespace, on its port', () => {
    const chart = Testing.chart();
    const shop = new HelloNodeApp(chart, 'shop', { name: 'shop', namespace: 'store', serviceType: plus.ServiceType.CLUSTER_IP });
    new plus.NetworkPolicy(chart, 'policy', {
      selector: appPods(shop),
      ingress: { default: plus.NetworkPolicyTrafficDefault.DENY, rules: [{ peer: plus.NetworkPolicyIpBlock.anyIpv4(chart, 'anyone'), ports: [appPort(shop)] }] },
    });
    const [policy] = objects(chart, 'NetworkPolicy');
    expect(policy.metadata.namespace).toBe('store');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { app: 'shop' } });
    expect(policy.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 8080, protocol: 'TCP' }] }]);
  });

  test('an Ingress whose backend is the app routes to its Service, on the Service\'s port', () => {
    const chart = Testing.chart();
    const shop = new HelloNodeApp(chart, 'shop', { name: 'shop', servicePort: 8000, serviceType: plus.ServiceType.NODE_PORT });
    new plus.Ingress(chart, 'ingress', { defaultBackend: appBackend(shop) });
    const [ingress] = objects(chart, 'Ingress');
    expect(ingress.spec.defaultBackend).toEqual({ service: { name: 'shop-svc', port: { number: 8000 } } });
  });

  test('a Deployment allowed to reach the app gets an egress rule to its pods, and the app\'s pods an ingress rule from it', () => {
    const chart = Testing.chart();
    const shop = new HelloNodeApp(chart, 'shop', { name: 'shop' });
    const web = new plus.Deployment(chart, 'web', { containers: [{ image: 'nginx', portNumber: 80 }] });
    web.connections.allowTo(appPods(shop), { ports: [appPort(shop)] });
    const policies = objects(chart, 'NetworkPolicy');
    const toShop = policies.find((p) => p.spec.egress)!;
    expect(toShop.spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: { app: 'shop' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    const fromWeb = policies.find((p) => p.spec.ingress)!;
    expect(fromWeb.spec.podSelector).toEqual({ matchLabels: { app: 'shop' } });
    expect(fromWeb.spec.ingress[0].ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
  });

  test('an app in a namespaced chart is selected in the chart\'s namespace, from a policy of another namespace\'s chart', () => {
    const app = Testing.app();
    const shop = new HelloNodeApp(new Chart(app, 'store', { namespace: 'store' }), 'shop', { name: 'shop' });
    expect(shop.namespace).toBe('store');
    const front = new Chart(app, 'front', { namespace: 'front' });
    const web = new plus.Deployment(front, 'web', { containers: [{ image: 'nginx', portNumber: 80 }] });
    web.connections.allowTo(appPods(shop), { ports: [appPort(shop)] });
    const policies = app.charts.flatMap((c) => Testing.synth(c)).filter((o) => o.kind === 'NetworkPolicy');
    const toShop = policies.find((p) => p.spec.egress)!;
    expect(toShop.metadata.namespace).toBe('front');
    expect(toShop.spec.egress[0].to).toEqual([{ podSelector: { matchLabels: { app: 'shop' } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'store' } } }]);
    const fromWeb = policies.find((p) => p.spec.ingress)!;
    expect(fromWeb.metadata.namespace).toBe('store');
  });

  test('the app\'s pods are one selector: asked twice, the same construct', () => {
    const shop = new HelloNodeApp(Testing.chart(), 'shop');
    expect(appPods(shop)).toBe(appPods(shop));
  });

  test('the views write no object of their own: the app synthesizes as before', () => {
    const plain = Testing.chart();
    new HelloNodeApp(plain, 'shop');
    const viewed = Testing.chart();
    const shop = new HelloNodeApp(viewed, 'shop');
    appPods(shop);
    appBackend(shop);
    appPort(shop);
    expect(Testing.synth(viewed)).toEqual(Testing.synth(plain));
  });
});
