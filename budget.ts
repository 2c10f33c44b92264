// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The cooperative budget: when a busy loop of channel operations yields.
// Internal: not exported from the package.

import { type Waiter, WaiterQueue } from "./waiter.ts";

/**
 * The most operations that run between two looks at the clock, when
 * operations come fast. Tokio's per-task budget has the same size; here it
 * is the granularity of the check, not the yield rate. Slow operations are
 * looked at more often, down to every one.
 */
export const CHECK_EVERY = 128;

/**
 * How long, in milliseconds, an event-loop turn may run channel operations
 * before they start yielding to the event loop. The turn's time counts from
 * its first operation.
 */
export const SLICE_MS = 1;

/**
 * How far apart, in milliseconds, two looks at the clock aim to be: a turn
 * overruns its slice by about this much at most, as long as operations keep
 * the pace measured between the last two looks.
 */
export const LOOK_MS = SLICE_MS / 8;

// The clock and the macrotask function are captured at load, so fake timers
// installed later (in tests, say) cannot stop the budget.
/** The budget's clock, in milliseconds. */
export const now: () => number = captureClock();

// One thread runs every channel, so one countdown stands for Tokio's
// per-task budget. A yield costs a macrotask (microseconds), an operation
// tens of nanoseconds: yielding every 128 operations cost 20-50% of a tight
// loop's throughput. So operations only count down to the next look at the
// clock, and the turn yields once it has run a whole slice.
//
// How far apart the looks are adapts to how far apart operations are: each
// look measures the time since the one before, and sets the next stride so
// that the next look comes about `LOOK_MS` later (or at the slice's end, if
// sooner). Every turn starts at a stride of 1 and at most doubles it per
// look: a turn that runs slow operations (a consumer that works a
// millisecond per batch) looks at every one, and one that runs fast
// operations reaches a stride of `CHECK_EVERY` after 8 looks.
//
// The fast path is one decrement and one comparison. `countdown` is set to
// 0 whenever the next operation must take the slow path: at the start of a
// turn (it reads the clock there, so the turn counts from its first
// operation) and while the slice is spent (every operation parks).
//
// Invariant: `turnStart` is the time of the first operation since the last
// macrotask boundary seen (our refill), or -1 when there was none; a
// `refill` is scheduled whenever `turnStart` >= 0, a call is parked or the
// slice is spent; `1 <= stride <= CHECK_EVERY`.
let countdown = 0;
let stride = 1;
let turnStart = -1;
let lastLook = 0;
let exhausted = false;
let refillScheduled = false;
let enabled = true;

/**
 * Charges one operation to the budget.
 *
 * @returns `true` when the operation may complete now, `false` when the
 * turn has run its slice: the caller must {@linkcode park} the call until
 * the event loop has had its turn.
 */
export function charge(): boolean {
  // The hot path: one decrement, one comparison.
  if (--countdown > 0) return true;
  return look();
}

function look(): boolean {
  if (!enabled) {
    countdown = CHECK_EVERY;
    return true;
  }
  if (exhausted) {
    // Invariant: every operation until the refill parks, in call order.
    countdown = 0;
    return false;
  }
  const t = now();
  if (turnStart < 0) {
    // The first operation since a macrotask boundary: the turn counts from
    // here. Our own macrotask tells when the turn has ended.
    turnStart = t;
    lastLook = t;
    stride = 1;
    countdown = 1;
    if (!refillScheduled) scheduleRefill();
    return true;
  }
  const ran = t - turnStart;
  if (ran >= SLICE_MS) {
    exhausted = true;
    countdown = 0;
    return false;
  }
  // `stride` operations ran since the last look, in `t - lastLook` ms. Aim
  // the next look `LOOK_MS` ahead, or at the slice's end if sooner; grow at
  // most twofold, so one cheap stretch does not hide slow operations after
  // it for long.
  const since = t - lastLook;
  const ahead = SLICE_MS - ran < LOOK_MS ? SLICE_MS - ran : LOOK_MS;
  let next = stride * 2;
  if (since * next > ahead * stride) {
    // Operations come `since / stride` ms apart: `next` would overshoot.
    next = Math.floor(ahead * stride / since);
    if (next < 1) next = 1;
  }
  if (next > CHECK_EVERY) next = CHECK_EVERY;
  lastLook = t;
  stride = next;
  countdown = next;
  return true;
}

/**
 * A call that found the slice spent: it waits in the budget's queue for the
 * event loop's turn, then `resume()` carries it on: it completes or queues
 * on its channel, and is never parked again.
 */
export interface Parked extends Waiter {
  /** The budget's turn came: carry on as a fresh call would. */
  resume(): void;
}

// Parked calls, in the order they were made. Resuming them straight from the
// refill (not from promise continuations of their own) keeps each caller's
// continuation as many microtasks away as on the ready path, so producers
// and consumers that ran in step before a yield run in step after it.
const parked = new WaiterQueue<Parked>();

/** Parks `call` until the next macrotask. */
export function park(call: Parked): void {
  call.parked = true;
  parked.push(call);
  if (!refillScheduled) scheduleRefill();
}

/** Takes a parked call out of the queue (it was aborted). */
export function unpark(call: Parked): void {
  parked.remove(call);
  call.parked = false;
}

