// A cdk8s app of two charts, as a user's main.ts may grow: the HelloNodeApp chart, and
// an `api` chart of the user's own (a Deployment and its LoadBalancer Service on port
// 8080). API_NAMESPACE puts the second chart's objects in a namespace of its own.
import { App, Chart } from 'cdk8s';
import { IntOrString, KubeDeployment, KubeService } from '../../imports/k8s';
import { HelloNodeApp, HelloNodeSettings, synthApp } from '../../lib';

void synthApp(new App(), (app) => {
  new HelloNodeApp(new Chart(app, 'hello-node'), 'app', HelloNodeSettings.fromEnvironment());
  const api = new Chart(app, 'api', { namespace: process.env.API_NAMESPACE });
  const labels = { app: 'api' };
  new KubeDeployment(api, 'deployment', {
    metadata: { name: 'api' },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'api', image: 'registry.example/api:v1', ports: [{ containerPort: 8080 }] }] } },
    },
  });
  new KubeService(api, 'service', {
    metadata: { name: 'api' },
    spec: { type: 'LoadBalancer', selector: labels, ports: [{ port: 8080, targetPort: IntOrString.fromNumber(8080) }] },
  });
});
