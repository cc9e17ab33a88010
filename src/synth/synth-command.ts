/**
 * `hello-node synth` (what `npm run synth` runs, and `deploy`, `diff` and `up` too):
 * cdk8s-cli's `cdk8s synth`, with every flag and mode of it, and around it the
 * promises a synth keeps (docs/user-guide.md, "What each command guarantees").
 *
 * cdk8s-cli deletes its output directory before it starts the app, and leaves it
 * deleted or half-written when anything fails, so it is never given the real one: it
 * writes into a staging directory in the state directory beside the output
 * (output-dir.ts), and only once it has succeeded does this command put that in the
 * output's place (after keeping a copy, for a bare `cdk8s synth` that fails later).
 * Before anything is written to it, the output directory is checked (the project root,
 * its ancestors and directories holding files no synth wrote are refused) and locked.
 * So a failure of any kind, before the app starts (a syntax error, a bad flag), in the
 * app, in a validation plugin, or a signal, leaves the output as it was; and the
 * command exits only after cdk8s-cli and the app have.
 *
 * `--stdout` is the same synth into a temporary directory, whose manifests are then
 * printed with `---` between files (cdk8s-cli prints them back to back, and the last
 * object of one file and the first of the next become one document). It never
 * touches an output directory.
 *
 * It never loads cdk8s: cdk8s-cli runs as a process, and the app is told by
 * {@link STAGING_ENV} that the staging directory is this command's to put in place.
 *
 * cdk8s-cli itself is run only where it adds something: validation plugins, a Helm
 * chart, its checks of the Helm flags, an app named nowhere. Otherwise (a plain synth,
 * `npm run synth`'s and every deploy's) the app command runs as cdk8s-cli's own
 * `synthApp` runs it (util.ts: through a shell, in the project root, with CDK8S_OUTDIR
 * and CDK8S_RECORD_CONSTRUCT_METADATA, its stdout swallowed), and the same lines are
 * printed, so that no synth pays cdk8s-cli's start-up (some 500 modules, TypeScript
 * among them) for work it does not do.
 *
 * That app may already run when this command gets to it: started as the CLI started,
 * as the last synth with the same arguments, environment, cdk8s.yaml and hello-node.yaml
 * ran it ({@link EarlySynth}, bin/early-synth.js), into a directory of its own. It is
 * adopted only when it is exactly the app this synth would run, once the output is
 * checked and locked; any other way (a refused output), it is stopped, and what it wrote
 * removed, before anything else runs.
 */
import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { LockedError } from '../../lib/lock';
import { checkOnlyOursIn, commitOutput, EARLY_STAGING, isInside, lockOutput, makeStagingDir, MANIFEST_EXTENSION, OutputDirectoryError, outputOf, STAGING_ENV } from '../../lib/output-dir';
import { SETTINGS_FILE } from '../../lib/settings-file';
import { InterruptedError, signalExitCode, watchTermination } from '../../lib/signals';

/** cdk8s-cli's output directory when neither `--output` nor cdk8s.yaml names one. */
export const DEFAULT_OUTDIR = 'dist';

/**
 * The flags of `cdk8s synth` (cdk8s-cli's src/cli/cmds/synth.ts), each also read, as
 * cdk8s-cli reads it, from `CDK8S_<FLAG>` (yargs' `.env('CDK8S')`) when not given.
 */
export interface Cdk8sSynthFlags {
  /** `--app`: the command that runs the cdk8s app. @default cdk8s.yaml's `app` */
  readonly app?: string;
  /** `--output`: the output directory, relative to the project root. @default cdk8s.yaml's `output`, else `dist` */
  readonly output?: string;
  /** `--stdout`: print the manifests instead of writing an output directory. @default false */
  readonly stdout?: boolean;
  /** `--plugins-dir`. @default cdk8s.yaml's `pluginsDirectory`, else `~/.cdk8s/plugins` */
  readonly pluginsDir?: string;
  /** `--validate` / `--no-validate`: run cdk8s.yaml's `validations`. @default true */
  readonly validate?: boolean;
  /** `--validation-reports-output-file`. @default none */
  readonly validationReportsOutputFile?: string;
  /** `--format`: `plain` or `helm`. @default cdk8s.yaml's `synthConfig.format`, else `plain` */
  readonly format?: string;
  /** `--chart-api-version` (with `--format helm`). @default `v2` */
  readonly chartApiVersion?: string;
  /** `--chart-version` (required with `--format helm`). @default cdk8s.yaml's `synthConfig.chartVersion` */
  readonly chartVersion?: string;
}

