// A user's own app, as the README's "In your own project" writes it: a HelloNodeApp named
// `shop`, with the settings the CLI passes applied over its own props.
import { App, Chart } from 'cdk8s';
import { HelloNodeApp, HelloNodeSettings, synthApp } from '../../lib';

void synthApp(new App(), (app) => {
  new HelloNodeApp(new Chart(app, 'shop'), 'shop', HelloNodeSettings.appliedTo({ name: 'shop', replicas: 2 }));
});
