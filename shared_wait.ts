// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Waiting on shared memory: async sleeps on a word, the calls that wait with a signal and a deadline, spinning, and blocking checks.
// Internal: not exported from the package.
//
// Every wait of a shared channel is built from two pieces here:
// - a {@linkcode WordSleeper}: one `Atomics.waitAsync` at a time on one word
//   of the buffer, shared by every call of this thread that waits for that
//   word to change (so N waiting calls cost one sleep, not N);
// - a {@linkcode TimedWaiter}: a waiting call with its promise, its signal
//   (joined through `waiter.ts`'s one listener per signal, so N calls that
//   share a signal are aborted in O(N) in all) and its deadline (one timer).
// The blocking calls use `Atomics.wait` directly, after a short spin.

import { isAborted, PromiseWaiter, reasonOf } from "./waiter.ts";
import { charge, park, type Parked } from "./budget.ts";
import { checkMs } from "./_args.ts";

/** How a wait ended, beside the semaphore's outcomes (ACQUIRED, CLOSED). */
export const WOKEN = 10;
export const ABORTED = 11;
export const TIMED_OUT = 12;
/** The longest delay `setTimeout` takes. */
export const MAX_TIMER = 2 ** 31 - 1;

// -- Sleeping on a word --

interface WaitAsyncResult {
  async: boolean;
  value: Promise<unknown> | string;
}
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) => WaitAsyncResult;
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

// Deno does not count a pending `Atomics.waitAsync` as work for its event
// loop: with nothing else pending it ends the program (or fails the test)
// before the wake-up arrives, even one posted from this very thread. So
// while any async sleep is pending, one long timer keeps the loop alive.
let pendingSleeps = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

function sleepStarted(): void {
  if (pendingSleeps++ === 0) keepAlive = setInterval(() => {}, MAX_TIMER);
}

