/**
 * `hello-node`: the reference workflow's docker, gcloud and kubectl steps as one
 * typed command, configured by flags and the same environment variables as the synth.
 */
import { Command, CommanderError, Option } from 'commander';
import { ValidationError } from '../lib';
import { checkReplicas } from '../lib/validation';
import * as ops from './operations';
import { fromEnv, loadSettings, parseWholeNumber, SETTING_NAMES, SettingLookup, SettingName, Settings } from './settings';
import { createRunner, MissingToolError, Runner, ToolFailedError } from './tools';

/** The flags that override settings, each with the environment variable it stands for. */
const SETTING_FLAGS: readonly { flag: string; value: string; attribute: string; setting: SettingName; help: string }[] = [
  { flag: '--project', value: '<id>', attribute: 'project', setting: 'GCP_PROJECT', help: 'Google Cloud project' },
  { flag: '--registry', value: '<host>', attribute: 'registry', setting: 'IMAGE_REGISTRY', help: 'registry host: gcr.io, or <location>-docker.pkg.dev' },
  { flag: '--repository', value: '<id>', attribute: 'repository', setting: 'IMAGE_REPOSITORY', help: 'Artifact Registry repository (pkg.dev hosts only)' },
  { flag: '--tag', value: '<tag>', attribute: 'tag', setting: 'IMAGE_TAG', help: 'image tag' },
  { flag: '--image', value: '<ref>', attribute: 'image', setting: 'HELLO_NODE_IMAGE', help: 'whole image reference (overrides registry, project and tag)' },
  { flag: '--replicas', value: '<n>', attribute: 'replicas', setting: 'HELLO_NODE_REPLICAS', help: 'replicas the workload keeps' },
  { flag: '--namespace', value: '<ns>', attribute: 'namespace', setting: 'HELLO_NODE_NAMESPACE', help: 'namespace of the app\'s objects' },
  { flag: '--service-type', value: '<type>', attribute: 'serviceType', setting: 'HELLO_NODE_SERVICE_TYPE', help: 'ClusterIP, NodePort or LoadBalancer' },
  { flag: '--workload', value: '<kind>', attribute: 'workload', setting: 'HELLO_NODE_WORKLOAD', help: 'ReplicationController or Deployment' },
  { flag: '--profile', value: '<profile>', attribute: 'profile', setting: 'HELLO_NODE_PROFILE', help: 'tutorial or production' },
  { flag: '--cluster', value: '<name>', attribute: 'cluster', setting: 'GKE_CLUSTER', help: 'GKE cluster' },
  { flag: '--zone', value: '<zone>', attribute: 'zone', setting: 'GKE_ZONE', help: 'GKE cluster zone' },
];

/** Settings from flags first, then the environment. */
function lookupFrom(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): SettingLookup {
  const fromEnvironment = fromEnv(env);
  return (name) => {
    const spec = SETTING_FLAGS.find((f) => f.setting === name);
    const value = spec ? flags[spec.attribute] : undefined;
    return spec && typeof value === 'string' ? { value, source: `flag ${spec.flag}` } : fromEnvironment(name);
  };
}

/** The settings that are set, as `NAME=value` words for an equivalent command line. */
function settingWords(lookup: SettingLookup): string[] {
  return SETTING_NAMES.flatMap((name) => {
    const raw = lookup(name);
    return raw ? [`${name}=${raw.value}`] : [];
  });
}

interface Context {
  readonly settings: Settings;
  readonly runner: Runner;
  readonly lookup: SettingLookup;
}

/** Reads and checks the settings for a command, from its flags (and the program's) and `env`. */
function contextOf(cmd: Command, env: NodeJS.ProcessEnv): Context {
  const flags = cmd.optsWithGlobals();
  const lookup = lookupFrom(flags, env);
  return { settings: loadSettings(lookup), runner: createRunner(flags.dryRun === true), lookup };
}

/** Parses seconds from a flag: a number, 0 or more. */
function seconds(cmd: Command, name: string): number {
  const text = String(cmd.opts()[name]);
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(`flag --${name}`, text, 'must be a number of seconds, 0 or more');
  }
  return value;
}

