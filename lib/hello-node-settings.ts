import type { HelloNodeAppProps } from './hello-node-props';
import { settingProps } from './settings';
import { settingsLookup } from './settings-file';

/**
 * The settings the `hello-node` CLI passes a cdk8s app, as `HelloNodeApp` props.
 *
 * The CLI's settings (`--replicas 5`, `HELLO_NODE_NAMESPACE=shop`, the image `up` has
 * just pushed, by digest) reach the app as environment variables, `HELLO_NODE_*`,
 * `IMAGE_*` and `GCP_PROJECT` (docs/user-guide.md, "Configuration"). An app honours
 * them by giving them to its `HelloNodeApp` after its own props, so that what the CLI
 * passes wins over them:
 *
 * ```ts
 * new HelloNodeApp(chart, 'shop', HelloNodeSettings.appliedTo({ name: 'shop', replicas: 2 }));
 * ```
 *
 * A setting not set in the environment is read from the project's `hello-node.yaml`
 * (in the working directory, the project root where `cdk8s synth` runs the app): the
 * section of the environment that `HELLO_NODE_ENV` names, then the file's top level
 * (docs/user-guide.md, "Environments"). So `HELLO_NODE_ENV=production npx cdk8s synth`
 * writes what `hello-node --env production deploy` applies.
 *
 * `hello-node deploy` and `up` check that the synthesized objects carry what they
 * passed, and refuse an app that dropped a setting.
 */
export class HelloNodeSettings {
  /**
   * The `HelloNodeApp` props that the settings set in the environment give.
   *
   * Each is read and checked as the CLI reads and checks it. A setting that is not set
   * (or is empty) gives no prop, so the app's own props and the construct's defaults
   * stay.
   * The image is given when `HELLO_NODE_IMAGE` is set, or composed as
   * `<registry>/<project>/[<repository>/]hello-node:<tag>` when any of
   * `IMAGE_REGISTRY`, `GCP_PROJECT`, `IMAGE_REPOSITORY` or `IMAGE_TAG` is.
   *
   * @param env the variables to read, e.g. `{ HELLO_NODE_REPLICAS: '5' }`; a setting
   *   they leave unset is read from `hello-node.yaml`, for the environment their
   *   `HELLO_NODE_ENV` names
   * @default - process.env
   * @throws ValidationError naming the variable (or the file's line), its value and the
   *   rule it breaks, also for settings that are each valid but not together (a static
   *   IP without a domain), and for an environment the file does not define;
   *   SettingsFileError (its message `hello-node.yaml:LINE: …`) for a file that is not
   *   YAML or has an unknown or duplicate key
   */
  public static fromEnvironment(env?: { [name: string]: string }): HelloNodeAppProps {
    return settingProps(settingsLookup(process.cwd(), env ?? process.env).lookup);
  }

  /**
   * `props`, the app's own `HelloNodeApp` props, with the settings set in the
   * environment applied over them.
   *
   * A setting wins over the app's prop, as with `{ ...props, ...fromEnvironment() }`,
   * and more: a replica count set replaces the app's `autoscaling`, and autoscaling set
   * replaces its `replicas`; and an image composed of `IMAGE_REGISTRY`, `GCP_PROJECT`,
   * `IMAGE_REPOSITORY` and `IMAGE_TAG` is given only to an app without an image of its
   * own (`HELLO_NODE_IMAGE` names the image whatever the app's): a project exported for
   * gcloud, or taken from gcloud's configuration by `deploy`, never replaces the app's
   * image with the tutorial's `hello-node` one.
   *
   * @param props the app's own props, e.g. `{ name: 'shop', replicas: 2 }`
   * @param env the variables to read; a setting they leave unset is read from
   *   `hello-node.yaml`, as for `fromEnvironment`
   * @default - process.env
   * @throws ValidationError naming the variable (or the file's line), its value and the
   *   rule it breaks; SettingsFileError for a settings file that cannot be read as one
   */
  public static appliedTo(props: HelloNodeAppProps, env?: { [name: string]: string }): HelloNodeAppProps {
    return settingProps(settingsLookup(process.cwd(), env ?? process.env).lookup, props);
  }

  private constructor() {}
}