function sleepEnded(): void {
  if (--pendingSleeps === 0) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

/**
 * One async sleep at a time on `i32[index]`, for all the calls of this
 * thread that wait for the word to change. A sleep ends only when the word
 * is notified (a waiter that stops waiting calls `end()`), so a pending
 * sleep is never abandoned: the keep-alive timer goes when it wakes. Where
 * `Atomics.waitAsync` is missing, it polls every millisecond.
 */
export class WordSleeper {
  readonly i32: Int32Array;
  readonly index: number;
  #pending = false;
  #wake: () => void;

  /** `wake` runs after each sleep ends, once. */
  constructor(i32: Int32Array, index: number, wake: () => void) {
    this.i32 = i32;
    this.index = index;
    this.#wake = wake;
  }

  /** Whether a sleep is pending. */
  get pending(): boolean {
    return this.#pending;
  }

  /**
   * Sleeps while the word holds `value`. Returns false if it does not hold
   * it now (look again at once), true if a sleep is pending (a new one, or
   * the one that already was: its wake serves this caller too).
   */
  sleep(value: number): boolean {
    if (this.#pending) return true;
    let woken: Promise<unknown>;
    if (waitAsync === undefined) {
      if (Atomics.load(this.i32, this.index) !== value) return false;
      woken = new Promise((resolve) => setTimeout(resolve, 1));
    } else {
      const result = waitAsync(this.i32, this.index, value);
      if (!result.async) return false;
      woken = result.value as Promise<unknown>;
    }
    this.#pending = true;
    sleepStarted();
    woken.then(() => {
      this.#pending = false;
      sleepEnded();
      this.#wake();
    });
    return true;
  }

  /**
   * Ends a pending sleep that nobody needs any more (other sleepers on the
   * word, on any thread, wake too and look again).
   */
  end(): void {
    if (this.#pending) Atomics.notify(this.i32, this.index);
  }
}

// -- Waiting calls --

/**
 * A call that waits, with a signal and a deadline: the one waiting helper
 * of every shared call that can wait (sends, reservations, receives,
 * `closed()`). `arm` joins the signal's group and starts the timer; the
 * subclass says what an abort (`abort`) and the deadline (`expire`) do;
 * settling stops both.
 */
export abstract class TimedWaiter<R> extends PromiseWaiter<R> {
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** When the call gives up, on `performance.now()`; `Infinity`: never. */
  deadline = Infinity;

  /**
   * Starts listening to `signal` (brand-checked, not aborted) and the
   * deadline.
   */
  arm(signal: AbortSignal | undefined, deadline: number): void {
    this.listen(signal);
    this.deadline = deadline;
    if (deadline !== Infinity) {
      const ms = Math.min(MAX_TIMER, Math.max(0, deadline - performance.now()));
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.expire();
      }, ms);
    }
  }

  /** The deadline passed first. */
  abstract expire(): void;

  override resolve(value: R): void {
    this.#disarm();
    super.resolve(value);
  }

  override reject(reason: unknown): void {
    this.#disarm();
    super.reject(reason);
  }

  #disarm(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

/**
 * A one-shot wait for the budget's refill: the caller's loop ran a whole
 * slice of the event loop's turn, so it yields a macrotask before it goes
 * on (in call order with every other parked call).
 */
class Refill implements Parked {
  prev: Parked | undefined = undefined;
  next: Parked | undefined = undefined;
  parked = false;
  resume: () => void = noop;
}

function noop(): void {}

/** Resolves once the budget's refill runs (the event loop had a turn). */
export function yieldTurn(): Promise<void> {
  const refill = new Refill();
  const promise = new Promise<void>((resolve) => refill.resume = resolve);
  park(refill);
  return promise;
}

/**
 * A rejection charged to the budget like any call that completes at once:
 * a loop that retries a call failing at once (an aborted signal, a
 * disposed handle) still lets the event loop run.
 */
export function refuse(error: unknown): Promise<never> {
  if (charge()) return Promise.reject(error);
  return yieldTurn().then(() => Promise.reject(error));
}

// -- Checks --

/** Checks a time limit; returns the deadline on `performance.now()`. */
export function deadlineOf(action: string, name: string, ms: unknown): number {
  if (ms === undefined) return Infinity;
  return performance.now() + checkMs(action, name, ms);
}

/** Whether a brand-checked `signal` is aborted (undefined: no signal). */
export function aborted(signal: AbortSignal | undefined): boolean {
  return signal !== undefined && isAborted(signal);
}

/** The reason a brand-checked, aborted `signal` gives. */
export function reasonFor(signal: AbortSignal): unknown {
  return reasonOf(signal);
}

// -- Blocking --

let probe: Int32Array | undefined;

/** Whether this thread may block in `Atomics.wait`. */
export function mayBlock(): boolean {
  probe ??= new Int32Array(new SharedArrayBuffer(4));
  try {
    // Returns "not-equal" at once where waiting is allowed; throws where
    // the platform forbids it (a browser's main thread).
    Atomics.wait(probe, 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** The error of a blocking call on a thread that may not block. */
export function cannotBlock(action: string, instead: string): TypeError {
  return new TypeError(
    `${action}: this thread may not block (Atomics.wait is not allowed here, as on a browser's main thread): use ${instead} instead`,
  );
}

/**
 * How many times a blocking call looks again before it sleeps, at most.
 * Sleeping and waking cost a system call each (microseconds); a short spin
 * first catches the other side when it is about to act, as in a ping-pong.
 * But a spin steals the core the other side may need when threads outnumber
 * cores, so each thread adapts its spin (see {@linkcode Spinner}).
 */
const SPINS = 4000;

/**
 * An adaptive spin budget, as adaptive mutexes keep one: it doubles when a
 * spin ended in success and halves when the thread had to sleep anyway.
 */
export class Spinner {
  budget = 64;

  /** Records how a spin ended. */
  done(success: boolean): void {
    const budget = this.budget;
    if (success) {
      if (budget < SPINS) this.budget = budget * 2;
    } else if (budget > 16) {
      this.budget = budget >> 1;
    }
  }
}
