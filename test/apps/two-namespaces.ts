// A cdk8s app with a HelloNodeApp in namespace `staging` and another in `prod`, each in
// a chart of its own: a file per chart (LAYOUT=chart), or a file per resource (the
// default), where cdk8s names each file by kind and name alone.
import { App, Chart, YamlOutputType } from 'cdk8s';
import { HelloNodeApp, synthApp } from '../../lib';

const yamlOutputType = process.env.LAYOUT === 'chart' ? YamlOutputType.FILE_PER_CHART : YamlOutputType.FILE_PER_RESOURCE;
void synthApp(new App({ yamlOutputType }), (app) => {
  for (const namespace of ['staging', 'prod']) {
    new HelloNodeApp(new Chart(app, namespace), 'web', { namespace });
  }
});
