// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Waiting on several channels at once: `select` takes one thing, `merge` many.

import { charge, park, type Parked, unpark } from "./budget.ts";
import type { Permit, Receiver, Sender } from "./bounded.ts";
import {
  type Chan,
  chanOfReceiver,
  permitOf,
  type Receiving,
  refOfSender,
  type TxRef,
} from "./chan.ts";
import type { UnboundedReceiver } from "./unbounded.ts";
import { ACQUIRED, type Acquirer, type BatchSemaphore } from "./semaphore.ts";
import {
  isAborted,
  isAbortSignal,
  PromiseWaiter,
  reasonOf,
  type Waiter,
} from "./waiter.ts";

/**
 * A receiver of any message type. (`any`, not `unknown`: handles are
 * invariant, so a `Receiver<number>` is no `Receiver<unknown>`.)
 */
// deno-lint-ignore no-explicit-any
export type AnyReceiver = Receiver<any> | UnboundedReceiver<any>;

/**
 * What `select` can wait on: a receiver (for a message) or a bounded
 * sender (for room, granted as a {@linkcode Permit}).
 */
// deno-lint-ignore no-explicit-any
export type SelectBranch = AnyReceiver | Sender<any>;

/**
 * The outcome of one branch of a {@linkcode select}: a message from a
 * receiver, a permit from a sender, or `done` when that receiver is closed
 * and drained, or that sender's channel is closed.
 *
 * @typeParam K The branch's name.
 * @typeParam B The branch's handle.
 */
export type SelectOutcome<K, B> = B extends Sender<infer T>
  ? { key: K; permit: Permit<T>; done: false } | { key: K; done: true }
  : B extends Receiver<infer T> | UnboundedReceiver<infer T>
    ? { key: K; value: T; done: false } | { key: K; done: true }
  : never;

/**
 * What {@linkcode select} resolves with: one branch's outcome, a union that
 * TypeScript narrows by `key` (then by `done`).
 *
 * @typeParam B The branches.
 */
export type SelectResult<B extends Record<string, SelectBranch>> = {
  [K in keyof B & string]: SelectOutcome<K, B[K]>;
}[keyof B & string];

/** Options of {@linkcode select}. */
export interface SelectOptions {
  /**
   * Cancels the wait: the select rejects with `signal.reason` and took
   * nothing from any branch.
   */
  signal?: AbortSignal | undefined;
  /**
   * Picks the first ready branch in key order instead of a random one.
   * Tokio's `biased;`. Default `false`.
   */
  biased?: boolean | undefined;
}

// One branch, checked: a receiver's channel or a sender's hold.
interface Branch {
  readonly key: string;
  readonly chan: Chan<unknown> | undefined;
  readonly ref: TxRef<unknown, BatchSemaphore> | undefined;
}

