// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Pending calls: a FIFO queue that an aborted call leaves in O(1).
// Internal: not exported from the package.

/**
 * A call that waits: a node of a {@linkcode WaiterQueue}, and the listener
 * of its `AbortSignal` (through `handleEvent`, so no closure is allocated).
 */
export abstract class Waiter {
  /** The previous waiter, towards the head; `undefined` at the head. */
  prev: Waiter | undefined = undefined;
  /** The next waiter, towards the tail; `undefined` at the tail. */
  next: Waiter | undefined = undefined;
  /** Whether this waiter is linked into a queue. */
  queued = false;
  /** Whether the queue is the budget's, not its channel's. */
  parked = false;
  /** The signal this waiter listens to, until it settles. */
  signal: AbortSignal | undefined = undefined;

  /** Starts listening to `signal`, if any. */
  listen(signal: AbortSignal | undefined): void {
    if (signal === undefined) return;
    this.signal = signal;
    signal.addEventListener("abort", this);
  }

  /** Stops listening: every settled waiter must call this once. */
  unlisten(): void {
    const signal = this.signal;
    if (signal === undefined) return;
    this.signal = undefined;
    signal.removeEventListener("abort", this);
  }

  /** The `abort` listener. */
  handleEvent(): void {
    const signal = this.signal!;
    this.unlisten();
    this.abort(signal.reason);
  }

  /** Leaves the queue and rejects with `reason`. */
  abstract abort(reason: unknown): void;
}

/** A doubly linked FIFO queue of waiters. */
export class WaiterQueue<W extends Waiter> {
  #head: W | undefined = undefined;
  #tail: W | undefined = undefined;
  #length = 0;

  /** The number of waiters queued. */
  get length(): number {
    return this.#length;
  }

  /** The oldest waiter, if any. */
  peek(): W | undefined {
    return this.#head;
  }

  /** Appends `waiter` at the tail. */
  push(waiter: W): void {
    waiter.prev = this.#tail;
    waiter.next = undefined;
    waiter.queued = true;
    if (this.#tail === undefined) this.#head = waiter;
    else this.#tail.next = waiter;
    this.#tail = waiter;
    this.#length++;
    // Invariant: `waiter` is the tail and every earlier waiter precedes it.
  }

  /** Removes and returns the oldest waiter, if any. */
  shift(): W | undefined {
    const waiter = this.#head;
    if (waiter !== undefined) this.remove(waiter);
    return waiter;
  }

  /** Unlinks `waiter`, wherever it stands; does nothing if not queued. */
  remove(waiter: W): void {
    if (!waiter.queued) return;
    const { prev, next } = waiter;
    if (prev === undefined) this.#head = next as W | undefined;
    else prev.next = next;
    if (next === undefined) this.#tail = prev as W | undefined;
    else next.prev = prev;
    waiter.prev = waiter.next = undefined;
    waiter.queued = false;
    this.#length--;
    // Invariant: the others keep their order; `waiter` links to nothing.
  }
}

// Captures a new promise's settle functions without allocating a closure per
// promise: the executor is shared and hands them over through these slots.
let capturedResolve: (value: never) => void = noop;
let capturedReject: (reason: unknown) => void = noop;

function noop(): void {}

function capture(
  resolve: (value: never) => void,
  reject: (reason: unknown) => void,
): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * A {@linkcode Waiter} with its own promise, settled once.
 *
 * @typeParam R What the promise resolves with.
 */
export abstract class PromiseWaiter<R> extends Waiter {
  /** The promise the caller awaits. */
  readonly promise: Promise<R>;
  #resolve: (value: R) => void;
  #reject: (reason: unknown) => void;

  constructor() {
    super();
    this.promise = new Promise<R>(capture);
    this.#resolve = capturedResolve as (value: R) => void;
    this.#reject = capturedReject;
    // Empty the slots: they would keep this promise, and once it settles its
    // value or error, reachable.
    capturedResolve = capturedReject = noop;
  }

  /** Stops listening and resolves the promise. */
  resolve(value: R): void {
    this.unlisten();
    this.#resolve(value);
  }

  /** Stops listening and rejects the promise. */
  reject(reason: unknown): void {
    this.unlisten();
    this.#reject(reason);
  }
}