/** The `cdk8s synth` flags that take a value, as [attribute, flag]; the booleans are handled by name. */
const VALUE_FLAGS = [
  ['app', '--app'],
  ['pluginsDir', '--plugins-dir'],
  ['validationReportsOutputFile', '--validation-reports-output-file'],
  ['format', '--format'],
  ['chartApiVersion', '--chart-api-version'],
  ['chartVersion', '--chart-version'],
] as const;

/** How a synth runs the app where cdk8s-cli would only run it: `spawn(command, [], options)`, writing into `staging`. */
export interface AppSpawn {
  readonly command: string;
  readonly options: SpawnOptions & { readonly cwd: string; readonly env: NodeJS.ProcessEnv };
  readonly staging: string;
}

/**
 * The app of this synth, started as the CLI started, before it loaded
 * (bin/early-synth.js): the synth adopts it when it would run that very app, and
 * otherwise stops it (and removes what it wrote) before it starts its own.
 */
export interface EarlySynth {
  /** The directory the early app writes into (`early-<pid>` in an output's state directory), if one was started. */
  readonly staging?: string;
  /** The early app, if `spawn` is exactly how it was started (command, directory, environment); else it is stopped first. */
  adopt(spawn: AppSpawn): Promise<{ child: ChildProcess; closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } | undefined>;
  /** Stops the early app, unless it was adopted, and removes what it wrote. */
  discard(): Promise<void>;
  /** Records `spawn` for the next synth with the same arguments, environment and `output.inputs` to start early. */
  remember(spawn: AppSpawn, output: EarlyOutput): void;
}

/** Where the app of an early start writes, and what decides whether it may start. */
export interface EarlyOutput {
  /** What its staging directory's name starts with, the process id following. */
  readonly stagingPrefix: string;
  /** The variables of the environment that name the staging directory, absolute or relative to the project root. */
  readonly stagingVariables: Readonly<Record<string, 'absolute' | 'relative'>>;
  /** The output's lock: no early start while another live synth holds it. */
  readonly lockFile: string;
  /** The files that decided what the synth ran (cdk8s.yaml, hello-node.yaml): no early start once one changed. */
  readonly inputs: readonly string[];
}

export interface SynthCommandOptions {
  /** Where cdk8s.yaml is; cdk8s-cli runs here. */
  readonly projectRoot: string;
  readonly flags: Cdk8sSynthFlags;
  /** The environment of cdk8s-cli and the app (settings included). */
  readonly env: NodeJS.ProcessEnv;
  /** Show cdk8s-cli's and the app's whole error output as it comes, not only one line per failure. */
  readonly verbose: boolean;
  /** Progress: cdk8s-cli's output, naming the output directory (stdout for `synth`; stderr under `deploy`). */
  progress(line: string): void;
  /** What cdk8s-cli and the app print on stderr, when the synth succeeds (warnings), and everything under `verbose`. */
  warn(line: string): void;
  /** The manifests, under `--stdout`. */
  write(text: string): void;
  /** The app started early for this synth, to adopt or stop. @default none */
  readonly early?: EarlySynth;
}

/** A synth that failed; `lines` say why, one per failure, and the output is as it was. */
export class SynthFailedError extends Error {
  constructor(readonly lines: readonly string[], readonly exitCode = 1) {
    super(lines.join('; '));
    this.name = 'SynthFailedError';
  }
}

/** The synth stopped on a signal, after cdk8s-cli and the app had; the output is as it was. */
export class SynthInterruptedError extends InterruptedError {
  constructor(signal: NodeJS.Signals, where: string) {
    super(signal, `interrupted by ${signal}; ${where}`);
    this.name = 'SynthInterruptedError';
  }
}

