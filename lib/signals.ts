/**
 * SIGINT (a terminal's Ctrl-C) and SIGTERM (kill's default), as the synth, the
 * cdk8s app and deploys hold them: noted instead of ending the process half-way.
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
