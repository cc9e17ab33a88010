/**
 * The release history's flags: a revision number, and how many revisions to keep. Apart
 * from history.ts so that the program defines its flags without loading the history's
 * reading and writing (and the YAML libraries they need) on every synth.
 */
import { ValidationError } from '../../lib/internal';

/** How many revisions are kept unless `--history-max` says otherwise (Helm's default for `helm upgrade`). */
export const DEFAULT_HISTORY_MAX = 10;

/** A revision number from a flag: a whole number from 1. */
export function parseRevision(subject: string, text: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) {
    throw new ValidationError(subject, text, 'must be a revision number, as `hello-node history` lists them (1, 2, …)');
  }
  return Number(text);
}

/** `--history-max`: how many revisions to keep, 0 for all. */
export function parseHistoryMax(text: string): number {
  if (!/^[0-9]{1,9}$/.test(text)) {
    throw new ValidationError('flag --history-max', text, 'must be how many revisions to keep, a whole number (0 keeps them all)');
  }
  return Number(text);
}