/** What cdk8s-cli reads of cdk8s.yaml that decides where the output goes. */
interface Cdk8sConfig {
  readonly output?: string;
  readonly format?: string;
  /** The app command; undefined when cdk8s.yaml names none as a string. */
  readonly app?: string;
  /** Whether cdk8s.yaml has Helm settings (`synthConfig`'s chart version or API version, a format other than plain). */
  readonly helm: boolean;
  /** Whether cdk8s.yaml lists validations (or names a file of them). */
  readonly validations: boolean;
}

/** The last cdk8s.yaml parsed, by its text: a synth reads the file three times (outputDirOf, checkSynth, plainApp), and parses it once. */
let lastParsed: { text: string; config: Cdk8sConfig } | undefined;

/** cdk8s-cli's configuration file, in the project root. */
const CDK8S_YAML = 'cdk8s.yaml';

function readConfig(projectRoot: string): Cdk8sConfig {
  const file = path.join(projectRoot, CDK8S_YAML);
  if (!fs.existsSync(file)) {
    return { helm: false, validations: false };
  }
  const text = fs.readFileSync(file, 'utf8');
  if (lastParsed?.text !== text) {
    lastParsed = { text, config: parseConfig(file, text) };
  }
  return lastParsed.config;
}

function parseConfig(file: string, source: string): Cdk8sConfig {
  let config: { output?: unknown; app?: unknown; validations?: unknown; synthConfig?: { format?: unknown; chartVersion?: unknown; chartApiVersion?: unknown } };
  try {
    config = parse(source) ?? {};
  } catch (err) {
    throw new SynthFailedError([`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const synthConfig = config.synthConfig ?? {};
  const helm = synthConfig.chartVersion !== undefined || synthConfig.chartApiVersion !== undefined || (synthConfig.format !== undefined && synthConfig.format !== 'plain');
  return { output: text(config.output), format: text(synthConfig.format), app: text(config.app), helm, validations: config.validations !== undefined };
}

/** A flag's value, else `CDK8S_<FLAG>` as yargs reads it (a boolean is `true` or `false`). */
function fromEnv(env: NodeJS.ProcessEnv, flag: string): string | undefined {
  const value = env[`CDK8S_${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`];
  return value === '' ? undefined : value;
}

/** A boolean `CDK8S_<FLAG>`, as cdk8s-cli's yargs reads it: `true` is true, anything else false. */
function booleanFromEnv(env: NodeJS.ProcessEnv, flag: string): boolean | undefined {
  const value = fromEnv(env, flag);
  return value === undefined ? undefined : value === 'true';
}

/** The output directory a synth with these flags writes, as the user named it (relative to the project root, or absolute); undefined under `--stdout`. */
export function outputDirOf(projectRoot: string, flags: Cdk8sSynthFlags, env: NodeJS.ProcessEnv): string | undefined {
  const config = readConfig(projectRoot);
  const stdout = flags.stdout ?? booleanFromEnv(env, '--stdout') ?? false;
  const output = flags.output ?? fromEnv(env, '--output');
  // cdk8s-cli's own rules for --stdout (its synth command), checked here since it is never given --stdout
  if (stdout && output !== undefined && output !== config.output) {
    throw new SynthFailedError([`--stdout and --output ${output} cannot be combined: one prints the manifests, the other writes them (cdk8s-cli's rule)`]);
  }
  const format = flags.format ?? fromEnv(env, '--format') ?? config.format;
  if (stdout && format === 'helm') {
    const from = flags.format !== undefined ? '--format helm' : fromEnv(env, '--format') !== undefined ? 'CDK8S_FORMAT=helm' : 'cdk8s.yaml\'s synthConfig.format: helm';
    throw new SynthFailedError([`--stdout cannot print a Helm chart (${from}): write it to a directory (cdk8s-cli's rule)`]);
  }
  return stdout ? undefined : (output ?? config.output ?? DEFAULT_OUTDIR);
}

/**
 * Checks what a synth with these flags would write, as the synth itself checks it
 * before anything runs (for --dry-run, which runs nothing).
 *
 * @throws SynthFailedError for flags cdk8s-cli cannot combine, or an output directory
 *   that is refused (the project root, one of its parents, a file)
 */
export function checkSynth(projectRoot: string, flags: Cdk8sSynthFlags, env: NodeJS.ProcessEnv): void {
  const shown = outputDirOf(projectRoot, flags, env);
  if (shown === undefined) {
    return;
  }
  const unit = path.resolve(projectRoot, shown);
  try {
    outputOf(unit, projectRoot, unit);
  } catch (err) {
    throw err instanceof OutputDirectoryError ? new SynthFailedError([err.message]) : err;
  }
}

/** The arguments that give cdk8s-cli the flags it was given here, but for `--output` and `--stdout`, which this command decides. */
function passedOn(flags: Cdk8sSynthFlags): string[] {
  const args = VALUE_FLAGS.flatMap(([attribute, flag]) => (flags[attribute] === undefined ? [] : [flag, String(flags[attribute])]));
  return flags.validate === undefined ? args : [...args, flags.validate ? '--validate' : '--no-validate'];
}

/** The flags of `hello-node synth` that do what this synth does, as --dry-run shows it. */
export function synthCommandArgs(flags: Cdk8sSynthFlags): string[] {
  return [...(flags.output === undefined ? [] : ['--output', flags.output]), ...(flags.stdout ? ['--stdout'] : []), ...passedOn(flags)];
}

/**
 * Runs the synth (see this module's comment).
 *
 * @returns the output directory, absolute; undefined under `--stdout`
 * @throws SynthFailedError for any failure (flags cdk8s-cli cannot combine among
 *   them), SynthInterruptedError after SIGINT or SIGTERM
 */
export async function synthCommand(options: SynthCommandOptions): Promise<string | undefined> {
  if (options.flags.app === undefined && fromEnv(options.env, '--app') === undefined && !fs.existsSync(path.join(options.projectRoot, CDK8S_YAML))) {
    // before anything is written: outside a project, cdk8s-cli would only say that an app is missing
    throw new SynthFailedError([`there is no cdk8s.yaml in ${options.projectRoot} or any directory above it: run hello-node in a cdk8s project (npx cdk8s init typescript-app makes one), or give the app's command with --app`]);
  }
  const shown = outputDirOf(options.projectRoot, options.flags, options.env);
  const signals = watchSignals();
  try {
    if (shown === undefined) {
      await synthToStdout(options, signals);
      return undefined;
    }
    return await synthToOutputDir(options, shown, signals);
  } catch (err) {
    // the file system's refusals (a read-only directory, a full disk) are the user's to fix: one line
    throw isSystemError(err) ? new SynthFailedError([err.message]) : err;
  } finally {
    signals.stop();
  }
}

const isSystemError = (err: unknown): err is NodeJS.ErrnoException => err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';

async function synthToOutputDir(options: SynthCommandOptions, shown: string, signals: Signals): Promise<string> {
  // a symlink to a directory is written through, and locked as that directory
  const named = path.resolve(options.projectRoot, shown);
  const unit = fs.existsSync(named) ? fs.realpathSync(named) : named;
  let output;
  let release;
  try {
    output = outputOf(unit, options.projectRoot, unit);
    // before the lock, which makes the state directory: a refused synth leaves nothing
    checkOnlyOursIn(output, unit, MANIFEST_EXTENSION);
    release = lockOutput(output);
  } catch (err) {
    throw err instanceof OutputDirectoryError || err instanceof LockedError ? new SynthFailedError([err.message]) : err;
  }
  let staging: string | undefined;
  try {
    // the early app's, if it writes for this output: the synth's own, whether it adopts that app or runs another
    const early = options.early?.staging;
    staging = early !== undefined && path.dirname(early) === output.stateDir ? early : makeStagingDir(output);
    // cdk8s-cli names what it wrote by the --output it was given: the staging directory stands for the output
    const stagingArg = path.isAbsolute(shown) ? staging : path.relative(options.projectRoot, staging);
    const shownDir = shown.replace(/(.)\/+$/, '$1');
    const rename = (line: string) => line.split(stagingArg).join(shownDir);
    // a reports file asked for inside the output goes into the staging directory that replaces it
    const reports = options.flags.validationReportsOutputFile;
    const reportsInside = reports !== undefined && isInside(path.resolve(options.projectRoot, reports), unit);
    const flags = reportsInside ? { ...options.flags, validationReportsOutputFile: path.join(staging, path.relative(unit, path.resolve(options.projectRoot, reports))) } : options.flags;
    const ran = await runCdk8s({ ...options, flags }, staging, stagingArg, rename, signals, `${shown} is as it was`, (line) => options.progress(line));
    if (!fs.existsSync(staging)) {
      throw new SynthFailedError([`the app wrote no output where cdk8s-cli asked (${STAGING_ENV}, CDK8S_OUTDIR); does it give its App an outdir of its own?`]);
    }
    commitOutput(output, staging);
    staging = undefined;
    if (ran !== undefined) {
      options.early?.remember(ran, {
        stagingPrefix: path.join(output.stateDir, EARLY_STAGING),
        stagingVariables: { [STAGING_ENV]: 'absolute', CDK8S_OUTDIR: path.isAbsolute(stagingArg) ? 'absolute' : 'relative' },
        lockFile: output.lockFile,
        inputs: [CDK8S_YAML, SETTINGS_FILE].map((file) => path.join(options.projectRoot, file)),
      });
    }
    return unit;
  } catch (err) {
    throw err instanceof OutputDirectoryError ? new SynthFailedError([err.message]) : err;
  } finally {
    if (staging) {
      fs.rmSync(staging, { recursive: true, force: true });
    }
    release();
  }
}

async function synthToStdout(options: SynthCommandOptions, signals: Signals): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-synth-'));
  try {
    // cdk8s-cli's own lines name the scratch directory: they are not what --stdout prints
    const progress = (line: string) => {
      if (line !== 'Synthesizing application' && !line.startsWith(`  - ${scratch}`)) {
        options.warn(line);
      }
    };
    await runCdk8s(options, scratch, scratch, (line) => line, signals, 'nothing was printed', progress);
    options.write(manifestStream(scratch));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The manifests under `dir` as one YAML stream, with `---` between files: the files
 * cdk8s-cli counts as manifests (ending `.yaml`), in the order `kubectl apply -f
 * dir/` reads them (filepath.Walk: each directory's entries sorted by name).
 */
export function manifestStream(dir: string): string {
  const texts: string[] = [];
  const walk = (at: string) => {
    for (const name of fs.readdirSync(at).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const entry = path.join(at, name);
      if (fs.statSync(entry).isDirectory()) {
        walk(entry);
      } else if (name.endsWith('.yaml')) {
        const text = fs.readFileSync(entry, 'utf8');
        if (text.trim() !== '') {
          texts.push(text.endsWith('\n') ? text : `${text}\n`);
        }
      }
    }
  };
  walk(dir);
  // files the app's synth wrote start with `---` themselves (lib/synth.ts)
  return texts.map((text, i) => (i === 0 || text.startsWith('---') ? text : `---\n${text}`)).join('');
}

/**
 * Where cdk8s-cli is: the project's own, as npx finds it (`cdk8s init` installs it as a
 * devDependency), else the one beside hello-node itself (a clone of this repository, run
 * on a project that has none).
 */
function cdk8sCli(projectRoot: string): string {
  for (const start of [projectRoot, __dirname]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const bin = path.join(dir, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
      if (fs.existsSync(bin)) {
        return bin;
      }
      if (path.dirname(dir) === dir) {
        break;
      }
    }
  }
  throw new SynthFailedError([`cdk8s-cli is not installed in ${projectRoot}: run npm install (a project made by cdk8s init has it), or npm install --save-dev cdk8s-cli`]);
}

/** The cdk8s-cli flags (and their `CDK8S_*` variables) that only cdk8s-cli carries out: validations, reports, Helm. */
const CLI_ONLY_FLAGS = ['--plugins-dir', '--validation-reports-output-file', '--format', '--chart-api-version', '--chart-version'] as const;

/**
 * The app command when cdk8s-cli would only run it (see this module's comment): a plain
 * synth, no validations, an app named by `--app`, CDK8S_APP or cdk8s.yaml; undefined
 * when cdk8s-cli is needed.
 */
function plainApp(options: SynthCommandOptions): string | undefined {
  const config = readConfig(options.projectRoot);
  const given = (flag: (typeof CLI_ONLY_FLAGS)[number]) => options.flags[VALUE_FLAGS.find(([, f]) => f === flag)![0]] !== undefined || fromEnv(options.env, flag) !== undefined;
  const validate = options.flags.validate ?? booleanFromEnv(options.env, '--validate') ?? true;
  if (CLI_ONLY_FLAGS.some(given) || config.helm || (config.validations && validate)) {
    return undefined;
  }
  return options.flags.app ?? fromEnv(options.env, '--app') ?? config.app;
}

/**
 * The manifests cdk8s-cli lists after a synth, as it names and orders them (util.ts,
 * findManifests): each directory's files, then its directories', each `<dir>/<name>`
 * with `dir` as it was given.
 */
function listedManifests(projectRoot: string, dir: string): string[] {
  const entries = fs.readdirSync(path.resolve(projectRoot, dir), { withFileTypes: true });
  return [
    ...entries.filter((e) => !e.isDirectory() && e.name.endsWith('.yaml')).map((e) => `${dir}/${e.name}`),
    ...entries.filter((e) => e.isDirectory()).flatMap((e) => listedManifests(projectRoot, `${dir}/${e.name}`)),
  ];
}

/**
 * Runs `cdk8s synth` into `staging`, in a process group of its own so that a signal
 * reaches it (and the app) only through this command, which then waits for all of it
 * to end; or, where cdk8s-cli would only run the app ({@link plainApp}), the app alone,
 * as cdk8s-cli runs it, with cdk8s-cli's lines. Their stdout goes line by line,
 * renamed, to `onStdout`; their stderr is held and, when it fails, told as one line per
 * failure.
 *
 * An app started early ({@link EarlySynth}) is adopted when it is that very app, and
 * stopped otherwise, before anything else starts.
 *
 * @param outdir the output directory cdk8s-cli is given (`--output`), as it names it
 * @param unchanged what a failure leaves, for its message
 * @returns how the app alone ran, where cdk8s-cli was not needed
 */
async function runCdk8s(options: SynthCommandOptions, staging: string, outdir: string, rename: (line: string) => string, signals: Signals, unchanged: string, onStdout: (line: string) => void): Promise<AppSpawn | undefined> {
  const env: NodeJS.ProcessEnv = { ...options.env, [STAGING_ENV]: staging, CDK8S_CHECK_UPGRADE: 'false' };
  // this command decides where the output goes: cdk8s-cli must not read it from the environment too
  delete env.CDK8S_OUTPUT;
  delete env.CDK8S_STDOUT;
  const app = plainApp(options);
  // cdk8s-cli's synthApp: through a shell, its stdout swallowed (util.ts)
  const appSpawn: AppSpawn | undefined = app === undefined ? undefined : {
    command: app,
    options: {
      shell: true,
      cwd: options.projectRoot,
      env: { ...env, CDK8S_OUTDIR: outdir, CDK8S_RECORD_CONSTRUCT_METADATA: env.CDK8S_RECORD_CONSTRUCT_METADATA ?? 'false' },
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
    staging,
  };
  const adopted = appSpawn !== undefined ? await options.early?.adopt(appSpawn) : undefined;
  if (adopted === undefined) {
    await options.early?.discard();
    if (signals.received) {
      throw new SynthInterruptedError(signals.received, unchanged);
    }
    if (appSpawn !== undefined) {
      // cdk8s-cli deletes its output directory before it runs the app (synth.ts): an app that writes none fails alike
      fs.rmSync(path.resolve(options.projectRoot, outdir), { recursive: true, force: true });
    }
  }
  const child = adopted?.child ?? (appSpawn === undefined
    ? spawn(process.execPath, [cdk8sCli(options.projectRoot), 'synth', '--no-check-upgrade', '--output', outdir, ...passedOn(options.flags)], {
      cwd: options.projectRoot,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    : spawn(appSpawn.command, [], appSpawn.options));
  const stopForwarding = signals.forwardTo(child.pid);
  const before = adopted === undefined ? undefined : signals.received;
  if (before !== undefined && child.pid !== undefined) {
    // a signal since the synth began, before the early app was adopted, reaches it now, as if it had come while it ran
    try {
      process.kill(-child.pid, before);
    } catch {
      // the app has ended meanwhile
    }
  }
  // loaded once the child runs, beside it rather than before it
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createInterface } = require('node:readline') as typeof import('node:readline');
  const stderr: string[] = [];
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => onStdout(rename(line)));
  } else {
    onStdout('Synthesizing application');
  }
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(rename(line));
    if (options.verbose) {
      options.warn(rename(line));
    }
  });
  // 'close': every process holding its output (the app too) has ended
  const closed = adopted?.closed ?? new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  let exitCode = await closed.then(({ code, signal }) => code ?? (signal ? signalExitCode(signal) : 1)).finally(stopForwarding);
  if (signals.received) {
    throw new SynthInterruptedError(signals.received, unchanged);
  }
  if (app !== undefined) {
    // what cdk8s-cli says after the app, and how it exits
    const say = (line: string) => {
      stderr.push(rename(line));
      if (options.verbose) {
        options.warn(rename(line));
      }
    };
    if (exitCode !== 0) {
      say(`Error: command "${app} " at ${options.projectRoot} returned a non-zero exit code ${exitCode}`);
      exitCode = 1;
    } else if (!fs.existsSync(path.resolve(options.projectRoot, outdir))) {
      say(`ERROR: synthesis failed, app expected to create "${outdir}"`);
      exitCode = 1;
    } else {
      const manifests = listedManifests(options.projectRoot, outdir);
      manifests.forEach((file) => onStdout(rename(`  - ${file}`)));
      if (manifests.length === 0) {
        say('No manifests synthesized');
      }
    }
  }
  if (exitCode !== 0) {
    throw new SynthFailedError(failureLines(stderr, options.projectRoot, options.verbose), exitCode);
  }
  if (!options.verbose) {
    stderr.forEach((line) => options.warn(line));
  }
  return appSpawn;
}

/** cdk8s-cli's line for an app that failed: the app has said why (or the lines before it have). */
const APP_FAILED = /^Error: command ".*" at .* returned a non-zero exit code (\d+)$/;
const APP_LINE = 'hello-node synth failed: ';
/** The line of a JavaScript error as Node prints it: `TypeError: …`, `Error [ERR_X]: …`. */
const ERROR_LINE = /^(\w*Error)(?: \[\w+\])?: (.*)$/;
/** The first line Node prints for an uncaught error thrown at `file:line`. */
const THROW_SITE = /^(\/.*|[A-Za-z]:\\.*):(\d+)$/;
const STACK_FRAME = /^\s+at /;
/** The file and line of a stack frame: `    at f (/p/main.ts:7:3)` or `    at /p/main.ts:7:3`. */
const FRAME_PLACE = /\(?((?:\/|[A-Za-z]:\\)[^()]*?):(\d+):\d+\)?$/;

/** A TypeScript diagnostic: `main.ts(6,55): error TS2322: Type 'string' is not assignable to type 'number'.` */
const TS_DIAGNOSTIC = /^\s*\S+\(\d+,\d+\): error TS\d+: /;

/**
 * One line per failure from what cdk8s-cli and the app printed on stderr: the app's
 * own lines (`hello-node synth failed: …`), else the first error Node or cdk8s-cli
 * printed, else the last line printed before the app or cdk8s-cli gave up; with,
 * for a crash, the place in the project's code it came from. Never a stack trace.
 *
 * @param verbose whether the whole output has been shown already (then no hint to show it)
 */
export function failureLines(stderr: readonly string[], projectRoot: string, verbose = false): string[] {
  const relative = (line: string) => line.split(`${projectRoot}${path.sep}`).join('');
  const withPlace = (what: string, place: string | undefined) => (place === undefined ? what : `${what} (at ${place})${verbose ? '' : '; --verbose shows the stack trace'}`);
  /** The first frame of the stack after line `at` that is in the project's own code. */
  const placeInProject = (at: number): string | undefined => {
    for (let i = at + 1; i < stderr.length && STACK_FRAME.test(stderr[i]); i++) {
      const [, file, line] = FRAME_PLACE.exec(stderr[i]) ?? [];
      if (file?.startsWith(`${projectRoot}${path.sep}`) && !file.includes(`${path.sep}node_modules${path.sep}`)) {
        return `${file}:${line}`;
      }
    }
    return undefined;
  };
  const own = stderr.flatMap((line, i) => (line.startsWith(APP_LINE) ? [relative(withPlace(line.slice(APP_LINE.length), placeInProject(i)))] : []));
  if (own.length > 0) {
    return own;
  }
  // ts-node's type-check (the cdk8s init template's app command) names each error on a line of its own
  const typeErrors = stderr.filter((line) => TS_DIAGNOSTIC.test(line)).map((line) => relative(line.trim()));
  if (typeErrors.length > 0 && stderr.some((line) => line.includes('Unable to compile TypeScript'))) {
    return typeErrors;
  }
  const errorAt = stderr.findIndex((line) => ERROR_LINE.test(line) && !APP_FAILED.test(line));
  if (errorAt >= 0) {
    const [, name, message] = ERROR_LINE.exec(stderr[errorAt]) ?? [];
    const what = `${name === 'Error' ? '' : `${name}: `}${message}`;
    // Node heads an uncaught error with where it was thrown: a crash of the app;
    // cdk8s-cli's refusals (a bad flag) print their stack alone, and a message that
    // names its place (a syntax error) needs no other
    const site = stderr.slice(0, errorAt).find((line) => THROW_SITE.test(line));
    const crashed = site !== undefined && !/\.[cm]?[jt]sx?:\d+/.test(message);
    return [relative(withPlace(what, crashed ? placeInProject(errorAt) ?? site : undefined))];
  }
  const cliError = stderr.find((line) => line.startsWith('ERROR: '));
  if (cliError) {
    return [relative(cliError.slice('ERROR: '.length))];
  }
  // what was said last before giving up: a shell's `sh: 1: x: not found`, cdk8s-cli's `Validation failed…`
  const failedAt = stderr.findIndex((line) => APP_FAILED.test(line));
  const said = stderr.slice(0, failedAt < 0 ? stderr.length : failedAt).filter((line) => line.trim() !== '' && !STACK_FRAME.test(line)).pop();
  if (said !== undefined) {
    return [relative(said.trim())];
  }
  const code = failedAt < 0 ? undefined : APP_FAILED.exec(stderr[failedAt])?.[1];
  return [`${code === undefined ? 'cdk8s synth' : `the app (exit code ${code})`} failed without a word on stderr${verbose ? '' : '; --verbose shows its whole output'}`];
}

interface Signals {
  readonly received?: NodeJS.Signals;
  /** Sends every signal from now on to the process group of `pid`; returns a function that stops it. */
  forwardTo(pid: number | undefined): () => void;
  stop(): void;
}

/**
 * Holds SIGINT and SIGTERM for the synth's duration: each is noted and passed on to
 * cdk8s-cli's process group while it runs, so the command ends only after it, and
 * never in the middle of putting the output in place.
 */
function watchSignals(): Signals {
  let group: number | undefined;
  const watch = watchTermination((signal, first) => {
    if (group !== undefined) {
      try {
        // a second signal ends cdk8s-cli and the app at once, even an app that ignores the first
        process.kill(-group, first ? signal : 'SIGKILL');
      } catch {
        // the group has ended meanwhile
      }
    }
  });
  return {
    get received() {
      return watch.received;
    },
    forwardTo(pid) {
      group = pid;
      return () => {
        group = undefined;
      };
    },
    stop: watch.stop,
  };
}