/**
 * Waits until one of several channels can serve, and takes exactly one
 * thing from exactly one of them: a message from a receiver, or room (a
 * {@linkcode Permit}) from a sender. Tokio's `select!` over `recv()` and
 * `reserve()`, without the lost messages of `Promise.race`.
 *
 * - Lossless: when the promise settles, one branch took one message or one
 *   permit, and every other branch took nothing and left no waiter behind.
 * - Fair: among branches ready at the call, one is picked at random;
 *   `biased: true` picks the first in key order. A waiting select keeps its
 *   place among each receiver's receive calls (call order) and queues for
 *   room like any `reserve()` (first come, first served).
 * - A branch whose receiver is finished, or whose sender's channel is
 *   closed, is ready: it settles the select with `{ key, done: true }`.
 * - One select counts as one operation for the cooperative budget.
 *
 * Cancellation: an aborted select took nothing from any branch. A permit it
 * resolved with is the caller's, to send through or dispose.
 *
 * @typeParam B The branches: names mapped to handles.
 * @param branches Receivers and bounded senders, by name (at least one).
 * @param options `signal` cancels the wait; `biased` picks in key order.
 * @returns A promise of the outcome of the branch that won.
 * @throws {TypeError} (rejects) If `branches` is empty or not an object, a
 * branch is not a handle of ours, or `options` are of the wrong type.
 * @throws {ReferenceError} (rejects) If a branch's handle is disposed.
 *
 * @example A worker that waits for jobs and for shutdown
 * ```ts
 * import { channel, select } from "@seed/mpsc";
 * import { assertEquals } from "@std/assert";
 *
 * const [jobs, jobsRx] = channel<string>(8);
 * const [shutdown, shutdownRx] = channel<void>(1);
 * await jobs.send("a");
 * await jobs.send("b");
 * shutdown.dispose();
 *
 * const done: string[] = [];
 * for (;;) {
 *   const next = await select(
 *     { job: jobsRx, shutdown: shutdownRx },
 *     { biased: true },
 *   );
 *   if (next.key === "shutdown") break;
 *   if (!next.done) done.push(next.value);
 * }
 * assertEquals(done, ["a", "b"]);
 * jobs.dispose();
 * ```
 *
 * @example Writing to whichever of two channels has room
 * ```ts
 * import { channel, select } from "@seed/mpsc";
 * import { assertEquals } from "@std/assert";
 *
 * const [fast, fastRx] = channel<number>(1);
 * const [slow, slowRx] = channel<number>(1);
 * await fast.send(0); // full
 * const room = await select({ fast, slow });
 * if (!room.done) room.permit.send(1);
 * assertEquals(room.key, "slow");
 * assertEquals(slowRx.tryRecv(), 1);
 * fast.dispose();
 * slow.dispose();
 * fastRx.dispose();
 * ```
 *
 * @example Giving up after a time
 * ```ts
 * import { channel, select } from "@seed/mpsc";
 * import { assertRejects, assertEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<number>(1);
 * await assertRejects(
 *   () => select({ rx }, { signal: AbortSignal.timeout(10) }),
 *   DOMException,
 * );
 * tx.trySend(1); // the select took nothing and left no waiter behind
 * assertEquals(rx.tryRecv(), 1);
 * tx.dispose();
 * ```
 */
export function select<B extends Record<string, SelectBranch>>(
  branches: B,
  options?: SelectOptions,
): Promise<SelectResult<B>> {
  let signal: AbortSignal | undefined;
  let biased = false;
  let ready: unknown;
  try {
    if (options !== undefined) {
      signal = signalOfOptions(options);
      biased = biasOfOptions(options);
    }
    if (signal !== undefined && isAborted(signal)) {
      // A bad or disposed branch is reported first, as a disposed handle's
      // call is even with an aborted signal.
      checkBranches(branches);
      return Promise.reject(reasonOf(signal));
    }
    // The ready path checks and picks in one pass, and builds nothing but
    // the outcome. A select that finds the slice spent, or calls parked on
    // a branch it would have to wait behind, parks as a whole.
    ready = charge() ? takeReadyNow(branches, biased) : MUST_PARK;
  } catch (error) {
    return Promise.reject(error);
  }
  if (ready !== undefined && ready !== MUST_PARK) {
    return Promise.resolve(ready as SelectResult<B>);
  }
  let waiter: SelectWaiter;
  try {
    waiter = new SelectWaiter(branches, biased);
  } catch (error) {
    return Promise.reject(error);
  }
  // Reading the branches may have run a getter that aborted the signal.
  if (signal !== undefined && isAborted(signal)) {
    return Promise.reject(reasonOf(signal));
  }
  waiter.listen(signal);
  if (ready === MUST_PARK) waiter.park();
  else waiter.register();
  return waiter.promise as Promise<SelectResult<B>>;
}

/** What `takeReadyNow` returns when the select must park first. */
const MUST_PARK: unique symbol = Symbol("must park");

const SELECT = "Cannot call select()";