export function buildProgram(env: NodeJS.ProcessEnv): Command {
  const program = new Command('hello-node')
    .description('Build, push and deploy the hello-node app on GKE with docker, gcloud and kubectl.\nSettings come from flags, then environment variables, then the tutorial\'s defaults.')
    .option('--dry-run', 'print each command, as it could be pasted into a shell, and run nothing')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    .exitOverride();
  for (const { flag, value, setting, help } of SETTING_FLAGS) {
    program.addOption(new Option(`${flag} ${value}`, `${help} (env ${setting})`));
  }

  const command = (parent: Command, name: string, description: string) => parent.command(name).description(description).exitOverride();
  /** Gives the command's action its checked settings and runner. */
  const act = (cmd: Command, run: (context: Context, self: Command) => Promise<void>) =>
    cmd.action((...args: unknown[]) => {
      const self = args[args.length - 1] as Command;
      return run(contextOf(self, env), self);
    });
  const plain = (cmd: Command, run: (settings: Settings, runner: Runner) => Promise<void>) =>
    act(cmd, ({ settings, runner }) => run(settings, runner));

  const image = command(program, 'image', 'build and push the container image');
  plain(command(image, 'build', 'docker build -t <image> app'), ops.imageBuild);
  plain(command(image, 'push', 'gcloud auth configure-docker <registry>, then docker push <image>'), ops.imagePush);

  const cluster = command(program, 'cluster', 'create, connect to and delete the GKE cluster');
  plain(command(cluster, 'create', `create the zonal cluster: ${ops.CLUSTER_SHAPE.nodes} ${ops.CLUSTER_SHAPE.machineType} nodes, ${ops.CLUSTER_SHAPE.imageType}, auto-upgrade`), ops.clusterCreate);
  plain(command(cluster, 'credentials', 'point kubectl at the cluster (gcloud container clusters get-credentials)'), ops.clusterCredentials);
  act(command(cluster, 'delete', 'delete the cluster (gcloud asks to confirm)').option('--yes', 'do not ask to confirm'),
    ({ settings, runner }, self) => ops.clusterDelete(settings, runner, self.opts().yes === true));

  act(command(program, 'deploy', 'synthesize dist/ (as npx cdk8s synth does), then kubectl apply -f dist/'),
    ({ settings, runner, lookup }) => ops.deploy(settings, runner, settingWords(lookup), env.CDK8S_OUTDIR ?? ops.DEFAULT_OUTDIR));
  act(command(program, 'scale', 'kubectl scale the ReplicationController (the next deploy resets it)').argument('<replicas>', 'how many pods'),
    ({ settings, runner }, self) => ops.scale(settings, runner, parseWholeNumber({ value: self.args[0], source: 'argument <replicas>' }, checkReplicas)));
  plain(command(program, 'status', 'the app\'s ReplicationController, pods and Service, selected by its labels'), ops.status);
  act(command(program, 'url', 'wait for the LoadBalancer\'s external IP and print http://<ip>/')
    .option('--timeout <seconds>', 'give up after this long', '300')
    .option('--interval <seconds>', 'ask again after this long', '5'),
  ({ settings, runner }, self) => ops.url(settings, runner, { timeoutSeconds: seconds(self, 'timeout'), intervalSeconds: seconds(self, 'interval') }));
  plain(command(program, 'teardown', 'delete exactly the app\'s Service, ReplicationController and pods (never --all)'), ops.teardown);
  return program;
}

/** Runs the CLI and resolves to its exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = buildProgram(env);
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return 1;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    return exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.exitCode; // commander has printed the help or the usage error
  }
  if (err instanceof ToolFailedError) {
    process.stderr.write(`hello-node: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof ValidationError || err instanceof MissingToolError || err instanceof ops.UrlTimeoutError) {
    process.stderr.write(`hello-node: ${err.message}\n`);
    return err instanceof MissingToolError ? 127 : 1;
  }
  process.stderr.write(`hello-node: ${(err as Error).stack ?? String(err)}\n`);
  return 1;
}
