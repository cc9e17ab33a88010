// `hello-node synth` starts the project's app as soon as it starts itself, before the
// CLI has loaded: as the last synth with the same arguments, in the same project, ran it
// (the record that synth left). The app's own start-up (a Node process: some 100 ms)
// then runs beside the CLI's (some 50 ms), not after it (docs/contributing.md, "Speed").
//
// Only when nothing that decides what the synth runs has changed since that synth: the
// same CLI (its bundle's file), arguments and environment, the project's cdk8s.yaml and
// hello-node.yaml byte for byte as it read them, and no other synth holding the output's
// lock. Even so
// the synth itself decides what to run, and adopts this app only when it would run the
// very same command, in the same directory, with the same environment
// (src/synth/synth-command.ts). Otherwise, or when the synth never gets so far (a refused
// output directory), the app is stopped (SIGKILL, its whole process group) and what it
// wrote removed, before the CLI exits. It writes only into a directory of its own,
// `early-<pid>` in the output's state directory, which a later synth removes once this
// process is gone (lib/output-dir.ts). A signal that the synth does not watch for (SIGHUP,
// or SIGINT and SIGTERM before it watches) ends the CLI as it would have, and the app
// with it.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** Bumped when the record's shape changes. */
const RECORD_VERSION = 3;
/** The signals that end the CLI while the app runs unadopted (SIGHUP: its terminal closed). */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
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
 * @param {string} cliFile the CLI's bundle, which this process runs: its file (inode,
 *   size, modification time) stands for the code that decides what a synth runs
 * @returns {EarlySynth | undefined} none for any other command
 */
function startEarlySynth(argv, projectRoot, cacheDir, cliFile) {
  if (argv[0] !== 'synth' || cacheDir === undefined) {
    return undefined;
  }
  const recordFile = path.join(cacheDir, 'early-synth.json');
  const cli = fileStatus(cliFile);
  let recordText;
  try {
    recordText = fs.readFileSync(recordFile, 'utf8');
  } catch {
    return new EarlySynth(recordFile, undefined, argv, projectRoot, cli);
  }
  const early = new EarlySynth(recordFile, recordText, argv, projectRoot, cli);
  try {
    const record = JSON.parse(recordText);
    if (record.version === RECORD_VERSION && record.projectRoot === projectRoot && JSON.stringify(record.argv) === JSON.stringify(argv)
      && JSON.stringify(record.cli) === JSON.stringify(cli)
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
  constructor(recordFile, recordText, argv, projectRoot, cli) {
    this.recordFile = recordFile;
    this.recordText = recordText;
    this.argv = argv;
    this.projectRoot = projectRoot;
    this.cli = cli;
    /** The app started early, until it is adopted or stopped. */
    this.started = undefined;
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
    // Before the spawn, which returns only once the app runs, and for the rest of the
    // CLI's life: a signal that no one else here listens for (SIGHUP; SIGINT and SIGTERM
    // before the synth watches for them, and after) would end the CLI and leave the app,
    // in a process group of its own, behind. The app is stopped, then the CLI ended as it
    // would have been. (Node delivers a signal to its listeners only between two runs of
    // JavaScript: one that came while the CLI loaded reaches the synth, once it watches.)
    this.onSignal = (signal) => {
      if (process.listenerCount(signal) > 1) {
        return;
      }
      if (this.child.exitCode === null && this.child.signalCode === null) {
        kill(this.child, 'SIGKILL');
      }
      this.stop();
      this.unlisten();
      process.kill(process.pid, signal);
    };
    for (const signal of SIGNALS) {
      process.on(signal, this.onSignal);
    }
    // the last resort, should the CLI end without adopting or stopping it (a crash)
    this.onExit = () => this.stop();
    process.on('exit', this.onExit);
    let child;
    try {
      child = spawn(record.command, [], options);
    } catch (err) {
      this.unlisten();
      throw err;
    }
    /** The app, adopted or not, until the CLI ends. */
    this.child = child;
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
   * spawns its app) is exactly what it was started as: the synth's from now on.
   * Otherwise the app is stopped first (see {@link discard}).
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

  /** Kills the early app and removes its directory at once, without waiting for it to end (what it writes meanwhile a later synth removes). */
  stop() {
    if (this.started) {
      kill(this.started.child, 'SIGKILL');
      fs.rmSync(this.started.spawn.staging, { recursive: true, force: true });
    }
    this.release();
  }

  /** Takes this object's signal and exit listeners away (none left to guard, or a signal to end the CLI with). */
  unlisten() {
    for (const signal of SIGNALS) {
      process.off(signal, this.onSignal);
    }
    process.off('exit', this.onExit);
  }

  /** The app is adopted or gone: its directory is no longer this object's to remove. */
  release() {
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
    // time), and its symlink's, with a second to spare for the file system's coarse clock
    const changed = (file) => Math.max(fs.lstatSync(file, { throwIfNoEntry: false })?.ctimeMs ?? 0, fs.statSync(file, { throwIfNoEntry: false })?.ctimeMs ?? 0);
    if (inputs.some((file) => changed(file) >= STARTED - 1000)) {
      return;
    }
    const set = Object.fromEntries(Object.entries(env).filter(([name, value]) => value !== undefined && process.env[name] !== value && !(name in stagingVariables)));
    const unset = Object.keys(process.env).filter((name) => env[name] === undefined);
    const text = JSON.stringify({
      version: RECORD_VERSION,
      cli: this.cli,
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

/** A file's inode, size and modification time. */
function fileStatus(file) {
  const { ino, size, mtimeMs } = fs.statSync(file);
  return [ino, size, mtimeMs];
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
  const text = JSON.stringify(byName(Object.entries(process.env)));
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
  const env = byName(Object.entries(options.env).filter(([, value]) => value !== undefined));
  return JSON.stringify({ command, options: byName(Object.entries({ ...options, env })), staging });
}

/** `entries` (`[name, value]` pairs), sorted by name in place, in code-point order, whatever the locale. */
function byName(entries) {
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
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