function checkBranches(branches: unknown): Branch[] {
  if (typeof branches !== "object" || branches === null) {
    throw new TypeError(
      `${SELECT}: branches must be an object of receivers and senders, received ${
        branches === null ? "null" : typeof branches
      }`,
    );
  }
  const checked: Branch[] = [];
  for (const key of Object.keys(branches)) {
    const value = (branches as Record<string, unknown>)[key];
    const chan = chanOfReceiver(value);
    if (chan !== false) {
      if (chan === undefined) throw disposedBranch(key);
      checked.push({ key, chan, ref: undefined });
      continue;
    }
    const ref = refOfSender(value);
    if (ref === false) throw notABranch(key, value);
    if (ref === undefined) throw disposedBranch(key);
    checked.push({ key, chan: undefined, ref });
  }
  if (checked.length === 0) {
    throw new TypeError(`${SELECT}: branches must name at least one handle`);
  }
  return checked;
}

function signalOfOptions(options: SelectOptions): AbortSignal | undefined {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `${SELECT}: options must be an object, received ${
        options === null ? "null" : typeof options
      }`,
    );
  }
  const signal = options.signal;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(
      `${SELECT}: options.signal must be an AbortSignal, received ${typeof signal}`,
    );
  }
  return signal;
}

function biasOfOptions(options: SelectOptions): boolean {
  const biased = options.biased ?? false;
  if (typeof biased !== "boolean") {
    throw new TypeError(
      `${SELECT}: options.biased must be a boolean, received ${typeof biased}`,
    );
  }
  return biased;
}

/**
 * Checks every branch and takes the thing of one that is ready (random
 * among them unless `biased`), in one pass with no allocation but the
 * outcome; returns `undefined` if none is ready.
 *
 * @throws {TypeError | ReferenceError} As {@linkcode checkBranches}.
 */
function takeReadyNow(
  branches: unknown,
  biased: boolean,
): unknown {
  if (typeof branches !== "object" || branches === null) {
    return checkBranches(branches);
  }
  let chosenKey: string | undefined;
  let chosenChan: Chan<unknown> | undefined;
  let chosenRef: TxRef<unknown, BatchSemaphore> | undefined;
  let seen = 0;
  let count = 0;
  let behindParked = false;
  for (const key in branches) {
    if (!Object.hasOwn(branches, key)) continue;
    count++;
    const value = (branches as Record<string, unknown>)[key];
    let chan: Chan<unknown> | undefined;
    let ref: TxRef<unknown, BatchSemaphore> | undefined;
    const found = chanOfReceiver(value);
    if (found !== false) {
      if (found === undefined) throw disposedBranch(key);
      chan = found;
      if (!chan.receiveReady()) {
        if (chan.hasParkedReceives()) behindParked = true;
        continue;
      }
    } else {
      const held = refOfSender(value);
      if (held === false) throw notABranch(key, value);
      if (held === undefined) throw disposedBranch(key);
      ref = held;
      if (!senderReady(ref)) {
        if (ref.chan.hasParkedSends()) behindParked = true;
        continue;
      }
    }
    // Biased: the first ready one; else reservoir sampling, so each ready
    // branch wins with equal chance.
    if (chosenKey !== undefined && (biased || Math.random() * ++seen >= 1)) {
      continue;
    }
    if (chosenKey === undefined) seen = 1;
    chosenKey = key;
    chosenChan = chan;
    chosenRef = ref;
  }
  if (count === 0) checkBranches(branches);
  // A getter of a later branch may have run code that took the chosen
  // branch's message or room: look again.
  if (
    chosenKey === undefined ||
    (chosenChan !== undefined
      ? !chosenChan.receiveReady()
      : !senderReady(chosenRef!))
  ) {
    return behindParked ? MUST_PARK : undefined;
  }
  return take(chosenKey, chosenChan, chosenRef);
}

