/**
 * SIGINT (a terminal's Ctrl-C) and SIGTERM (kill's default), as the synth, the
 * cdk8s app and deploys hold them: noted instead of ending the process half-way; and
 * whether a process that holds something (a lock, a Lease) still runs.
 */
import { constants } from 'node:os';

/** The exit code a shell reports for a process that signal `signal` ended: 128 + its number. */
export const signalExitCode = (signal: NodeJS.Signals): number => 128 + constants.signals[signal];

/**
 * Calls `listener` for each SIGINT and SIGTERM from now on, instead of the process
 * dying of it.
 *
 * @returns a function that stops the listening: `listener` is not called again. Node
 *   gives a signal back its default (death) the moment its last listener goes, and a
 *   signal then would end a process that has done its work and report it interrupted
 *   (the CLI's own last listeners, in bin/hello-node.js, come a few promise steps after
 *   a command returns). So the listening ends at once but the process's listener goes
 *   only after the promise steps under way have run; a signal in that moment does
 *   nothing.
 */
export function onTermination(listener: (signal: NodeJS.Signals) => void): () => void {
  let listening = true;
  const onSignal = (signal: NodeJS.Signals) => {
    if (listening) {
      listener(signal);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    listening = false;
    setImmediate(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
  };
}

/** Something stopped by a signal, where it was safe to: the process exits 128 + its number. */
export class InterruptedError extends Error {
  constructor(readonly signal: NodeJS.Signals, message: string) {
    super(message);
    this.name = 'InterruptedError';
  }

  /** The exit code a shell reports for a process killed by this signal. */
  get exitCode(): number {
    return signalExitCode(this.signal);
  }
}

/** SIGINT and SIGTERM, noted while something runs: see {@link watchTermination}. */
export interface TerminationWatch {
  /** The first SIGINT or SIGTERM since the watch began, if any. */
  readonly received?: NodeJS.Signals;
  /** Aborted by the first signal: it cuts a wait short. */
  readonly abort: AbortSignal;
  /** Ends the watch (see {@link onTermination}). */
  stop(): void;
}

/**
 * Notes SIGINT and SIGTERM from now on, instead of the process dying of them: the
 * first is kept as `received`, and `each` is told of every one (`first` for the first),
 * for what a second signal does (the synth kills the app, a deploy stops at once).
 */
export function watchTermination(each: (signal: NodeJS.Signals, first: boolean) => void = () => undefined): TerminationWatch {
  const state: { received?: NodeJS.Signals } = {};
  const controller = new AbortController();
  const stop = onTermination((signal) => {
    const first = state.received === undefined;
    state.received ??= signal;
    each(signal, first);
    controller.abort();
  });
  return {
    get received() {
      return state.received;
    },
    abort: controller.signal,
    stop,
  };
}

/** Whether process `pid` of this machine runs (EPERM: it does, as another user's). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
