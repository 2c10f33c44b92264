// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Pending calls: a FIFO queue that an aborted call leaves in O(1).
// Internal: not exported from the package.

/**
 * What a {@linkcode WaiterQueue} sees of a waiting call: its links. A waiter
 * stands in at most one queue at a time, and is only ever removed from the
 * queue it stands in (or from one when it stands in none), which is what
 * lets the queue tell membership from the links alone.
 */
export interface Waiter {
  /** The previous waiter, towards the head; `undefined` at the head. */
  prev: Waiter | undefined;
  /** The next waiter, towards the tail; `undefined` at the tail. */
  next: Waiter | undefined;
  /** Whether the queue is the budget's, not its channel's. */
  parked: boolean;
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
    const tail = this.#tail;
    waiter.prev = tail;
    waiter.next = undefined;
    if (tail === undefined) this.#head = waiter;
    else tail.next = waiter;
    this.#tail = waiter;
    this.#length++;
    // Invariant: `waiter` is the tail and every earlier waiter precedes it.
  }

  /** Removes and returns the oldest waiter, if any. */
  shift(): W | undefined {
    const waiter = this.#head;
    if (waiter === undefined) return undefined;
    const next = waiter.next as W | undefined;
    this.#head = next;
    if (next === undefined) this.#tail = undefined;
    else {
      next.prev = undefined;
      waiter.next = undefined;
    }
    this.#length--;
    // Invariant: the others keep their order; `waiter` links to nothing.
    return waiter;
  }

  /** Unlinks `waiter`, wherever it stands; does nothing if not queued. */
  remove(waiter: W): void {
    const { prev, next } = waiter;
    // Only the head has no predecessor, so a waiter without one that is not
    // the head is in no queue (see `Waiter`: never in another one).
    if (prev === undefined) {
      if (this.#head !== waiter) return;
      this.#head = next as W | undefined;
    } else {
      prev.next = next;
    }
    if (next === undefined) this.#tail = prev as W | undefined;
    else next.prev = prev;
    waiter.prev = waiter.next = undefined;
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
 * A call that waits, with its own promise settled once: a node of a
 * {@linkcode WaiterQueue}, and the listener of its `AbortSignal` (through
 * `handleEvent`, so no closure is allocated).
 *
 * One class holds the links, the signal and the promise, so a waiting call
 * costs this object and its promise, built in as few constructor levels as
 * possible: waiting is the hot path once a bounded channel is full.
 *
 * @typeParam R What the promise resolves with.
 */
export abstract class PromiseWaiter<R> implements Waiter {
  /** The previous waiter, towards the head; `undefined` at the head. */
  prev: Waiter | undefined = undefined;
  /** The next waiter, towards the tail; `undefined` at the tail. */
  next: Waiter | undefined = undefined;
  /** Whether the queue is the budget's, not its channel's. */
  parked = false;
  /** The signal this waiter listens to, until it settles. */
  signal: AbortSignal | undefined = undefined;
  // Initialized in declaration order: the promise first, then the settle
  // functions its executor left in the slots. (Initializers, not
  // assignments in the constructor, so each field is stored once.)
  /** The promise the caller awaits. */
  readonly promise: Promise<R> = new Promise<R>(capture);
  #resolve: (value: R) => void = capturedResolve as (value: R) => void;
  #reject: (reason: unknown) => void = capturedReject;

  constructor() {
    // Empty the slots: they would keep this promise, and once it settles its
    // value or error, reachable.
    capturedResolve = capturedReject = noop;
  }

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

  /** Stops listening and resolves the promise. */
  resolve(value: R): void {
    // Most waits have no signal: skip the call then.
    if (this.signal !== undefined) this.unlisten();
    this.#resolve(value);
  }

  /** Stops listening and rejects the promise. */
  reject(reason: unknown): void {
    if (this.signal !== undefined) this.unlisten();
    this.#reject(reason);
  }
}