function disposedBranch(key: string): ReferenceError {
  return new ReferenceError(`${SELECT}: branch "${key}" is disposed`);
}

function notABranch(key: string, value: unknown): TypeError {
  return new TypeError(
    `${SELECT}: branch "${key}" must be a Receiver, UnboundedReceiver or Sender, received ${
      value === null ? "null" : typeof value
    }`,
  );
}

/** Whether `branch` could be served now, without waiting. */
/**
 * Whether a parked select, now resumed, can be served by `branch` at once:
 * as for a resumed `recv()` or `reserve()`, calls parked after it do not
 * count as ahead of it.
 */
function isReady(branch: Branch): boolean {
  if (branch.chan !== undefined) return branch.chan.readyForResumed();
  const semaphore = branch.ref!.chan.semaphore;
  return semaphore.isClosed() || semaphore.canAcquireNow(1);
}

/** Whether a sender branch has room now, or its channel is closed. */
function senderReady(ref: TxRef<unknown, BatchSemaphore>): boolean {
  const chan = ref.chan;
  const semaphore = chan.semaphore;
  // A parked send or reserve is ahead in line: no barging past it.
  return semaphore.isClosed() ||
    (!chan.hasParkedSends() && semaphore.canAcquireNow(1));
}

/**
 * Takes one ready branch's thing for a resumed select, or returns
 * `undefined` when none is ready. Random among the ready ones unless
 * `biased`.
 */
function takeReady<R>(
  branches: readonly Branch[],
  biased: boolean,
): R | undefined {
  let chosen: Branch | undefined;
  let seen = 0;
  for (const branch of branches) {
    if (!isReady(branch)) continue;
    if (biased) {
      chosen = branch;
      break;
    }
    // Reservoir sampling: each ready branch wins with equal chance, and no
    // array of them is built.
    if (Math.random() * ++seen < 1) chosen = branch;
  }
  return chosen === undefined
    ? undefined
    : take<R>(chosen.key, chosen.chan, chosen.ref);
}

/** Takes the thing of a branch that is ready. */
function take<R>(
  key: string,
  chan: Chan<unknown> | undefined,
  ref: TxRef<unknown, BatchSemaphore> | undefined,
): R {
  if (chan !== undefined) {
    if (chan.list.length === 0) return { key, done: true } as R;
    return { key, value: chan.take(), done: false } as R;
  }
  if (ref!.chan.semaphore.tryAcquire(1) !== ACQUIRED) {
    return { key, done: true } as R;
  }
  ref!.retain();
  return { key, permit: permitOf(ref!), done: false } as R;
}

/**
 * A waiting select: one promise, registered on every branch through a small
 * link node each (a queue node has one pair of links, and each branch has
 * its own queue), settled by the first branch that can serve it. Every
 * other registration is withdrawn in the same step, before the promise
 * settles and before any user code (a message's `then`) can run.
 */
class SelectWaiter extends PromiseWaiter<unknown> implements Parked {
  readonly #biased: boolean;
  // One node per branch, made once: the branch it stands for, and its place
  // in that branch's queue while registered.
  readonly #nodes: (ReceiveNode | ReserveNode)[] = [];
  #registered = false;

