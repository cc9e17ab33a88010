// A cdk8s app with a HelloNodeApp and an Ingress that never gets an address: it names
// a Google-managed certificate that does not exist, and the suite's stand-in for GKE's
// load balancer gives an Ingress its address only once its certificates exist.
import { App, Chart } from 'cdk8s';
import { HelloNodeApp, HelloNodeSettings, k8s, synthApp } from '../../lib';

void synthApp(new App(), (app) => {
  const chart = new Chart(app, 'hello-node');
  const hello = new HelloNodeApp(chart, 'app', { replicas: 1, ...HelloNodeSettings.fromEnvironment() });
  new k8s.KubeIngress(chart, 'ingress', {
    metadata: { name: 'orphan', annotations: { 'kubernetes.io/ingress.class': 'gce', 'networking.gke.io/managed-certificates': 'missing-cert' } },
    spec: { defaultBackend: { service: { name: hello.service.name, port: { number: 80 } } } },
  });
});