/**
 * Charges a call that fails at once (an already aborted signal, a disposed
 * handle, a bad argument): it rejects with `error` now while the slice has
 * room, and after the event loop's turn once the slice is spent, so a retry
 * loop around a call that can never succeed still lets timers run. Parked
 * like any call, it rejects in call order with the calls parked before it.
 *
 * @param error What the call rejects with.
 * @returns A promise that rejects with `error`.
 */
export function rejectCharged<T = never>(error: unknown): Promise<T> {
  if (charge()) return Promise.reject(error);
  const call = new ParkedRejection<T>(error);
  park(call);
  return call.promise;
}

/** A failing call that found the slice spent: it rejects on resuming. */
class ParkedRejection<T> implements Parked {
  prev: Parked | undefined = undefined;
  next: Parked | undefined = undefined;
  parked = false;
  readonly promise: Promise<T>;
  #reject!: (error: unknown) => void;
  readonly #error: unknown;

  constructor(error: unknown) {
    this.#error = error;
    this.promise = new Promise<T>((_, reject) => this.#reject = reject);
  }

  resume(): void {
    this.#reject(this.#error);
  }
}

/**
 * Rejects `call`, a parked call that was aborted, on the budget's turn
 * instead of at once. A loop whose calls park and are then aborted (a signal
 * aborted in a microtask) would otherwise run on in microtasks, each call
 * parking and failing before the refill, and never let timers run.
 *
 * @param call The aborted call, already out of the budget's queue.
 * @param reason What it rejects with.
 */
export function rejectOnTurn(call: Rejectable, reason: unknown): void {
  park(new ParkedAbort(call, reason));
}

/** A call that can be rejected: every waiting call of the module. */
export interface Rejectable {
  /** Settles the call's promise with `reason`. */
  reject(reason: unknown): void;
}

/** An aborted parked call, waiting for the turn to reject. */
class ParkedAbort implements Parked {
  prev: Parked | undefined = undefined;
  next: Parked | undefined = undefined;
  parked = false;
  readonly #call: Rejectable;
  readonly #reason: unknown;

  constructor(call: Rejectable, reason: unknown) {
    this.#call = call;
    this.#reason = reason;
  }

  resume(): void {
    this.#call.reject(this.#reason);
  }
}

function scheduleRefill(): void {
  refillScheduled = true;
  schedule(refill);
}

function refill(): void {
  // A macrotask has run: the event loop had its turn, and a new one starts.
  // The next operation takes the slow path, to note when.
  refillScheduled = false;
  turnStart = -1;
  exhausted = false;
  countdown = 0;
  // Calls parked while these resume wait for the next turn (`exhausted` may
  // be set again by a long run of resumed calls). A resumed call may run
  // user code (a message's `then`) that aborts a parked one, so the queue
  // can also run out before `n` does.
  for (let n = parked.length; n > 0; n--) {
    const call = parked.shift();
    if (call === undefined) break;
    call.parked = false;
    call.resume();
  }
}

/**
 * Turns the budget on or off, for tests and benchmarks that measure its
 * cost. Not part of the public API.
 *
 * @param on Whether busy loops should yield to the event loop.
 */
export function setBudgetEnabled(on: boolean): void {
  enabled = on;
  exhausted = false;
  turnStart = -1;
  countdown = 0;
}

/**
 * Makes the next operation find its slice spent, as if the turn had run for
 * long: for tests of what a parked call does. Not part of the public API.
 */
export function spendBudget(): void {
  if (!enabled) return;
  exhausted = true;
  countdown = 0;
  if (!refillScheduled) scheduleRefill();
}

function captureClock(): () => number {
  const perf = globalThis.performance;
  if (perf !== undefined && typeof perf.now === "function") {
    const read = perf.now;
    return () => read.call(perf);
  }
  const dateNow = Date.now;
  return dateNow;
}

type Task = () => void;
type Scheduler = (task: Task) => void;

// A macrotask, as cheap as the platform allows. `setImmediate` (Deno, Node)
// costs microseconds; a `MessageChannel` round trip is the browser's
// equivalent; `setTimeout(0)` is the last resort because Deno clamps it to
// milliseconds.
const schedule: Scheduler = pickScheduler();

function pickScheduler(): Scheduler {
  const g = globalThis as { setImmediate?: (task: Task) => unknown };
  if (typeof g.setImmediate === "function") {
    const setImmediate = g.setImmediate;
    return (task) => void setImmediate(task);
  }
  if (typeof MessageChannel === "function") return messageChannelScheduler();
  const setTimeoutAtLoad = setTimeout;
  return (task) => void setTimeoutAtLoad(task, 0);
}

function messageChannelScheduler(): Scheduler {
  // One channel serves every yield. Queued tasks run in order, one per
  // message, so each still gets a macrotask of its own.
  const tasks: Task[] = [];
  let head = 0;
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const task = tasks[head]!;
    tasks[head++] = undefined as unknown as Task;
    if (head === tasks.length) {
      tasks.length = 0;
      head = 0;
    }
    task();
  };
  return (task) => {
    tasks.push(task);
    channel.port2.postMessage(null);
  };
}