  /**
   * Makes the nodes of `branches`, checking each.
   *
   * @throws {TypeError | ReferenceError} As {@linkcode checkBranches}.
   */
  constructor(branches: unknown, biased: boolean) {
    super();
    this.#biased = biased;
    if (typeof branches !== "object" || branches === null) {
      checkBranches(branches);
      return;
    }
    for (const key in branches) {
      if (!Object.hasOwn(branches, key)) continue;
      const value = (branches as Record<string, unknown>)[key];
      const chan = chanOfReceiver(value);
      if (chan !== false) {
        if (chan === undefined) throw disposedBranch(key);
        this.#nodes.push(new ReceiveNode(this, key, chan));
        continue;
      }
      const ref = refOfSender(value);
      if (ref === false) throw notABranch(key, value);
      if (ref === undefined) throw disposedBranch(key);
      this.#nodes.push(new ReserveNode(this, key, ref));
    }
    if (this.#nodes.length === 0) checkBranches(branches);
  }

  /** Registers on every branch; none is ready (checked by the caller). */
  register(): void {
    this.#registered = true;
    for (const node of this.#nodes) node.register();
  }

  /**
   * Parks until the event loop has had its turn. Like a parked `recv()` or
   * `send()`, it holds its place on each branch meanwhile: later calls on
   * those channels park behind it, and its senders stay counted.
   */
  park(): void {
    for (const node of this.#nodes) node.hold();
    park(this);
  }

  /**
   * The budget's turn came: first in line on every branch now, it takes a
   * ready one as a resumed `recv()` or `reserve()` would, or waits.
   */
  resume(): void {
    charge();
    // Taken or registered before the holds go: a sender disposed while the
    // select was parked is still counted until its permit or node is.
    const ready = takeReady<unknown>(this.#nodes, this.#biased);
    if (ready === undefined) this.register();
    for (const node of this.#nodes) node.unhold();
    if (ready === undefined) return;
    this.unlisten();
    this.resolve(ready);
  }

  /**
   * `winner` can serve: stop listening and withdraw every other
   * registration, so the winner alone takes its thing.
   */
  win(winner: ReceiveNode | ReserveNode): void {
    this.unlisten();
    this.#withdraw(winner);
  }

  /** Settles with `outcome`, after {@linkcode SelectWaiter.win}. */
  settle(outcome: unknown): void {
    this.resolve(outcome);
  }

  abort(reason: unknown): void {
    if (this.parked) {
      unpark(this);
      for (const node of this.#nodes) node.unhold();
    } else {
      this.#withdraw(undefined);
    }
    this.reject(reason);
  }

  #withdraw(keep: ReceiveNode | ReserveNode | undefined): void {
    if (!this.#registered) return;
    this.#registered = false;
    for (const node of this.#nodes) if (node !== keep) node.withdraw();
  }
}

/** A select's place in one receiver's line of receive calls. */
class ReceiveNode implements Receiving<unknown>, Branch {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  parked = false;
  readonly ref: undefined = undefined;
  readonly #select: SelectWaiter;
  readonly key: string;
  readonly chan: Chan<unknown>;

  constructor(select: SelectWaiter, key: string, chan: Chan<unknown>) {
    this.#select = select;
    this.key = key;
    this.chan = chan;
  }

  register(): void {
    this.chan.waitReceive(this);
  }

  /** Holds the select's place in the line while it is parked. */
  hold(): void {
    this.chan.holdParkedReceive();
  }

  unhold(): void {
    this.chan.releaseParkedReceive();
  }

  serve(): void {
    this.#select.win(this);
    // The take is complete before the promise is resolved with the value.
    const value = this.chan.take();
    this.#select.settle({ key: this.key, value, done: false });
  }

  finish(): void {
    this.#select.win(this);
    this.#select.settle({ key: this.key, done: true });
  }

  wantsNothing(): boolean {
    return false;
  }

  resume(): void {
    // Never parked: the select as a whole is.
  }

  withdraw(): void {
    this.chan.cancelReceive(this);
  }
}

/** A select's place in one sender's queue for room. */
class ReserveNode implements Acquirer, Branch {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  parked = false;
  readonly needed = 1;
  acquired = 0;
  readonly chan: undefined = undefined;
  readonly #select: SelectWaiter;
  readonly key: string;
  readonly ref: TxRef<unknown, BatchSemaphore>;

  constructor(
    select: SelectWaiter,
    key: string,
    ref: TxRef<unknown, BatchSemaphore>,
  ) {
    this.#select = select;
    this.key = key;
    this.ref = ref;
  }

  register(): void {
    // A waiting reservation keeps its sender counted, like `reserve()`.
    this.ref.retain();
    this.ref.chan.semaphore.enqueue(this);
  }

  /** Holds the select's place in line, and its sender, while parked. */
  hold(): void {
    this.ref.retain();
    this.ref.chan.holdParkedSend();
  }

  unhold(): void {
    this.ref.chan.releaseParkedSend();
    this.ref.release();
  }

  granted(): void {
    this.#select.win(this);
    // The registration's use of the sender passes to the permit.
    const permit = permitOf(this.ref);
    this.#select.settle({ key: this.key, permit, done: false });
  }

  closed(): void {
    this.#select.win(this);
    this.ref.release();
    this.#select.settle({ key: this.key, done: true });
  }

  withdraw(): void {
    // Hands on anything collected (nothing, for one permit) and ends the
    // registration's use of the sender.
    this.ref.chan.semaphore.cancel(this);
    this.ref.release();
  }
}

/** Options of {@linkcode merge}. */
export interface MergeOptions {
  /**
   * Stops the iteration: the pending step rejects with `signal.reason` and
   * takes nothing.
   */
  signal?: AbortSignal | undefined;
}

/**
 * What {@linkcode merge} yields: a message and the name of the receiver it
 * came from, a union that TypeScript narrows by `key`.
 *
 * @typeParam R The receivers.
 */
export type MergeItem<R extends Record<string, AnyReceiver>> = {
  [K in keyof R & string]: R[K] extends
    Receiver<infer T> | UnboundedReceiver<infer T> ? { key: K; value: T }
    : never;
}[keyof R & string];

/**
 * Iterates the messages of several receivers as they come, each with the
 * name of its receiver: Tokio's `StreamMap`. Fair between receivers (each
 * step is a {@linkcode select}); ends when every receiver is closed and
 * drained.
 *
 * Leaving the loop early takes nothing more: unread messages stay in their
 * channels, and the receivers stay open.
 *
 * Cancellation: an abort of `options.signal` rejects the pending step with
 * `signal.reason`; it took nothing.
 *
 * @typeParam R The receivers, by name.
 * @param receivers The receivers to read, by name (at least one).
 * @param options `signal` stops the iteration.
 * @returns An async iterable of `{ key, value }`.
 * @throws {TypeError} (on the first step) If a value is not a receiver.
 *
 * @example Two sources, one loop
 * ```ts
 * import { channel, merge, unboundedChannel } from "@seed/mpsc";
 * import { assertEquals } from "@std/assert";
 *
 * const [clicks, clicksRx] = unboundedChannel<string>();
 * const [ticks, ticksRx] = channel<number>(4);
 * clicks.send("button");
 * await ticks.send(1);
 * clicks.dispose();
 * ticks.dispose();
 *
 * const seen: string[] = [];
 * for await (const item of merge({ clicks: clicksRx, ticks: ticksRx })) {
 *   if (item.key === "clicks") seen.push(`click ${item.value}`);
 *   else seen.push(`tick ${item.value}`);
 * }
 * assertEquals(seen.sort(), ["click button", "tick 1"]);
 * ```
 */
export async function* merge<R extends Record<string, AnyReceiver>>(
  receivers: R,
  options?: MergeOptions,
): AsyncGenerator<MergeItem<R>, void> {
  const open: Record<string, SelectBranch> = { ...receivers };
  const signal = options?.signal;
  let left = Object.keys(open).length;
  if (left === 0) {
    throw new TypeError(
      "Cannot call merge(): receivers must name at least one",
    );
  }
  while (left > 0) {
    const outcome = await select(
      open,
      signal === undefined ? undefined : { signal },
    ) as { key: string; value?: unknown; done: boolean };
    if (outcome.done) {
      delete open[outcome.key];
      left--;
      continue;
    }
    yield { key: outcome.key, value: outcome.value } as MergeItem<R>;
  }
}
