// One measurement of bench/synth-scale.js, in its own process:
//   node -r ./scripts/ts-hook.js bench/scale-run.ts <project|cdk8s-l1|yaml-floor> <n> <outdir>
// writes the manifests of n hello-node apps (n ReplicationController + Service pairs) to outdir.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { IntOrString, KubeReplicationController, KubeService } from '../imports/k8s';
import { HelloNodeApp } from '../lib';
import { synthesize } from '../lib/synth';

const [mode, countText, outdir] = process.argv.slice(2);
const count = Number(countText);
const name = (i: number) => `app-${i}`;
const image = 'gcr.io/terrycho-sandbox/hello-node:v1';

/** The same objects as HelloNodeApp's defaults, as plain manifests. */
function manifests(i: number) {
  const labels = { app: name(i) };
  return [
    {
      apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: `${name(i)}-rc` },
      spec: {
        replicas: 3, selector: labels,
        template: {
          metadata: { labels, name: `${name(i)}-pod` },
          spec: { containers: [{ image, imagePullPolicy: 'Always', name: name(i), ports: [{ containerPort: 8080 }] }] },
        },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: { name: `${name(i)}-svc` },
      spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], selector: labels, type: 'LoadBalancer' },
    },
  ];
}

switch (mode) {
  case 'project':
    void synthesize(new App({ outdir }), (app) => {
      const chart = new Chart(app, 'apps');
      for (let i = 0; i < count; i++) {
        new HelloNodeApp(chart, name(i), { name: name(i) });
      }
    }, { projectRoot: path.dirname(outdir) });
    break;
  case 'cdk8s-l1': {
    const app = new App({ outdir });
    const chart = new Chart(app, 'apps');
    for (let i = 0; i < count; i++) {
      const [rc, svc] = manifests(i);
      new KubeReplicationController(chart, `${name(i)}-rc`, { metadata: rc.metadata, spec: rc.spec });
      new KubeService(chart, `${name(i)}-svc`, {
        metadata: svc.metadata,
        spec: { ...svc.spec, ports: [{ port: 80, protocol: 'TCP', targetPort: IntOrString.fromNumber(8080) }] },
      });
    }
    app.synth();
    break;
  }
  case 'yaml-floor': {
    fs.mkdirSync(outdir, { recursive: true });
    const docs: string[] = [];
    for (let i = 0; i < count; i++) {
      for (const m of manifests(i)) {
        docs.push(stringify(m));
      }
    }
    fs.writeFileSync(path.join(outdir, 'apps.k8s.yaml'), docs.join('---\n'));
    break;
  }
  default:
    throw new Error(`unknown path ${mode}`);
}
