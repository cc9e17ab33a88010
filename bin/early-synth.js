// `hello-node synth` starts the project's app as soon as it starts itself, before the
// CLI has loaded: as the last synth with the same arguments, in the same project, ran it
// (the record that synth left). The app's own start-up (a Node process: some 100 ms)
// then runs beside the CLI's (some 50 ms), not after it (docs/contributing.md, "Speed").
//
// Only a guess: the synth itself decides what to run, and adopts this app only when it
// would run the very same command, in the same directory, with the same environment
// (src/synth/synth-command.ts). Otherwise, or when the synth never gets so far (a refused
// output directory, a bad setting, the lock of another synth), the app is stopped
// (SIGKILL, its whole process group) and what it wrote removed, before the CLI exits.
// It writes only into a directory of its own, `early-<pid>` in the output's state
// directory, which a later synth removes once this process is gone (lib/output-dir.ts).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Bumped when the record's shape changes. */
const RECORD_VERSION = 1;

/**
 * Starts the app of the synth `argv` asks for, as the record in `cacheDir` says the last
 * one with these arguments in `projectRoot` ran it, if there is such a record and the
 * output's state directory is there.
 *
 * @param {readonly string[]} argv the CLI's arguments
 * @param {string} projectRoot
 * @param {string | undefined} cacheDir where the record is kept: none, no early start
 * @returns {EarlySynth | undefined} none for any other command
 */
function startEarlySynth(argv, projectRoot, cacheDir) {
  if (argv[0] !== 'synth' || cacheDir === undefined) {
    return undefined;
  }
  const recordFile = path.join(cacheDir, 'early-synth.json');
  let recordText;
  try {
    recordText = fs.readFileSync(recordFile, 'utf8');
  } catch {
    return new EarlySynth(recordFile, undefined, argv, projectRoot);
  }
  let started;
  try {
    const record = JSON.parse(recordText);
    if (record.version === RECORD_VERSION && record.projectRoot === projectRoot && JSON.stringify(record.argv) === JSON.stringify(argv) && fs.statSync(path.dirname(record.stagingPrefix)).isDirectory()) {
      started = start(record, projectRoot);
    }
  } catch {
    // a damaged record, a state directory gone, a spawn refused: the synth starts its app itself
  }
  return new EarlySynth(recordFile, recordText, argv, projectRoot, started);
}

/** Spawns the app as `record` says, writing into `early-<pid>`. */
function start(record, projectRoot) {
  const staging = `${record.stagingPrefix}${process.pid}`;
  // left by a process that had this pid before
  fs.rmSync(staging, { recursive: true, force: true });
  const env = { ...process.env };
  for (const name of record.env.unset) {
    delete env[name];
  }
  Object.assign(env, record.env.set);
  for (const [name, form] of Object.entries(record.stagingVariables)) {
    env[name] = form === 'relative' ? path.relative(projectRoot, staging) : staging;
  }
  const options = { ...record.options, env };
  const child = spawn(record.command, [], options);
  const closed = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  // the synth awaits it only once it adopts the app; a spawn that failed is its to report
  closed.catch(() => undefined);
  return { spawn: { command: record.command, options, staging }, child, closed };
}

/** A synth's app started early, or none (there was no record), and what records the next one. */
class EarlySynth {
  constructor(recordFile, recordText, argv, projectRoot, started) {
    this.recordFile = recordFile;
    this.recordText = recordText;
    this.argv = argv;
    this.projectRoot = projectRoot;
    this.started = started;
    /** The first SIGINT or SIGTERM while the app runs unadopted: the synth's to act on. */
    this.received = undefined;
    if (started) {
      // noted, not the death of the CLI, which would leave the app behind: the synth
      // stops the app for it, and says so, as it does for a signal while it runs the app
      this.onSignal = (signal) => {
        this.received ??= signal;
      };
      process.on('SIGINT', this.onSignal);
      process.on('SIGTERM', this.onSignal);
      // the last resort, should the CLI end without adopting or stopping it (a crash)
      this.onExit = () => {
        kill(started.child, 'SIGKILL');
        fs.rmSync(started.spawn.staging, { recursive: true, force: true });
      };
      process.on('exit', this.onExit);
    }
  }

  /** The directory the early app writes into, if one was started. */
  get staging() {
    return this.started?.spawn.staging;
  }

  /**
   * The app started early, when `spawn` (`{ command, options, staging }`, as the synth
   * spawns its app) is exactly what it was started as: the synth's from now on (and a
   * signal noted before, {@link received}, its to act on). Otherwise the app is stopped
   * first (see {@link discard}).
   *
   * @returns {Promise<{ child, closed: Promise<{ code, signal }> } | undefined>}
   */
  async adopt(spawn) {
    const started = this.started;
    if (started === undefined || canonical(spawn) !== canonical(started.spawn)) {
      await this.discard();
      return undefined;
    }
    this.release();
    return { child: started.child, closed: started.closed };
  }

  /** Stops the early app, if it runs unadopted, and removes what it wrote. */
  async discard() {
    const started = this.started;
    if (started === undefined) {
      return;
    }
    kill(started.child, 'SIGKILL');
    // its stderr is read to its end, which 'close' awaits
    started.child.stderr?.resume();
    await started.closed.catch(() => undefined);
    fs.rmSync(started.spawn.staging, { recursive: true, force: true });
    this.release();
  }

  /** Stops noting signals and guarding the exit for the app: it is adopted or gone. */
  release() {
    if (this.onSignal) {
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
      process.off('exit', this.onExit);
    }
    this.started = undefined;
  }

  /**
   * Records `spawn`, how a synth with these arguments ran its app, for the next one to
   * start it early: the environment as what it sets and unsets of the CLI's own (the
   * shell's variables are not written to disk), the staging directory as the variables
   * that name it.
   *
   * @param spawn `{ command, options, staging }`, as for {@link adopt}
   * @param {string} stagingPrefix what the staging directory's name starts with, the
   *   process id following
   * @param {Record<string, 'absolute' | 'relative'>} stagingVariables the variables of
   *   `options.env` that name the staging directory, absolute or relative to the project
   */
  remember(spawn, stagingPrefix, stagingVariables) {
    const { env, ...options } = spawn.options;
    const set = Object.fromEntries(Object.entries(env).filter(([name, value]) => value !== undefined && process.env[name] !== value && !(name in stagingVariables)));
    const unset = Object.keys(process.env).filter((name) => env[name] === undefined);
    const text = JSON.stringify({ version: RECORD_VERSION, projectRoot: this.projectRoot, argv: this.argv, command: spawn.command, options, env: { set, unset }, stagingPrefix, stagingVariables });
    if (text === this.recordText) {
      return;
    }
    const partial = `${this.recordFile}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(this.recordFile), { recursive: true });
      fs.writeFileSync(partial, text);
      // write-then-rename: a synth starting meanwhile reads the old record or the new
      fs.renameSync(partial, this.recordFile);
      this.recordText = text;
    } catch {
      // only a record: the next synth starts its app itself
      fs.rmSync(partial, { force: true });
    }
  }
}

/** `spawn` as text that two equal ones share: its options, and its environment's variables, in order. */
function canonical({ command, options, staging }) {
  const sorted = (entries) => entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const env = sorted(Object.entries(options.env).filter(([, value]) => value !== undefined));
  return JSON.stringify({ command, options: sorted(Object.entries({ ...options, env })), staging });
}

/** Sends `signal` to the process group `child` leads (it was spawned detached): the app, and whatever it started. */
function kill(child, signal) {
  if (child.pid === undefined) {
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group has ended meanwhile
  }
}

module.exports = { startEarlySynth };
