// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The cooperative budget: when a busy loop of channel operations yields.
// Internal: not exported from the package.

import { type Waiter, WaiterQueue } from "./waiter.ts";

/**
 * How many operations run between two looks at the clock. Tokio's per-task
 * budget has the same size; here it is the granularity of the check, not
 * the yield rate.
 */
export const CHECK_EVERY = 128;

/**
 * How long, in milliseconds, an event-loop turn may run channel operations
 * before they start yielding to the event loop.
 */
export const SLICE_MS = 1;

// The clock and the macrotask function are captured at load, so fake timers
// installed later (in tests, say) cannot stop the budget.
const now: () => number = captureClock();

// One thread runs every channel, so one counter stands for Tokio's per-task
// budget. A yield costs a macrotask (microseconds), an operation tens of
// nanoseconds: yielding every 128 operations cost 20-50% of a tight loop's
// throughput. So the count only decides when to look at the clock, and the
// turn yields once it has run a whole slice.
//
// Invariant: `turnStart` is the time of the first check since the last
// macrotask boundary seen, or -1 when none was made; a `refill` is scheduled
// exactly while `turnStart` >= 0 or a call is parked.
let ops = 0;
let turnStart = -1;
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
  // The hot path: one increment, one mask, one load.
  if ((++ops & (CHECK_EVERY - 1)) !== 0) return !exhausted;
  return check();
}

function check(): boolean {
  if (!enabled || exhausted) return !exhausted;
  if (turnStart < 0) {
    // The first look at the clock in this turn: note when, and learn when
    // the turn ends from a macrotask of ours.
    turnStart = now();
    if (!refillScheduled) scheduleRefill();
    return true;
  }
  if (now() - turnStart < SLICE_MS) return true;
  // Invariant: every operation until the refill parks, in call order.
  exhausted = true;
  return false;
}

/**
 * A call that found the slice spent: it waits in the budget's queue for the
 * event loop's turn, then `resume()` carries it on: it completes or queues
 * on its channel, and is never parked again.
 */
export interface Parked extends Waiter {
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

function scheduleRefill(): void {
  refillScheduled = true;
  schedule(refill);
}

function refill(): void {
  // A macrotask has run: the event loop had its turn, and a new one starts.
  refillScheduled = false;
  turnStart = -1;
  exhausted = false;
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
}

/**
 * Makes the next operation find its slice spent, as if the turn had run for
 * long: for tests of what a parked call does. Not part of the public API.
 */
export function spendBudget(): void {
  if (!enabled) return;
  exhausted = true;
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
