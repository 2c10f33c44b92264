// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The cooperative budget: how many operations run before one yields.
// Internal: not exported from the package.

import { type Waiter, WaiterQueue } from "./waiter.ts";

/**
 * How many operations in a row may complete without waiting before the next
 * one first yields to the event loop. Tokio's per-task budget has the same
 * size.
 */
export const BUDGET = 128;

// One thread runs every channel, so one counter stands for Tokio's per-task
// budget. It is refilled only when the event loop has had a turn (a
// macrotask ran): a call that waits for a promise does not count as one,
// since a producer and a consumer can pass messages back and forth through
// microtasks forever without letting a timer fire.
// Invariant: `spent` counts the operations charged since the last macrotask
// boundary seen, and a refill is scheduled whenever `spent` > 0.
let spent = 0;
let enabled = true;
let refillScheduled = false;

/**
 * Charges one operation to the budget.
 *
 * @returns `true` when the operation may complete now, `false` when the
 * budget is spent: the caller must {@linkcode park} the call until the next
 * refill.
 */
export function charge(): boolean {
  if (!enabled) return true;
  if (!refillScheduled) scheduleRefill();
  return ++spent <= BUDGET;
}

/**
 * A call that found the budget spent: it waits in the budget's queue for the
 * event loop's turn, then `resume()` carries it on: charged to the new turn
 * but never parked again, it completes or queues on its channel.
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
  // A macrotask has run: the event loop had its turn.
  spent = 0;
  refillScheduled = false;
  // Calls parked while these resume wait for the next turn.
  for (let n = parked.length; n > 0; n--) {
    const call = parked.shift()!;
    call.parked = false;
    call.resume();
  }
}

/**
 * Turns the budget on or off, for tests and benchmarks that measure its
 * cost. Not part of the public API.
 *
 * @param on Whether ready operations should yield every {@linkcode BUDGET}.
 */
export function setBudgetEnabled(on: boolean): void {
  enabled = on;
  spent = 0;
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
  return (task) => void setTimeout(task, 0);
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
