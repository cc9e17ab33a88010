// A user's own app, as the README's "In your own project" writes it: a HelloNodeApp named
// `shop`, with the settings the CLI passes given last.
import { App, Chart } from 'cdk8s';
import { HelloNodeApp, HelloNodeSettings, synthApp } from '../../lib';

void synthApp(new App(), (app) => {
  new HelloNodeApp(new Chart(app, 'shop'), 'shop', { name: 'shop', replicas: 2, ...HelloNodeSettings.fromEnvironment() });
});
