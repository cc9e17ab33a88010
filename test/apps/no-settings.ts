// A user's app that never reads the settings the CLI passes: its HelloNodeApp keeps its
// own replicas and image whatever a deploy asks.
import { App, Chart } from 'cdk8s';
import { HelloNodeApp, synthApp } from '../../lib';

void synthApp(new App(), (app) => {
  new HelloNodeApp(new Chart(app, 'shop'), 'shop', { name: 'shop', replicas: 2 });
});
