// Time enters the edge only through these seams, so tests drive the scheduler by hand.

/** Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

/** Timers the scheduler arms; tests substitute ones they fire themselves. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = { now: () => Date.now() };

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  #t: number;
  constructor(start = 1_000_000) {
    this.#t = start;
  }
  now(): number {
    return this.#t;
  }
  advance(ms: number): void {
    this.#t += ms;
  }
  set(t: number): void {
    this.#t = t;
  }
}
