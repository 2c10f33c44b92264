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
  /** The number of waiters queued (read it, never write it). */
  length = 0;

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
    this.length++;
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
    this.length--;
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
    this.length--;
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

// -- Signals --

// The platform's own getters, captured at load: they brand-check (a fake
// signal made with `Object.create(AbortSignal.prototype)` makes them
// throw), and a signal cannot shadow them with own properties. Listening
// goes through the signal's own `addEventListener`, which may be user code
// (a wrapper that counts listeners, or one that throws): see
// `SignalGroup.attach`.
const abortSignalProto = globalThis.AbortSignal?.prototype;
const getAborted = abortSignalProto &&
  Object.getOwnPropertyDescriptor(abortSignalProto, "aborted")?.get;
const getReason = abortSignalProto &&
  Object.getOwnPropertyDescriptor(abortSignalProto, "reason")?.get;

/** Whether `value` passes the platform's brand check of `AbortSignal`. */
function isBranded(value: unknown): boolean {
  if (typeof value !== "object" || value === null || getAborted === undefined) {
    return false;
  }
  try {
    getAborted.call(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `value` is a real `AbortSignal` (one the platform made), not just
 * an object that inherits from its prototype, nor one that inherits from a
 * real signal: `Object.create(signal)` passes Deno's brand check (its
 * internal state is reached through the prototype chain), yet listeners
 * added to it never fire, so a wait on it could never be aborted. A real
 * signal's prototype is `AbortSignal.prototype` (of some realm), which
 * fails the brand check itself.
 */
export function isAbortSignal(value: unknown): value is AbortSignal {
  if (!isBranded(value)) return false;
  const proto = Object.getPrototypeOf(value);
  // The common case costs no exception: this realm's prototype.
  return proto === abortSignalProto || !isBranded(proto);
}

/** Whether a brand-checked `signal` is aborted. */
export function isAborted(signal: AbortSignal): boolean {
  return getAborted!.call(signal) as boolean;
}

/** The reason a brand-checked `signal` was aborted with. */
export function reasonOf(signal: AbortSignal): unknown {
  return getReason!.call(signal);
}

/**
 * Every waiter that listens to one signal, behind one `abort` listener.
 * Many waiters may share a signal (a request-scoped one is common); with a
 * listener each, settling N of them removed N listeners from one long list,
 * O(N^2). Here a waiter joins and leaves in O(1), and the listener is
 * removed only when the last one leaves.
 */
class SignalGroup {
  readonly signal: AbortSignal;
  head: PromiseWaiter<unknown> | undefined = undefined;
  /**
   * Whether the signal refused the listener: the group is in no map, and
   * its members are aborted with the error in a microtask.
   */
  failed = false;

  constructor(signal: AbortSignal) {
    this.signal = signal;
  }

  /**
   * Adds the `abort` listener, before the first member joins; returns
   * whether the group can be shared. The signal's `addEventListener` may be
   * user code. If it throws, or aborts the signal itself (before this
   * group had a member to abort), the member joining now is aborted in a
   * microtask, once its call has put it in line, as if the signal had
   * aborted then (with the error thrown, or the signal's reason): the call
   * never throws synchronously, and holds nothing once it has rejected.
   */
  attach(): boolean {
    try {
      this.signal.addEventListener("abort", this);
    } catch (error) {
      this.#fail(error);
      return false;
    }
    if (getAborted!.call(this.signal)) {
      this.#detach();
      this.#fail(getReason!.call(this.signal));
      return false;
    }
    return true;
  }

  #fail(reason: unknown): void {
    this.failed = true;
    queueMicrotask(() => this.#abortAll(reason));
  }

  /** The `abort` listener: aborts every member, oldest first. */
  handleEvent(): void {
    groups.delete(this.signal);
    // An aborted signal never fires again; letting go of the listener keeps
    // it from holding the group (and its waiters' channels) alive.
    this.#detach();
    this.#abortAll(getReason!.call(this.signal));
  }

  #abortAll(reason: unknown): void {
    let waiter;
    // Each step leaves the group and the waiter's channel consistent: an
    // abort may run code that makes another member leave.
    while ((waiter = this.head) !== undefined) {
      this.#unlink(waiter);
      waiter.abort(reason);
    }
  }

  join(waiter: PromiseWaiter<unknown>): void {
    const head = this.head;
    // Newest first: abort order among waiters of one signal does not matter
    // to anyone but the queues, which keep their own order.
    waiter.signalNext = head;
    waiter.signalPrev = undefined;
    if (head !== undefined) head.signalPrev = waiter;
    this.head = waiter;
  }

  leave(waiter: PromiseWaiter<unknown>): void {
    this.#unlink(waiter);
    if (this.head === undefined && !this.failed) {
      groups.delete(this.signal);
      this.#detach();
    }
  }

  #detach(): void {
    try {
      this.signal.removeEventListener("abort", this);
    } catch {
      // A signal that refuses this keeps a listener to an empty group: it
      // aborts no one, and settling must not fail halfway.
    }
  }

  #unlink(waiter: PromiseWaiter<unknown>): void {
    const { signalPrev: prev, signalNext: next } = waiter;
    if (prev === undefined) this.head = next;
    else prev.signalNext = next;
    if (next !== undefined) next.signalPrev = prev;
    waiter.signalPrev = waiter.signalNext = undefined;
    waiter.group = undefined;
    // Invariant: `waiter` is in no group, and will not be aborted.
  }
}

const groups = new WeakMap<AbortSignal, SignalGroup>();

/**
 * A call that waits, with its own promise settled once: a node of a
 * {@linkcode WaiterQueue}, and a member of its signal's group.
 *
 * One class holds the links, the signal and the promise, so a waiting call
 * costs this object and its promise, built in as few constructor levels as
 * possible: waiting is the hot path once a bounded channel is full.
 *
 * Every way of settling starts with {@linkcode PromiseWaiter.unlisten}, so
 * once the channel has decided a call's outcome, no abort can run for it,
 * whatever user code runs before the promise settles.
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
  /** The group of the signal this waiter listens to, until it settles. */
  group: SignalGroup | undefined = undefined;
  /** The neighbours in that group. */
  signalPrev: PromiseWaiter<unknown> | undefined = undefined;
  signalNext: PromiseWaiter<unknown> | undefined = undefined;
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

  /**
   * Starts listening to `signal` (checked by `isAbortSignal`, not
   * aborted), if any. Never throws: if the signal's `addEventListener`
   * throws or aborts it, this waiter is aborted in a microtask (see
   * `SignalGroup.attach`), so a caller may listen before or after putting
   * the waiter in line, as long as both happen in the same synchronous
   * step.
   */
  listen(signal: AbortSignal | undefined): void {
    if (signal === undefined) return;
    let group = groups.get(signal);
    if (group === undefined) {
      group = new SignalGroup(signal);
      if (group.attach()) groups.set(signal, group);
    }
    this.group = group;
    group.join(this as PromiseWaiter<unknown>);
  }

  /** Stops listening: the first step of every settlement. */
  unlisten(): void {
    this.group?.leave(this as PromiseWaiter<unknown>);
  }

  /** Leaves the queue and rejects with `reason`: the signal aborted. */
  abstract abort(reason: unknown): void;

  /** Stops listening and resolves the promise. */
  resolve(value: R): void {
    // Most waits have no signal: skip the call then.
    if (this.group !== undefined) this.unlisten();
    this.#resolve(value);
  }

  /** Stops listening and rejects the promise. */
  reject(reason: unknown): void {
    if (this.group !== undefined) this.unlisten();
    this.#reject(reason);
  }
}
