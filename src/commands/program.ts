/**
 * `hello-node`: the reference workflow's docker, gcloud and kubectl steps, and the
 * rest of the service's life (rollout, status, diff, prune), as one typed command,
 * configured by flags and the same environment variables as the synth.
 *
 * `main` takes its argv, environment, output streams, tool executor and clock, so the
 * whole CLI runs in-process in tests; bin/hello-node.js passes the real ones. It never
 * loads cdk8s: `synth` (and so `deploy`) runs the project's cdk8s app through cdk8s-cli
 * (synth-command.ts).
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, CommanderError, Option } from 'commander';
import { version } from '../../package.json';
import { checkReplicas, ValidationError } from '../../lib/internal';
import { AppRef } from '../kube/applyset';
import type * as Deploying from '../release/deploy';
import { DEFAULT_HISTORY_MAX, parseHistoryMax, parseRevision } from '../release/history-flags';
import { withChosenProject } from '../gcp/project';
import { ExplainedKubectlError } from '../kube/kubectl';
import { Clock } from '../exec/clock';
import { clusterCreate, clusterCredentials, clusterDelete, CLUSTER_SHAPE } from '../gcp/cluster';
import { ipCreate, ipDelete } from '../gcp/address';
import { imageBuild, imagePush } from '../gcp/image';
import {
  APP_SETTING_NAMES,
  CLUSTER_SETTING_NAMES,
  IMAGE_SETTING_NAMES,
  loadAppSettings,
  loadClusterSettings,
  loadImageSettings,
  loadKubeContext,
  loadMachineType,
  loadBuildDir,
  loadPlatform,
  loadProject,
  loadPropSetting,
  parseWholeNumber,
  PLATFORM_SETTING_NAMES,
  BUILD_SETTING_NAMES,
  KUBE_SETTING_NAMES,
  SETTING_NAMES,
  SettingLookup,
  SettingName,
  isPropSetting,
  SETTINGS,
  settingsOf,
  unsetMeaning,
} from '../../lib/settings';
import { Cdk8sSynthFlags, checkSynth, EarlySynth, synthCommand, synthCommandArgs, SynthFailedError, SynthInterruptedError } from '../synth/synth-command';
import { createRunner, inKubeContext, isExplained, Runner, shellQuote, spawnTool, ToolExecutor, ToolFailedError } from '../exec/tools';
import { checkEnvironment, ENVIRONMENT_VARIABLE, fromFile, ProjectSettings, SETTINGS_FILE, SettingsFileError, settingsLookup } from '../../lib/settings-file';
import { config } from './config';
import { CliError } from '../exec/errors';
import { InterruptedError } from '../../lib/signals';

/*
 * The modules of the commands that reach a cluster, loaded when one of them runs: a
 * synth (every `npm run synth`, every edit-synth-look turn) starts without them and all
 * they alone import (docs/contributing.md, "Speed"). One literal require each, which
 * esbuild bundles as it does an import.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const deploying = (): typeof import('../release/deploy') => require('../release/deploy');
const appNames = (): typeof import('../release/app-name') => require('../release/app-name');
const promotions = (): typeof import('../release/promote') => require('../release/promote');
const statuses = (): typeof import('./status') => require('./status');
const scaling = (): typeof import('./scale') => require('./scale');
const teardowns = (): typeof import('./teardown') => require('./teardown');
const urls = (): typeof import('./url') => require('./url');
const histories = (): typeof import('../release/history') => require('../release/history');
const inProcess = (): typeof import('../kube/in-process') => require('../kube/in-process');
/* eslint-enable @typescript-eslint/no-require-imports */

/** The attribute of `opts()` that holds each setting's flag (commander's camel case of it), made once each: lookups ask for it again and again (some 3 ms of a synth). */
const ATTRIBUTES = new Map<SettingName, string>();
const attributeOf = (setting: SettingName): string => {
  let attribute = ATTRIBUTES.get(setting);
  if (attribute === undefined) {
    attribute = new Option(SETTINGS[setting].flag).attributeName();
    ATTRIBUTES.set(setting, attribute);
  }
  return attribute;
};

/** Adds the flags of `settings` to `cmd`, each of which wins over its environment variable; hidden from its help, when `hidden`. */
function withSettingFlags(cmd: Command, settings: readonly SettingName[], hidden = false): Command {
  for (const setting of settings) {
    const { flag, value, help } = SETTINGS[setting];
    const meaning = unsetMeaning(setting);
    // a prop's setting, unset, leaves the app's own prop: HelloNodeApp's default only where the app gives none
    const unset = meaning === 'none' ? '' : isPropSetting(setting) ? `; unset: the app's own, else ${meaning}` : `; default: ${meaning}`;
    const option = new Option(`${flag} ${value}`, `${help} (env ${setting}${unset})`);
    cmd.addOption(hidden ? option.hideHelp() : option);
  }
  return cmd;
}

