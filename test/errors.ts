import { ValidationError } from '../lib';

/** Runs `act` and returns the ValidationError it throws; fails the test if it throws none. */
export function validationErrorOf(act: () => unknown): ValidationError {
  try {
    act();
  } catch (err) {
    if (err instanceof ValidationError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}
