// Waiting, as the commands that wait for the cluster do it: injected, so that tests need not wait.

export interface WaitOptions {
  /** Give up after this many seconds. */
  readonly timeoutSeconds: number;
  /** Ask again after this many seconds. */
  readonly intervalSeconds: number;
}

/** Time, injected so that waiting is tested without waiting. */
export interface Clock {
  now(): number;
  /** Waits `ms`, or less when `abort` is aborted. */
  sleep(ms: number, abort?: AbortSignal): Promise<void>;
}