/** Seconds between two looks at the cluster while a deploy waits, and while url waits. */
const POLL_SECONDS = { deploy: '2', url: '5' } as const;

/** Everything the CLI touches outside itself. */
export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly execute: ToolExecutor;
  readonly clock: Clock;
  /** Where the CLI runs: the project root, with app/ and cdk8s.yaml. */
  readonly projectRoot: string;
  /** How the user runs the CLI, as the commands its hints show: `hello-node` or `npx hello-node`. */
  readonly invocation: string;
  /** What the commands of its hints are given, once a command knows its environment; none in a context made for its help alone. */
  readonly hints?: Hints;
  /** The app a synth started as the CLI started (bin/early-synth.js); none in-process. */
  readonly early?: EarlySynth;
}

/** What the commands a hint shows need to act as the command did: its environment, and its kubectl context. */
export interface Hints {
  environment?: string;
  kubeContext?: string;
}


/** `npx hello-node` when npm runs the CLI (npx, or an npm script), else `hello-node`. */
export const invocationOf = (env: NodeJS.ProcessEnv): string => (env.npm_command ? 'npx hello-node' : 'hello-node');

/**
 * `text` with the commands of its hints written as the user runs the CLI, and so that,
 * pasted, they act where the command did: `` `hello-node …` `` as `npx hello-node`,
 * with `--env <environment>` (unless it names one), and `` `kubectl …` `` or
 * `(kubectl …)` with `--context=<context>` (but `kubectl config`, which reads the
 * kubeconfig itself).
 */
