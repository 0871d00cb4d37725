// The loop every fleet agent runs (the node agent's policy and audit loops, the gateway's relay
// loop): a step, a pause after success, a fixed back-off schedule after failures, and one line
// per distinct error rather than one per retry of a long outage. Deterministic delays, so tests
// can bound how long a catch-up takes.

/** Options of a retry loop. */
export interface RetryLoopOptions {
  /** Names the loop in messages: `PREFIX NAME sync failed, retrying: …`. */
  name: string;
  prefix: string;
  step: () => Promise<unknown>;
  /** Wait after a success (0: go again at once). */
  pauseMs: number;
  /** Delays after consecutive failures; the last repeats. */
  backoffMs: readonly number[];
  signal: AbortSignal;
  say: (line: string) => void;
  /** Called after each failure, before the wait. */
  onFailure?: () => void;
}

/** Runs step until signal aborts. */
export async function retryLoop(o: RetryLoopOptions): Promise<void> {
  let failures = 0;
  let lastError: string | null = null;
  while (!o.signal.aborted) {
    let delay = o.pauseMs;
    try {
      await o.step();
      if (failures > 0) o.say(`${o.prefix} ${o.name} sync recovered`);
      failures = 0;
      lastError = null;
    } catch (e) {
      if (o.signal.aborted) return;
      o.onFailure?.();
      const message = e instanceof Error ? e.toString() : String(e);
      if (lastError !== message) o.say(`${o.prefix} ${o.name} sync failed, retrying: ${message}`);
      lastError = message;
      delay = o.backoffMs[Math.min(failures, o.backoffMs.length - 1)] ?? 1000;
      failures++;
    }
    if (delay > 0) await sleep(delay, o.signal);
  }
}

/** Resolves after ms, or at once when signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
