// A cdk8s app whose HelloNodeApp comes with an object of a kind the cluster does not
// serve: a ManagedCertificate of a version no CRD defines, as a domain's would be to a
// cluster without GKE's CRDs.
import { ApiObject, App, Chart } from 'cdk8s';
import { HelloNodeApp, HelloNodeSettings, synthApp } from '../../lib';

void synthApp(new App(), (app) => {
  const chart = new Chart(app, 'hello-node');
  new HelloNodeApp(chart, 'app', HelloNodeSettings.fromEnvironment());
  new ApiObject(chart, 'certificate', { apiVersion: 'networking.gke.io/v9', kind: 'ManagedCertificate', metadata: { name: 'hello-node-cert' }, spec: { domains: ['shop.example.com'] } });
});
