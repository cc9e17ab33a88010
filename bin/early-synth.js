// `hello-node synth` starts the project's app as soon as it starts itself, before the
// CLI has loaded: as the last synth with the same arguments, in the same project, ran it
// (the record that synth left). The app's own start-up (a Node process: some 100 ms)
// then runs beside the CLI's (some 50 ms), not after it (docs/contributing.md, "Speed").
//
// Only when nothing that decides what the synth runs has changed since that synth: the
// same arguments, the same environment, the project's cdk8s.yaml and hello-node.yaml
// byte for byte as it read them, and no other synth holding the output's lock. Even so
// the synth itself decides what to run, and adopts this app only when it would run the
// very same command, in the same directory, with the same environment
// (src/synth/synth-command.ts). Otherwise, or when the synth never gets so far (a refused
// output directory), the app is stopped (SIGKILL, its whole process group) and what it
// wrote removed, before the CLI exits. It writes only into a directory of its own,
// `early-<pid>` in the output's state directory, which a later synth removes once this
// process is gone (lib/output-dir.ts).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Bumped when the record's shape changes. */
const RECORD_VERSION = 2;
/** When this process started (ms since the epoch). */
const STARTED = Date.now() - process.uptime() * 1000;

/**
 * Starts the app of the synth `argv` asks for, as the record in `cacheDir` says the last
 * one with these arguments in `projectRoot` ran it, if nothing it depends on has changed
 * since (see above) and the output's state directory is there.
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
  const early = new EarlySynth(recordFile, recordText, argv, projectRoot);
  try {
    const record = JSON.parse(recordText);
    if (record.version === RECORD_VERSION && record.projectRoot === projectRoot && JSON.stringify(record.argv) === JSON.stringify(argv)
      && record.environment === environmentHash() && Object.entries(record.inputs).every(([file, content]) => contentOf(file) === content)
      && fs.statSync(path.dirname(record.stagingPrefix)).isDirectory() && !lockHeld(record.lockFile)) {
      early.start(record);
    }
  } catch {
    // a damaged record, a state directory gone, a spawn refused: the synth starts its app itself
  }
  return early;
}

/** A synth's app started early, or none, and what records the next one. */
class EarlySynth {
  constructor(recordFile, recordText, argv, projectRoot) {
    this.recordFile = recordFile;
    this.recordText = recordText;
    this.argv = argv;
    this.projectRoot = projectRoot;
    /** The app started early, until it is adopted or stopped. */
    this.started = undefined;
    /** The first SIGINT or SIGTERM while the app runs unadopted: the synth's to act on, else the CLI's exit code. */
    this.received = undefined;
  }

  /** Spawns the app as `record` says, writing into `early-<pid>`. */
  start(record) {
    const staging = `${record.stagingPrefix}${process.pid}`;
    // left by a process that had this pid before
    fs.rmSync(staging, { recursive: true, force: true });
    const env = { ...process.env };
    for (const name of record.env.unset) {
      delete env[name];
    }
    Object.assign(env, record.env.set);
    for (const [name, form] of Object.entries(record.stagingVariables)) {
      env[name] = form === 'relative' ? path.relative(this.projectRoot, staging) : staging;
    }
    const options = { ...record.options, env };
    // before the spawn, which returns only once the app runs: a signal is noted, not the
    // death of the CLI, which would leave the app behind; the synth stops the app for it
    // and says so, as it does for a signal while it runs the app
    this.onSignal = (signal) => {
      this.received ??= signal;
    };
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    // the last resort, should the CLI end without adopting or stopping it (a crash)
    this.onExit = () => {
      if (this.started) {
        kill(this.started.child, 'SIGKILL');
        fs.rmSync(staging, { recursive: true, force: true });
      }
    };
    process.on('exit', this.onExit);
    let child;
    try {
      child = spawn(record.command, [], options);
    } catch (err) {
      this.release();
      throw err;
    }
    const closed = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    // the synth awaits it only once it adopts the app; a spawn that failed is its to report
    closed.catch(() => undefined);
    this.started = { spawn: { command: record.command, options, staging }, child, closed };
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
   * shell's variables are not written to disk, only a hash of them), the staging
   * directory as the variables that name it. Not when one of `inputs` changed since the
   * CLI started: what the synth read of it may not be what the record would hold.
   *
   * @param spawn `{ command, options, staging }`, as for {@link adopt}
   * @param {{ stagingPrefix: string, stagingVariables: Record<string, 'absolute' | 'relative'>, lockFile: string, inputs: string[] }} output
   *   what the staging directory's name starts with (the process id following); the
   *   variables of `options.env` that name it, absolute or relative to the project; the
   *   output's lock; the files that decided what the synth ran
   */
  remember(spawn, { stagingPrefix, stagingVariables, lockFile, inputs }) {
    const { env, ...options } = spawn.options;
    // by its change time, which no one can set back (cp -p and tar set the modification
    // time), with a second to spare for the file system's coarse clock
    if (inputs.some((file) => (fs.statSync(file, { throwIfNoEntry: false })?.ctimeMs ?? 0) >= STARTED - 1000)) {
      return;
    }
    const set = Object.fromEntries(Object.entries(env).filter(([name, value]) => value !== undefined && process.env[name] !== value && !(name in stagingVariables)));
    const unset = Object.keys(process.env).filter((name) => env[name] === undefined);
    const text = JSON.stringify({
      version: RECORD_VERSION,
      projectRoot: this.projectRoot,
      argv: this.argv,
      environment: environmentHash(),
      inputs: Object.fromEntries(inputs.map((file) => [file, contentOf(file)])),
      command: spawn.command,
      options,
      env: { set, unset },
      stagingPrefix,
      stagingVariables,
      lockFile,
    });
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

/** A file's bytes as a string (Latin-1: one character a byte, so that different bytes never read alike), or null when there is none. */
function contentOf(file) {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return null;
  }
}

/**
 * A hash of the CLI's environment, every variable and its value (53 bits, cyrb53): the
 * record holds it, not the variables. A collision would only start an app the synth
 * then does not adopt.
 */
function environmentHash() {
  const text = JSON.stringify(Object.entries(process.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Whether a live process holds the output's lock (lib/lock.ts: the file holds its pid): its synth would refuse this one. */
function lockHeld(lockFile) {
  const pid = Number(contentOf(lockFile));
  if (!Number.isInteger(pid) || pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
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
