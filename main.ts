// The cdk8s app: `npx cdk8s synth` runs this (see cdk8s.yaml) and it writes
// dist/hello-node.k8s.yaml, configured by the settings the hello-node CLI passes as
// environment variables (see docs/user-guide.md, "Configuration").
//
// It is written as a user's own main.ts would be, on the library's public API alone.
// Edit it as any cdk8s app: add charts in the build function, or give the App its
// props (`new App({ yamlOutputType: YamlOutputType.FILE_PER_RESOURCE })`). The
// manifests are written by cdk8s's own app.synth(), through synthApp, which makes
// the write atomic and puts the last good output back if a synth fails.
import { App, Chart } from 'cdk8s';
import { HelloNodeApp, HelloNodeSettings, synthApp } from './lib';

// Settings are read inside the synth, so that a bad one, like any other failure,
// puts back the last complete output that `cdk8s synth` deleted before starting us.
void synthApp(new App(), (app) => {
  new HelloNodeApp(new Chart(app, 'hello-node'), 'app', HelloNodeSettings.fromEnvironment());
}, { typecheck: __filename });