function hintsAs(invocation: string, hints: Hints, text: string): string {
  const withEnv = text.replace(/`hello-node (?!--env\b)/g, `\`${invocation} ${hints.environment === undefined ? '' : `--env ${hints.environment} `}`).split('`hello-node ').join(`\`${invocation} `);
  return hints.kubeContext === undefined ? withEnv : withEnv.replace(/([`(])kubectl (?!config )(?=[a-z])/g, `$1kubectl --context=${shellQuote(hints.kubeContext)} `);
}

/** `stream` (stderr), with {@link hintsAs} applied. */
function hintingStream(invocation: string, hints: Hints, stream: NodeJS.WritableStream): NodeJS.WritableStream {
  return new Writable({
    write(chunk, _encoding, done) {
      stream.write(hintsAs(invocation, hints, String(chunk)));
      done();
    },
  });
}

function realContext(): CliContext {
  // loaded when the first kubectl command runs: a synth never does
  let kubectlExecutor: ToolExecutor | undefined;
  return {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    // kubectl's reads and small writes from this process, the rest (and any failure) by kubectl itself
    execute: (command, io) => (kubectlExecutor ??= inProcess().inProcessKubectl(spawnTool, process.env))(command, io),
    // an aborted wait ends early, quietly: the deploy then stops at its next step
    clock: { now: () => Date.now(), sleep: (ms, abort) => sleep(ms, undefined, { signal: abort }).catch(() => undefined) },
    projectRoot: process.cwd(),
    invocation: invocationOf(process.env),
  };
}

/** The settings given as flags. */
function flagLookup(flags: Record<string, unknown>): SettingLookup {
  return (name) => {
    const value = flags[attributeOf(name)];
    return typeof value === 'string' ? { value, source: `flag ${SETTINGS[name].flag}`, fromFlag: true, origin: 'flag' } : undefined;
  };
}

/**
 * The app's settings that are set, as the environment of `npx cdk8s synth`, with the
 * environment chosen: the app reads hello-node.yaml too, and so unsets what the
 * environment's section unsets. The synth's environment has them in place of the
 * shell's own ({@link withoutSettings}), so that the app resolves what the CLI did.
 */
function appSettingEnv(lookup: SettingLookup, environment: string | undefined): Record<string, string> {
  return Object.fromEntries([...APP_SETTING_NAMES.flatMap((name) => {
    const raw = lookup(name);
    return raw ? [[name, raw.value]] : [];
  }), ...environment === undefined ? [] : [[ENVIRONMENT_VARIABLE, environment]]]);
}

/**
 * `env` without the app's settings (and the environment's choice): what the CLI
 * resolved replaces them, so that a shell's `HELLO_NODE_REPLICAS` that a flag's
 * `--max-replicas` overrode, or a variable a section's empty value unset, never reaches the app.
 */
function withoutSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const settings: readonly string[] = [...APP_SETTING_NAMES, ENVIRONMENT_VARIABLE];
  return Object.fromEntries(Object.entries(env).filter(([name]) => !settings.includes(name)));
}

/**
 * `load` of the settings with the project chosen for `what` (gcp-project.ts): the
 * settings are checked first, so that a bad one stops the command before gcloud is
 * asked anything.
 *
 * @param what `the cluster` or `the address`, or `the image`, whose project is chosen
 *   only when it is composed from one (no HELLO_NODE_IMAGE)
 * @param required whether no project at all is refused (a build, a push, a cluster), or
 *   leaves the tutorial's (a deploy, which then deploys what a push of the same settings
 *   pushed)
 */
async function withProject<T>(lookup: SettingLookup, runner: Runner, what: 'the image' | 'the cluster' | 'the address', required: boolean, load: (lookup: SettingLookup) => T): Promise<T> {
  load(lookup);
  const composed = what !== 'the image' || !lookup('HELLO_NODE_IMAGE');
  return load(composed ? await withChosenProject(lookup, runner, what, required) : lookup);
}

/** The longest wait a timer takes (Node's setTimeout holds at most 2^31 - 1 ms), in seconds. */
const MAX_SECONDS = 2_147_483;

/** Where a command of an environment acts: its namespace and kubectl context. */
function whereOf(lookup: SettingLookup): string {
  const namespace = lookup('HELLO_NODE_NAMESPACE');
  const kubeContext = loadKubeContext(lookup);
  return `${namespace ? `namespace ${namespace.value}` : 'the context\'s namespace'}, ${kubeContext ? `kubectl context ${kubeContext}` : 'kubectl\'s current context'}`;
}

/** Parses seconds from a flag: plain decimal digits (not `0x10` or `1e3`), from 0 to MAX_SECONDS. */
function seconds(cmd: Command, name: string): number {
  const text = String(cmd.opts()[name]);
  const value = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || value > MAX_SECONDS) {
    throw new ValidationError(`flag --${name}`, text, `must be a number of seconds, from 0 to ${MAX_SECONDS}`);
  }
  return value;
}

/** `diff` failed: reported as the failure it wraps, with an exit code of at least 2 (1 is diff's "changes"). */
class DiffFailedError extends Error {
  constructor(readonly failure: unknown) {
    super('diff failed');
  }
}

/** The exit code a command asks for, when it is not 0. */
class ExitCode extends Error {
  constructor(public readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * The CLI's commander program.
 *
 * @param only the one top-level command to define (with its subcommands), for a run that
 *   names it first: its parse reads nothing else. Otherwise every command is defined, as
 *   help, commander's suggestions and the docs need them.
 */
export function buildProgram(context: CliContext, only?: string): Command {
  const { env, stdout, stderr } = context;
  /** What the commands of the messages need (hintsAs), set once the command knows its environment. */
  const hints = context.hints ?? {};
  /** The environment the app is synthesized with to learn its name: the settings the command resolved. */
  let appEnv = env;
  const program = new Command('hello-node')
    .description('Build, push, deploy and operate the hello-node app on GKE with docker, gcloud and kubectl.\nSettings come from flags, then environment variables, then hello-node.yaml (the --env environment\'s section, then its top level), then defaults: gcloud\'s configured project, else the tutorial\'s.')
    .option('--env <name>', `the environment of hello-node.yaml to act on (env ${ENVIRONMENT_VARIABLE}); required by every command but synth and config when the file defines environments`)
    .option('--dry-run', 'print each command, as it could be pasted into a shell, and run nothing')
    .option('--verbose', 'show the tools\' own error output (kubectl\'s, cdk8s-cli\'s and the app\'s), not only the explanation')
    .version(`hello-node ${version}`, '--version', 'print hello-node\'s version')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (s) => stdout.write(s),
      writeErr: (s) => stderr.write(s),
      // one line: commander's suggestion (`(Did you mean deploy?)`) joins its error
      outputError: (s, write) => write(s.replace(/\n\(Did you mean (.*)\)/, ' (did you mean $1)')),
    })
    .showHelpAfterError(`(see: ${context.invocation} --help)`)
    .exitOverride();
  // also before a command's name (`hello-node --project p image push`), as gcloud takes its
  // global flags; each command's help lists those it reads
  withSettingFlags(program, SETTING_NAMES, true);

  /** A subcommand with the flags of the settings it reads; a usage error names its own help. */
  const command = (parent: Command, name: string, description: string, settings: readonly SettingName[] = []) => {
    const cmd = parent.command(name).description(description).exitOverride();
    const path = [...(parent === program ? [] : [parent.name()]), name].join(' ');
    return withSettingFlags(cmd, settings).showHelpAfterError(`(see: ${context.invocation} ${path} --help)`);
  };
  /** Defines the top-level command `name` by `definition`, unless the program is built for {@link only} another. */
  const define = (name: string, definition: () => void) => {
    if (only === undefined || only === name) {
      definition();
    }
  };
  /**
   * Gives the command's action its settings lookup, runner (in the environment's kubectl
   * context) and own flags, and the project's settings; settings are loaded by each
   * command, only those it uses. Where hello-node.yaml defines environments, a command
   * that reaches a cluster, a registry or Google Cloud refuses without one, and names
   * the one it acts on first.
   */
  const act = (cmd: Command, run: (lookup: SettingLookup, runner: Runner, self: Command, project: ProjectSettings & { base: Runner }) => Promise<void>) =>
    cmd.action(async (...args: unknown[]) => {
      const self = args[args.length - 1] as Command;
      const flags = self.optsWithGlobals();
      // a setting flag given to the program (before the command, as gcloud takes them) that
      // this command does not read would be silently ignored
      const own = new Set(self.options.map((option) => option.attributeName()));
      const foreign = SETTING_NAMES.find((name) => typeof program.opts()[attributeOf(name)] === 'string' && !own.has(attributeOf(name)));
      if (foreign !== undefined) {
        const path = `${self.parent === program ? '' : `${self.parent?.name()} `}${self.name()}`;
        throw new ValidationError(`flag ${SETTINGS[foreign].flag}`, program.opts()[attributeOf(foreign)], `is no setting of ${path}, which would ignore it (see: ${context.invocation} ${path} --help)`);
      }
      const base = createRunner({ dryRun: flags.dryRun === true, verbose: flags.verbose === true, out: stdout, err: stderr, execute: context.execute, resultAs: (line) => hintsAs(context.invocation, hints, line) });
      let project: ProjectSettings;
      try {
        project = settingsLookup(context.projectRoot, env, flagLookup(flags), typeof flags.env === 'string' ? flags.env : undefined);
      } catch (err) {
        // the synth's failures are all said as one
        throw self.name() === 'synth' && (err instanceof SettingsFileError || err instanceof ValidationError) ? new SynthFailedError([err.message]) : err;
      }
      const { lookup, file, environment } = project;
      const local = self.name() === 'synth' || self.name() === 'config';
      if (!local && file && file.environments.size > 0 && environment === undefined) {
        throw new CliError(`${file.path} defines the environments ${[...file.environments.keys()].join(', ')}: name the one to act on with --env <name> (or ${ENVIRONMENT_VARIABLE}); only synth and config go without one, reading the file's top level`);
      }
      const kubeContext = loadKubeContext(lookup);
      const runner = inKubeContext(base, kubeContext);
      Object.assign(hints, { environment, kubeContext });
      appEnv = { ...withoutSettings(env), ...appSettingEnv(lookup, environment) };
      if (!local && environment !== undefined) {
        runner.say(`${runner.dryRun ? '# ' : ''}environment ${environment} (${project.environmentSource}): ${whereOf(lookup)}`);
      }
      await run(lookup, runner, self, { ...project, base });
    });
  /** What deploy, up and rollback share: how they wait, and how much history they keep. */
  /** The app a command acts on, named by its HelloNodeApp (app-name.ts, which may synthesize it with the settings resolved), in the namespace of its settings. */
  const appOf = async (namespace: string | undefined, fresh = false): Promise<AppRef> => ({ name: await appNames().appName(context.projectRoot, appEnv, fresh), namespace });
  const rolloutOptions = (self: Command, wait: boolean): Deploying.RolloutOptions => ({
    projectRoot: context.projectRoot,
    env: withoutSettings(env),
    wait,
    timeoutSeconds: self.opts().timeout === undefined ? 0 : seconds(self, 'timeout'),
    intervalSeconds: self.opts().interval === undefined ? 0 : seconds(self, 'interval'),
    historyMax: self.opts().historyMax === undefined ? DEFAULT_HISTORY_MAX : parseHistoryMax(String(self.opts().historyMax)),
    clock: context.clock,
  });
  const deployOptions = (self: Command, lookup: SettingLookup, environment: string | undefined, wait: boolean): Deploying.DeployOptions => {
    if (self.opts().restart === true && !wait) {
      // a ReplicationController's pods are replaced by the rollout that --no-wait skips
      throw new ValidationError('flag --restart', 'with --no-wait', 'needs the rollout that --no-wait skips: drop one of them');
    }
    return { ...rolloutOptions(self, wait), settingEnv: appSettingEnv(lookup, environment), restart: self.opts().restart === true, description: self.name() };
  };
  const historyMax = (cmd: Command) => cmd.addOption(new Option('--history-max <n>', 'keep at most this many revisions in the release history (0: all)').default(String(DEFAULT_HISTORY_MAX), String(DEFAULT_HISTORY_MAX)));
  // default(value, description): help shows the seconds as a number, not a quoted string
  const timeout = (cmd: Command) => cmd.addOption(new Option('--timeout <seconds>', 'give up waiting after this long').default('300', '300'));
  const interval = (cmd: Command, every: string) => cmd.addOption(new Option('--interval <seconds>', 'look at the cluster again after this long').default(every, every));

  define('synth', () => {
    act(command(program, 'synth', 'cdk8s synth (cdk8s-cli), every flag and mode of it, writing the output only once it has all succeeded: never over a file of yours, and on any failure or Ctrl-C the output is as it was', APP_SETTING_NAMES)
      .option('-a, --app <command>', 'the command that runs the cdk8s app (default: cdk8s.yaml\'s app; env CDK8S_APP)')
      .option('-o, --output <dir>', 'output directory, relative to the project root (default: cdk8s.yaml\'s output, else dist; env CDK8S_OUTPUT)')
      .option('-p, --stdout', 'print the manifests, with --- between files, instead of writing an output directory (env CDK8S_STDOUT)')
      .option('--plugins-dir <dir>', 'where cdk8s validation plugins are kept (env CDK8S_PLUGINS_DIR)')
      .option('--validate', 'run cdk8s.yaml\'s validations (the default)')
      .option('--no-validate', 'skip cdk8s.yaml\'s validations')
      .option('--validation-reports-output-file <file>', 'write the validation reports to this file as JSON')
      .option('--format <format>', 'plain (manifests) or helm (a Helm chart)')
      .option('--chart-api-version <version>', 'the Helm chart\'s apiVersion, v1 or v2 (with --format helm; default v2)')
      .option('--chart-version <version>', 'the Helm chart\'s version, SemVer (required with --format helm)'),
    async (lookup, runner, self, { environment }) => {
      const flags = self.opts<Cdk8sSynthFlags>();
      const settingEnv = appSettingEnv(lookup, environment);
      try {
        // a bad setting named as the flag or variable it came from, before cdk8s-cli starts
        loadAppSettings(lookup);
      } catch (err) {
        throw err instanceof ValidationError ? new SynthFailedError([err.message]) : err;
      }
      checkSynth(context.projectRoot, flags, env);
      if (runner.dryRun) {
        runner.announce({ tool: 'npx', args: ['hello-node', 'synth', ...synthCommandArgs(flags)], env: settingEnv });
        return;
      }
      await synthCommand({
        projectRoot: context.projectRoot,
        flags,
        // what act resolved: the shell's settings replaced by the command's
        env: appEnv,
        verbose: runner.verbose,
        progress: (line) => stdout.write(`${line}\n`),
        warn: (line) => stderr.write(`${line}\n`),
        write: (text) => stdout.write(text),
        early: context.early,
      });
    });
  });

  define('image', () => {
    const image = command(program, 'image', 'build and push the container image');
    act(command(image, 'build', 'docker build --platform <platform> -t <image> <build-dir>', [...IMAGE_SETTING_NAMES, ...PLATFORM_SETTING_NAMES, ...BUILD_SETTING_NAMES]), async (lookup, runner) => {
      const [image, platform, buildDir] = await withProject(lookup, runner, 'the image', true, (l) => [loadImageSettings(l), loadPlatform(l), loadBuildDir(l)] as const);
      await imageBuild(image, platform, buildDir, runner);
    });
    act(command(image, 'push', 'make sure of the image\'s Artifact Registry repository (create it when missing), gcloud auth configure-docker <registry>, docker push <image>; prints the digest', IMAGE_SETTING_NAMES),
      async (lookup, runner) => void await imagePush(await withProject(lookup, runner, 'the image', true, loadImageSettings), runner));
  });

  define('cluster', () => {
    const cluster = command(program, 'cluster', 'create, connect to and delete the GKE cluster');
    act(command(cluster, 'create', `create the cluster: zonal with ${CLUSTER_SHAPE.nodes} nodes, regional with one per zone, or --autopilot`, [...CLUSTER_SETTING_NAMES, 'GKE_MACHINE_TYPE'])
      .option('--autopilot', 'an Autopilot cluster (regional; GKE manages the nodes): gcloud container clusters create-auto'),
    async (lookup, runner, self) => {
      const autopilot = self.opts().autopilot === true;
      const machineType = lookup('GKE_MACHINE_TYPE');
      if (autopilot && machineType) {
        throw new ValidationError(machineType.source, machineType.value, 'has no effect on an Autopilot cluster, whose nodes GKE chooses: drop it, or drop --autopilot');
      }
      const [cluster, machine] = await withProject(lookup, runner, 'the cluster', true, (l) => [loadClusterSettings(l), loadMachineType(l)] as const);
      await clusterCreate(cluster, machine, runner, autopilot);
    });
    act(command(cluster, 'credentials', 'point kubectl at the cluster (gcloud container clusters get-credentials)', CLUSTER_SETTING_NAMES),
      async (lookup, runner) => clusterCredentials(await withProject(lookup, runner, 'the cluster', true, loadClusterSettings), runner));
    act(command(cluster, 'delete', 'delete the cluster (gcloud asks to confirm)', CLUSTER_SETTING_NAMES).option('--yes', 'do not ask to confirm'),
      async (lookup, runner, self) => clusterDelete(await withProject(lookup, runner, 'the cluster', true, loadClusterSettings), runner, self.opts().yes === true));
  });

  define('ip', () => {
    const ip = command(program, 'ip', 'the global static address of the app\'s Ingress (an app with a domain)');
    /** The project and the address's name, which must be set. */
    const addressOf = (action: 'create' | 'delete') => (lookup: SettingLookup) => {
      const address = loadPropSetting(lookup, 'HELLO_NODE_STATIC_IP');
      if (address === undefined) {
        // no default: the Ingress takes the address by the name deploy is given, which must be this one
        throw new CliError(action === 'create'
          ? 'the address needs a name, the one deploy gives the Ingress: --static-ip <name> (or HELLO_NODE_STATIC_IP), e.g. `hello-node ip create --static-ip hello-node-ip`, then deploy with --static-ip hello-node-ip --domain <your domain>'
          : 'name the address to release: --static-ip <name> (or HELLO_NODE_STATIC_IP), the one it was created with, e.g. `hello-node ip delete --static-ip hello-node-ip` (`gcloud compute addresses list --global` lists them)');
      }
      return [loadProject(lookup), address] as const;
    };
    act(command(ip, 'create', 'gcloud compute addresses create <HELLO_NODE_STATIC_IP> --global (unless it exists), then print the address for the domain\'s DNS', ['GCP_PROJECT', 'HELLO_NODE_STATIC_IP']),
      async (lookup, runner) => ipCreate(...await withProject(lookup, runner, 'the address', true, addressOf('create')), runner));
    act(command(ip, 'delete', 'release the address: gcloud compute addresses delete <HELLO_NODE_STATIC_IP> --global (gcloud asks to confirm)', ['GCP_PROJECT', 'HELLO_NODE_STATIC_IP']).option('--yes', 'do not ask to confirm'),
      async (lookup, runner, self) => ipDelete(...await withProject(lookup, runner, 'the address', true, addressOf('delete')), runner, self.opts().yes === true));
  });

  define('deploy', () => {
    act(historyMax(interval(timeout(command(program, 'deploy', 'hello-node synth, kubectl apply (ApplySet, pruning what the app no longer has), roll out every pod, wait, print the URL, record a revision of the release history', [...APP_SETTING_NAMES, ...KUBE_SETTING_NAMES]))
      .option('--no-wait', 'apply and prune, then return without rolling out or waiting')
      .option('--restart', 'replace every pod even if its template is unchanged (a tag pushed again)'), POLL_SECONDS.deploy)),
    async (lookup, runner, self, { environment }) => {
      const [settings, options] = await withProject(lookup, runner, 'the image', false, (l) => [loadAppSettings(l), deployOptions(self, l, environment, self.opts().wait !== false)] as const);
      await deploying().deploy(await appOf(settings.props.namespace), runner, options);
    });
  });
  define('diff', () => {
    act(command(program, 'diff', 'what deploy (or rollback --to-revision) would change in the cluster (server-side), and prune; exit 0 when nothing, 1 when something, 2 or more when diff failed', [...APP_SETTING_NAMES, ...KUBE_SETTING_NAMES])
      .option('--to-revision <n>', 'compare a revision of the release history, not the app synthesized'),
    async (lookup, runner, self, { environment }) => {
        let code: number;
        try {
          const toRevision = self.opts().toRevision === undefined ? undefined : parseRevision('flag --to-revision', String(self.opts().toRevision));
          if (toRevision !== undefined) {
            // a revision's objects are what they were: a setting of the app would be silently ignored
            const ignored = APP_SETTING_NAMES.filter((name) => name !== 'HELLO_NODE_NAMESPACE').map(lookup).find((raw) => raw?.fromFlag);
            if (ignored) {
              throw new ValidationError(ignored.source, ignored.value, 'would be ignored with --to-revision, which compares the objects the revision holds: drop one of them');
            }
            code = await deploying().diff(await appOf(loadPropSetting(lookup, 'HELLO_NODE_NAMESPACE')), runner, deployOptions(self, lookup, environment, false), toRevision);
          } else {
            const [settings, options] = await withProject(lookup, runner, 'the image', false, (l) => [loadAppSettings(l), deployOptions(self, l, environment, false)] as const);
            code = await deploying().diff(await appOf(settings.props.namespace), runner, options);
          }
        } catch (err) {
          // kubectl diff's convention: 1 means "there are differences", so a failure is 2 or more
          throw new DiffFailedError(err);
        }
        if (code !== 0) {
          throw new ExitCode(code);
        }
      });
  });
  define('up', () => {
    act(historyMax(interval(timeout(command(program, 'up', 'image build, image push, deploy by the pushed digest, wait, print the URL, record a revision of the release history', [...APP_SETTING_NAMES, ...PLATFORM_SETTING_NAMES, ...BUILD_SETTING_NAMES, ...KUBE_SETTING_NAMES]))
      .option('--keep-tag', 'deploy the image by its tag, not by the digest the registry returned')
      .option('--restart', 'replace every pod even if its template is unchanged'), POLL_SECONDS.deploy)),
    async (lookup, runner, self, { environment }) => {
      const [settings, options] = await withProject(lookup, runner, 'the image', true, (l) => [loadAppSettings(l), { ...deployOptions(self, l, environment, true), keepTag: self.opts().keepTag === true, platform: loadPlatform(l), buildDir: loadBuildDir(l) }] as const);
      await deploying().up(await appOf(settings.props.namespace), settings, runner, options);
    });
  });

  define('promote', () => {
    act(historyMax(interval(timeout(command(program, 'promote', `deploy to the --env environment the image, by digest, that the --from environment's current revision runs, with the --env environment's own settings for the rest; roll out, wait and record as deploy does ("promoted from <environment> revision <n>")`, [...APP_SETTING_NAMES.filter((name) => !IMAGE_SETTING_NAMES.includes(name)), ...KUBE_SETTING_NAMES])
      .requiredOption('--from <environment>', `the environment of ${SETTINGS_FILE} whose image to deploy`)), POLL_SECONDS.deploy)),
    async (lookup, runner, self, { file, environment, environmentSource, base }) => {
      const from = checkEnvironment(file, { value: String(self.opts().from), source: 'flag --from' }, environment);
      if (environment === undefined || from === undefined) {
        throw new CliError(`promote deploys one environment's image to another: name the one to deploy to with --env <name> (or ${ENVIRONMENT_VARIABLE}), and define both in ${SETTINGS_FILE}`);
      }
      if (from === environment) {
        throw new ValidationError('flag --from', from, `is the environment promote deploys to (${environmentSource}): name the one whose image to take`);
      }
      // the source as its section of the file has it: variables and flags are the target's
      const source = fromFile(file, from);
      const sourceContext = loadKubeContext(source);
      // what reading the source says, and the commands it suggests, are the source's
      const target = { ...hints };
      Object.assign(hints, { environment: from, kubeContext: sourceContext });
      const promoted = await promotions().promotion(await appOf(loadPropSetting(source, 'HELLO_NODE_NAMESPACE')), inKubeContext(base, sourceContext), from);
      Object.assign(hints, target);
      runner.say(`${runner.dryRun ? '# ' : ''}promoting ${promoted.image}${promoted.revision ? `, ${from}'s revision ${promoted.revision},` : ''} to ${environment}`);
      // the image is the promoted one, whatever this environment's image settings say
      const imageSettings: readonly string[] = IMAGE_SETTING_NAMES;
      const promotedLookup: SettingLookup = (name) => (name === 'HELLO_NODE_IMAGE'
        ? { value: promoted.image, source: promoted.description, origin: promoted.description }
        : imageSettings.includes(name) && name !== 'GCP_PROJECT' ? undefined : lookup(name));
      const options = { ...deployOptions(self, promotedLookup, environment, true), description: promoted.description, command: `promote --from ${from}` };
      if (!runner.dryRun) {
        loadAppSettings(promotedLookup);
      }
      await deploying().deploy(await appOf(loadPropSetting(lookup, 'HELLO_NODE_NAMESPACE')), runner, options);
    });
  });
  define('config', () => {
    act(command(program, 'config', `the settings of the --env environment (else ${SETTINGS_FILE}'s top level) as the commands resolve them, each with where it came from: flag, variable NAME, ${SETTINGS_FILE}:LINE or default`, SETTING_NAMES)
      .option('--json', 'print them as JSON, for scripts'),
    async (_lookup, runner, self, project) => config(project, runner, self.opts().json === true));
  });
  define('history', () => {
    act(command(program, 'history', 'the app\'s release history, newest last: each revision\'s number (the current one marked *), time, status, images and what wrote it', settingsOf('deployed', 'kube')),
      async (lookup, runner) => histories().history(await appOf(loadPropSetting(lookup, 'HELLO_NODE_NAMESPACE')), runner));
  });
  define('rollback', () => {
    act(historyMax(interval(timeout(command(program, 'rollback', 'apply a revision of the release history again (by default the previous successful one), roll out every pod as deploy does, prune what it did not have, wait, print the URL, record a new revision', settingsOf('deployed', 'kube'))
      .option('--to-revision <n>', 'the revision to go back to (hello-node history lists them)')), POLL_SECONDS.deploy)),
    async (lookup, runner, self) => {
      const toRevision = self.opts().toRevision === undefined ? undefined : parseRevision('flag --to-revision', String(self.opts().toRevision));
      await deploying().rollback(await appOf(loadPropSetting(lookup, 'HELLO_NODE_NAMESPACE'), true), runner, { ...rolloutOptions(self, true), toRevision });
    });
  });
  define('scale', () => {
    const scale = command(program, 'scale', 'kubectl scale one of the app\'s workloads (the next deploy resets it; refused when an autoscaler sizes it)', ['HELLO_NODE_NAMESPACE', 'HELLO_NODE_REPLICAS', ...KUBE_SETTING_NAMES])
      // optional to the parser only, so that `scale --replicas 5` is told what it needs (below)
      .argument('[replicas]', 'how many pods')
      .argument('[workload]', 'kind/name or name of the workload, when the app has several')
      .usage('[options] <replicas> [workload]');
    // HELLO_NODE_REPLICAS is read for what the next deploy resets the count to; its flag is no count to scale to
    scale.options.find((option) => option.long === SETTINGS.HELLO_NODE_REPLICAS.flag)?.hideHelp();
    act(scale, async (lookup, runner, self) => {
      const configured = lookup('HELLO_NODE_REPLICAS');
      if (configured?.fromFlag) {
        // the flag would read as the count to scale to, and be silently ignored
        throw new ValidationError(configured.source, configured.value, 'is what deploys set, not what scale does: give the count as scale\'s argument: `hello-node scale <replicas>`');
      }
      if (self.args[0] === undefined) {
        self.error('error: missing required argument \'replicas\'');
      }
      const count = loadPropSetting(lookup, 'HELLO_NODE_REPLICAS');
      const max = loadPropSetting(lookup, 'HELLO_NODE_MAX_REPLICAS');
      const next = count !== undefined ? { replicas: count, source: configured?.source ?? '' }
        : max !== undefined ? { maxReplicas: max, source: lookup('HELLO_NODE_MAX_REPLICAS')?.source ?? '' } : undefined;
      return scaling().scale(await appOf(loadPropSetting(lookup, 'HELLO_NODE_NAMESPACE'), true), next, runner, parseWholeNumber({ value: self.args[0], source: 'argument <replicas>' }, checkReplicas), self.args[1]);
    });
  });
  define('status', () => {
    act(command(program, 'status', 'every workload (desired, updated, ready) with its pods, every autoscaler (bounds, counts, target), every Service and Ingress with its address, and each certificate\'s state, that the app\'s deploys applied', settingsOf('deployed', 'kube')),
      async (lookup, runner) => statuses().status(await appOf(loadPropSetting(lookup, 'HELLO_NODE_NAMESPACE')), runner));
  });
  define('url', () => {
    act(interval(timeout(command(program, 'url', 'wait for each Ingress\'s and LoadBalancer Service\'s external address and print https://<domain>/ or http://<address>/ (with a domain: where its DNS must point and its certificate\'s state)', settingsOf('deployed', 'kube'))), POLL_SECONDS.url),
    async (lookup, runner, self) => urls().url(await appOf(loadPropSetting(lookup, 'HELLO_NODE_NAMESPACE')), runner, { timeoutSeconds: seconds(self, 'timeout'), intervalSeconds: seconds(self, 'interval') }, context.clock));
  });
  define('teardown', () => {
    act(command(program, 'teardown', 'delete exactly what the app\'s deploys applied, in every chart, then their record (never --all)', settingsOf('deployed', 'kube')),
      async (lookup, runner) => teardowns().teardown(await appOf(loadPropSetting(lookup, 'HELLO_NODE_NAMESPACE'), true), runner));
  });
  return program;
}

/** Runs the CLI and resolves to its exit code. */
export async function main(argv: readonly string[], given: Partial<CliContext> = {}): Promise<number> {
  const base = { ...realContext(), ...given };
  const hints: Hints = {};
  // stderr only: stdout carries results, manifests under `synth --stdout` among them, byte for byte
  const context = { ...base, hints, stderr: hintingStream(base.invocation, hints, base.stderr) };
  // a run that names its command first defines that one alone: each of the others'
  // dozens of options costs its start some 5 ms in all (docs/contributing.md, "Speed")
  const named = buildProgram(context, argv[0]);
  const program = named.commands.length > 0 ? named : buildProgram(context);
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return 1;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    return exitCodeFor(err, context.stderr, argv.includes('--verbose'));
  }
}

