import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeService } from './imports/k8s';
const g = global as unknown as { gc: () => void };
const app = new App({ outdir: '/tmp/ph' });
const chart = new Chart(app, 'apps');
const measure = (label: string, make: (i: number) => void) => {
  g.gc(); const before = process.memoryUsage().heapUsed;
  const scope = new Construct(chart, label);
  for (let i = 0; i < 10000; i++) make.call(scope, i);
  g.gc(); console.log(label, ((process.memoryUsage().heapUsed - before) / 10000).toFixed(0), 'bytes each');
  return scope;
};
const s1 = measure('construct', function (this: Construct, i) { new Construct(this, `c-${i}`); });
const s2 = measure('kubeservice-minimal', function (this: Construct, i) { new KubeService(this, `s-${i}`, { metadata: { name: `s-${i}` } }); });
console.log(s1.node.children.length + s2.node.children.length);