function exitCodeFor(err: unknown, stderr: NodeJS.WritableStream, verbose: boolean): number {
  if (err instanceof DiffFailedError) {
    return Math.max(2, exitCodeFor(err.failure, stderr, verbose));
  }
  const say = (line: string) => stderr.write(`hello-node: ${line}\n`);
  if (err instanceof CommanderError) {
    return err.exitCode; // commander has printed the help or the usage error
  }
  if (err instanceof ExitCode) {
    return err.code;
  }
  if (err instanceof SynthFailedError) {
    err.lines.forEach((line) => stderr.write(`hello-node synth failed: ${line}\n`));
    return err.exitCode;
  }
  if (err instanceof SynthInterruptedError) {
    stderr.write(`hello-node synth ${err.message}\n`);
    return err.exitCode;
  }
  // a deploy's (DeployInterruptedError): its module is loaded only when a deploy ran
  if (err instanceof InterruptedError) {
    say(err.message);
    return err.exitCode;
  }
  if (err instanceof ExplainedKubectlError) {
    // under --verbose, kubectl's own output has already gone by
    say(err.message);
    return 1;
  }
  if (err instanceof ToolFailedError) {
    // kubectl's (or docker push's) error output was held back to be explained; unexplained, it is shown
    if (isExplained(err.command) && !verbose && err.stderr.trim()) {
      stderr.write(`${err.stderr.trimEnd()}\n`);
    }
    say(err.message);
    return err.exitCode;
  }
  if (err instanceof ValidationError || err instanceof CliError || err instanceof SettingsFileError) {
    say(err.message);
    return err instanceof CliError ? err.exitCode : 1;
  }
  say((err as Error).stack ?? String(err));
  return 1;
}
