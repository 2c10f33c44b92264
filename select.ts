// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Waiting on several channels at once: `select` takes one thing, `merge` many.

import {
  disposedError,
  flagOf,
  MERGE,
  SELECT,
  signalOf,
  typeError,
} from "./_args.ts";
import {
  type BoundedRef,
  chanOfReceiver,
  internals,
  NOT_A_HANDLE,
  NOT_READY,
  type SharedSenderSide,
  SIDE_CLOSED,
} from "./_internals.ts";
import {
  charge,
  park,
  type Parked,
  rejectCharged,
  rejectOnTurn,
  unpark,
} from "./budget.ts";
import type { Permit, Receiver, Sender } from "./bounded.ts";
import type { Chan, Receiving } from "./chan.ts";
import type { UnboundedReceiver } from "./unbounded.ts";
import type { SharedReceiver } from "./shared_receiver.ts";
import type { SharedSender } from "./shared_sender.ts";
import type { SharedPermit } from "./shared_permit.ts";
import { ACQUIRED, type Acquirer } from "./semaphore.ts";
import {
  isAborted,
  PromiseWaiter,
  reasonOf,
  type Waiter,
  WaiterQueue,
} from "./waiter.ts";

/**
 * A receiver of any message type. (`any`, not `unknown`: handles are
 * invariant, so a `Receiver<number>` is no `Receiver<unknown>`.)
 */
export type AnyReceiver =
  // deno-lint-ignore no-explicit-any
  | Receiver<any>
  // deno-lint-ignore no-explicit-any
  | UnboundedReceiver<any>
  // deno-lint-ignore no-explicit-any
  | SharedReceiver<any>;

/**
 * What `select` can wait on: a receiver (for a message), a bounded sender
 * (for room, granted as a {@linkcode Permit}), a shared sender (for room,
 * granted as a {@linkcode SharedPermit}), or any promise or thenable (for
 * its value). `undefined`, `null` and `false` switch a branch off.
 */
export type SelectBranch =
  | AnyReceiver
  // deno-lint-ignore no-explicit-any
  | Sender<any>
  // deno-lint-ignore no-explicit-any
  | SharedSender<any>
  | Awaitable
  | SwitchedOff;

/**
 * A promise or any other thenable: a branch of {@linkcode select} that
 * wins when it fulfils.
 */
export type Awaitable = PromiseLike<unknown>;

/**
 * A branch that is switched off: Tokio's `, if false`. Write
 * `paused ? undefined : jobs`, or `!paused && jobs`.
 */
export type SwitchedOff = undefined | null | false;

/**
 * The outcome of one branch of a {@linkcode select}: a message from a
 * receiver, a permit from a sender, a promise's value, or `done` when that
 * receiver is closed and drained, or that sender's channel is closed. A
 * branch that may be switched off (`Receiver<T> | undefined`) has the
 * outcome of its handle; one that is always off has none (`never`).
 *
 * @typeParam K The branch's name.
 * @typeParam B The branch's handle or promise.
 */
export type SelectOutcome<K, B> = B extends SwitchedOff ? never
  : B extends Sender<infer T>
    ? { key: K; permit: Permit<T>; done: false } | { key: K; done: true }
  : B extends SharedSender<infer T>
    ? { key: K; permit: SharedPermit<T>; done: false } | { key: K; done: true }
  : B extends
    Receiver<infer T> | UnboundedReceiver<infer T> | SharedReceiver<infer T>
    ? { key: K; value: T; done: false } | { key: K; done: true }
  : B extends PromiseLike<infer T> ? { key: K; value: T; done: false }
  : never;

/**
 * What {@linkcode select} resolves with: one branch's outcome, a union that
 * TypeScript narrows by `key` (then by `done`). Branches that are always
 * switched off are not in it; a union of branch sets (`paused ? { ctl } :
 * { ctl, jobs }`) gives the union of their outcomes.
 *
 * @typeParam B The branches.
 */
export type SelectResult<B extends Record<string, SelectBranch>> = B extends
  unknown ? {
    [K in keyof B & string]: SelectOutcome<K, B[K]>;
  }[keyof B & string]
  : never;

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

/**
 * Waits until one of several branches can serve, and takes exactly one
 * thing from exactly one of them: a message from a receiver, room (a
 * {@linkcode Permit}) from a sender, room (a {@linkcode SharedPermit}) from
 * a `SharedSender`, or the value of a promise. Tokio's `select!`, without
 * the lost messages of `Promise.race`.
 *
 * - Lossless: when the promise settles, one branch took one message or one
 *   permit (or a promise won), and every other branch took nothing and left
 *   no waiter behind.
 * - Fair: among branches ready at the call, one is picked at random;
 *   `biased: true` picks the first in key order. A waiting select keeps its
 *   place among each receiver's receive calls (call order) and queues for
 *   room like any `reserve()` (first come, first served). On a
 *   `SharedSender` it waits in that handle's line of sends, after the
 *   handle's pending `send` and `reserve` calls; room freed on another
 *   thread is granted to it like to any waiting sender, and given back if
 *   another branch won meanwhile.
 * - A branch whose receiver is finished, or whose sender's channel is
 *   closed, is ready: it settles the select with `{ key, done: true }`.
 * - Any promise or thenable is a branch (a deadline, a fetch, a Worker's
 *   reply): it wins with `{ key, value, done: false }` when it fulfils; if
 *   it rejects first, the select rejects with its reason and took nothing
 *   from any channel. A promise that loses is left alone: it keeps its
 *   value for whoever awaits it. Its `then` is read once and called once,
 *   however many selects wait on it (a deadline made before a loop adds
 *   one reaction in all, not one per turn), and a rejection no select is
 *   waiting for is not reported as unhandled, as with `Promise.race`.
 * - Which wins at the call: a promise's outcome comes in a microtask, so a
 *   promise not seen settled before is never ready at the call, even if it
 *   is settled: a ready channel wins over it, and it competes as a waiting
 *   branch (a settled one wins within a microtask). A promise that an
 *   earlier select saw settle is ready at the call, like a ready channel.
 * - A branch whose value is `undefined`, `null` or `false` is switched off
 *   (Tokio's `, if cond`): write `paused ? undefined : jobs` or
 *   `!paused && jobs`. The outcome's type drops a branch that is always
 *   off and keeps one that may be on. All branches off rejects.
 * - `branches` is read once: each getter runs once, before anything is
 *   taken.
 * - One select counts as one operation for the cooperative budget.
 *
 * For a periodic branch use {@linkcode interval}; for a deadline, a promise
 * branch (`delay(ms)` from `@std/async`, made once before the loop) or
 * `signal: AbortSignal.timeout(ms)`, which rejects instead.
 *
 * In a loop whose branches depend on a flag the loop sets (`!paused &&
 * jobs`), TypeScript cannot infer the outcome if the flag is set from the
 * outcome in one expression (`paused = next.value === "pause"` gives
 * TS7022): assign `true` and `false` as the example does, or keep the flag
 * in an object (`state.paused`).
 *
 * Cancellation: an aborted select took nothing from any branch. A permit it
 * resolved with is the caller's, to send through or dispose.
 *
 * @typeParam B The branches: names mapped to handles, promises, or
 * `undefined`, `null` or `false` for a branch switched off.
 * @param branches Receivers, bounded and shared senders and promises, by
 * name (at least one switched on).
 * @param options `signal` cancels the wait; `biased` picks in key order.
 * @returns A promise of the outcome of the branch that won.
 * @throws {TypeError} (rejects) If `branches` is not an object or has no
 * branch switched on, a branch is neither a handle of ours nor a promise or
 * thenable, or `options` are of the wrong type.
 * @throws {ReferenceError} (rejects) If a branch's handle is disposed.
 * @throws (rejects) What a promise branch rejects with, if it rejects
 * first, or what reading a thenable's `then` throws.
 *
 * @example An event loop: jobs, a control channel, a tick, a deadline
 * ```ts
 * import { channel, interval, select } from "@seed/mpsc";
 * import { delay } from "@std/async/delay";
 * import { assertEquals } from "@std/assert";
 *
 * const [submit, jobs] = channel<string>(8);
 * const [control, ctl] = channel<"pause" | "resume" | "stop">(1);
 * await submit.send("a");
 * await control.send("pause");
 *
 * using tick = interval(100);
 * const deadline = delay(50);
 * let paused = false;
 * const done: string[] = [];
 * for (;;) {
 *   const next = await select(
 *     { ctl, jobs: !paused && jobs, tick, deadline },
 *     { biased: true },
 *   );
 *   if (next.key === "deadline" || next.done) break;
 *   if (next.key === "ctl") {
 *     if (next.value === "stop") break;
 *     if (next.value === "pause") paused = true;
 *     else paused = false;
 *   } else if (next.key === "jobs") done.push(next.value);
 *   // else: a tick, to report progress
 * }
 * assertEquals(done, []); // paused first: the job waits in its channel
 * assertEquals(jobs.len(), 1);
 * submit.dispose();
 * control.dispose();
 * ```
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
 * @example Room in a channel to a Worker, or a stop command
 * ```ts
 * import { channel, codecs, select, sharedChannel } from "@seed/mpsc";
 * import { assertEquals } from "@std/assert";
 *
 * const [toWorker, fromMain] = sharedChannel(1, { codec: codecs.number });
 * const [stop, stopRx] = channel<string>(1);
 * toWorker.trySend(1); // full
 * const next = select({ out: toWorker, stop: stopRx });
 * assertEquals(fromMain.tryRecv(), 1); // a Worker would read it there
 * const room = await next;
 * if (room.key === "out" && !room.done) room.permit.send(2);
 * assertEquals(fromMain.tryRecv(), 2);
 * toWorker.dispose();
 * stop.dispose();
 * fromMain.dispose();
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
  const list = takeList();
  let signal: AbortSignal | undefined;
  let biased = false;
  try {
    if (options !== undefined) {
      signal = signalOf(SELECT, options);
      biased = flagOf(SELECT, options as Record<string, unknown>, "biased");
    }
    // The one walk over the caller's object: every getter runs here, so
    // nothing below reads it again. A bad or disposed branch is reported
    // first, even with an aborted signal, as a disposed handle's call is.
    classify(branches, list);
  } catch (error) {
    giveBack(list);
    return rejectCharged(error);
  }
  // Checked after the walk: a getter may have aborted the signal.
  if (signal !== undefined && isAborted(signal)) {
    giveBack(list);
    return rejectCharged(reasonOf(signal));
  }
  // The ready path builds nothing but the outcome. A select that finds the
  // slice spent, or calls parked on a branch it would wait behind, parks as
  // a whole.
  let chosen = charge() ? pickReady(list, biased) : MUST_PARK;
  while (chosen >= 0) {
    const outcome = takeNow(
      list.keys[chosen]!,
      list.kinds[chosen]!,
      list.targets[chosen]!,
    );
    if (outcome === NOT_READY) {
      // A shared sender's room went to another thread between the look
      // and the take: look again (that branch now waits, or another wins).
      chosen = pickReady(list, biased);
      continue;
    }
    giveBack(list);
    return outcome instanceof Rejected
      ? Promise.reject(outcome.reason)
      : Promise.resolve(outcome as SelectResult<B>);
  }
  const waiter = new SelectWaiter(list, biased);
  giveBack(list);
  waiter.listen(signal);
  if (chosen === MUST_PARK) waiter.park();
  else waiter.register();
  return waiter.promise as Promise<SelectResult<B>>;
}

// -- Classifying the branches --

/** A branch that waits for a message: a receiver's channel. */
const RECEIVE_BRANCH = 0;
/** A branch that waits for room: a bounded sender's hold. */
const RESERVE_BRANCH = 1;
/** A branch that waits for a promise or thenable: its watch. */
const PROMISE_BRANCH = 2;
/**
 * A branch that waits for a native promise no select has watched yet: the
 * promise itself, whose watch is made only if the select waits.
 */
const NEW_PROMISE_BRANCH = 3;
/**
 * A branch that waits for room in a shared channel: the sender handle's
 * side, whose waits join that handle's line of sends.
 */
const SHARED_RESERVE_BRANCH = 4;

/**
 * What a branch waits for. A new kind (a shared sender, say) adds a
 * constant here, a case in {@linkcode lookup}, in the ready path's
 * {@linkcode readyNow}, {@linkcode behindParked} and {@linkcode takeNow},
 * and a {@linkcode BranchNode} class for the waiting path. A switched-off
 * branch is no kind: {@linkcode classify} leaves it out.
 */
type BranchKind =
  | typeof RECEIVE_BRANCH
  | typeof RESERVE_BRANCH
  | typeof PROMISE_BRANCH
  | typeof NEW_PROMISE_BRANCH
  | typeof SHARED_RESERVE_BRANCH;

/**
 * What a branch of each kind reaches: its channel, its sender's hold, its
 * promise's watch, a native promise not watched yet, or a shared sender's
 * side.
 */
type Target =
  | Chan<unknown>
  | BoundedRef
  | PromiseWatch
  | Promise<unknown>
  | SharedSenderSide;

/**
 * The branches of one select, classified in one walk over the caller's
 * object: each one's key, kind and target, at the same index of three
 * arrays. One list is kept and reused by the next select, so the ready
 * path allocates nothing for it.
 */
class BranchList {
  /** How many branches are classified. */
  length = 0;
  /** Each branch's name. */
  readonly keys: string[] = [];
  /** Each branch's kind. */
  readonly kinds: BranchKind[] = [];
  /**
   * Each branch's target: a `Chan` for a receive, a hold for a reserve, a
   * watch for a promise.
   */
  readonly targets: Target[] = [];

  /** Adds a classified branch. */
  push(key: string, kind: BranchKind, target: Target): void {
    const i = this.length++;
    this.keys[i] = key;
    this.kinds[i] = kind;
    this.targets[i] = target;
  }

  /** Forgets every branch, letting go of their channels. */
  clear(): void {
    for (let i = 0; i < this.length; i++) {
      this.targets[i] = undefined as unknown as Target;
    }
    this.length = 0;
    // Invariant: the list references no channel and no handle.
  }
}

// The list the next select classifies into. A select in progress holds it
// (a getter it runs may start another select, which then makes its own).
let spareList: BranchList | undefined = new BranchList();

function takeList(): BranchList {
  const list = spareList;
  if (list === undefined) return new BranchList();
  spareList = undefined;
  return list;
}

function giveBack(list: BranchList): void {
  list.clear();
  spareList = list;
}

/**
 * Walks `branches` once, checking each and adding it to `list`; a branch
 * that is `undefined`, `null` or `false` is switched off and left out.
 *
 * @throws {TypeError} If `branches` is not an object or has no branch
 * switched on, or a branch is neither a handle of ours nor a thenable.
 * @throws {ReferenceError} If a branch's handle is disposed.
 * @throws If reading a thenable's `then` throws.
 */
function classify(branches: unknown, list: BranchList): void {
  if (typeof branches !== "object" || branches === null) {
    throw typeError(
      SELECT,
      "branches",
      "an object of receivers, senders and promises",
      branches,
    );
  }
  let off = 0;
  const ownOnly = keysAreOwn(branches);
  for (const key in branches) {
    if (!ownOnly && !Object.hasOwn(branches, key)) continue;
    const value = (branches as Record<string, unknown>)[key];
    if (value === undefined || value === null || value === false) {
      off++;
      continue;
    }
    const kind = lookup(value as object);
    if (kind === NO_KIND) throw notABranch(key, value);
    const target = found;
    found = undefined;
    if (target === undefined) throw disposedBranch(key);
    list.push(key, kind, target);
  }
  if (list.length === 0) {
    throw new TypeError(
      off === 0
        ? `${SELECT}: branches must name at least one branch, received an empty object`
        : `${SELECT}: branches must name at least one branch switched on, received ${off} switched off (undefined, null or false)`,
    );
  }
}

/**
 * Whether every key a `for...in` over `branches` yields is its own: its
 * prototype is `Object.prototype` with nothing enumerable on it (the usual
 * object literal), or `null`. Then the walk needs no `Object.hasOwn` per
 * key, which cost a select of two branches about 15 ns (`for...in` takes
 * its keys once, at the start, so a getter that changes the prototype
 * during the walk changes nothing).
 */
function keysAreOwn(branches: object): boolean {
  const proto = Object.getPrototypeOf(branches);
  if (proto === null) return true;
  if (proto !== Object.prototype) return false;
  for (const _ in proto) return false;
  return true;
}

function disposedBranch(key: string): ReferenceError {
  return disposedError(SELECT, `branch "${key}"`);
}

function notABranch(key: string, value: unknown): TypeError {
  return typeError(
    SELECT,
    `branch "${key}"`,
    "a Receiver, UnboundedReceiver, SharedReceiver, Sender, SharedSender, promise or thenable",
    value,
  );
}

/** What {@linkcode lookup} returns for a value that is no branch. */
const NO_KIND = -1;

/**
 * What {@linkcode lookup} found: the branch's target, or `undefined` for a
 * disposed handle. Set by each lookup, cleared by its caller.
 */
let found: Target | undefined;

// Routing: a failed brand check (`#field in` on an object without the
// field) costs 25 to 100 ns, so trying every class in turn made a sender or
// a promise pay two or three of them. A native promise is known by
// `instanceof` (a few ns) and a `Receiver`, the common branch, is tried
// first; for the other handles, the prototype of the last handle each
// brand check recognised says which to try. The brand checks decide; a
// prototype only orders them.
let unboundedProto: unknown = undefined;
let senderProto: unknown = undefined;
let sharedProto: unknown = undefined;
let sharedSenderProto: unknown = undefined;

/**
 * The kind of branch `value` (not switched off) is, with its target in
 * {@linkcode found}; {@linkcode NO_KIND} if it is neither a handle of ours
 * nor a thenable.
 *
 * @throws If reading a thenable's `then` throws.
 */
function lookup(value: object): BranchKind | typeof NO_KIND {
  if (typeof value !== "object" && typeof value !== "function") return NO_KIND;
  if (value instanceof Promise) {
    // A native promise: a thenable without reading `then`, which is read
    // only if the select waits (a promise that loses at the call is never
    // touched). Its watch is made then too, if it has none yet.
    const watch = watches.get(value);
    if (watch !== undefined) {
      found = watch;
      return PROMISE_BRANCH;
    }
    found = value;
    return NEW_PROMISE_BRANCH;
  }
  // The most common branch first, with no hint needed.
  const first = internals.receiverChan(value);
  if (first !== NOT_A_HANDLE) return foundReceive(first);
  const proto = Object.getPrototypeOf(value);
  if (proto === senderProto) {
    const ref = internals.senderRef(value);
    if (ref !== NOT_A_HANDLE) return foundReserve(ref);
  } else if (proto === unboundedProto) {
    const chan = internals.unboundedReceiverChan(value);
    if (chan !== NOT_A_HANDLE) return foundReceive(chan);
  } else if (proto === sharedProto) {
    const chan = internals.sharedReceiverChan(value);
    if (chan !== NOT_A_HANDLE) return foundReceive(chan);
  } else if (proto === sharedSenderProto) {
    const side = internals.sharedSenderSide(value);
    if (side !== NOT_A_HANDLE) return foundSharedReserve(side);
  }
  const ref = internals.senderRef(value);
  if (ref !== NOT_A_HANDLE) {
    senderProto = proto;
    return foundReserve(ref);
  }
  let chan = internals.unboundedReceiverChan(value);
  if (chan !== NOT_A_HANDLE) {
    unboundedProto = proto;
    return foundReceive(chan);
  }
  // A shared receiver runs on the same receive engine: a receive branch.
  chan = internals.sharedReceiverChan(value);
  if (chan !== NOT_A_HANDLE) {
    sharedProto = proto;
    return foundReceive(chan);
  }
  const side = internals.sharedSenderSide(value);
  if (side !== NOT_A_HANDLE) {
    sharedSenderProto = proto;
    return foundSharedReserve(side);
  }
  const watch = watchOf(value);
  if (watch === undefined) return NO_KIND;
  found = watch;
  return PROMISE_BRANCH;
}

function foundReceive(chan: Chan<unknown> | undefined): BranchKind {
  found = chan;
  return RECEIVE_BRANCH;
}

function foundReserve(ref: BoundedRef | undefined): BranchKind {
  found = ref;
  return RESERVE_BRANCH;
}

function foundSharedReserve(side: SharedSenderSide | undefined): BranchKind {
  found = side;
  return SHARED_RESERVE_BRANCH;
}

// -- Promise branches --

/** A watched promise whose outcome is not known yet. */
const PENDING = 0;
/** A watched promise that fulfilled: `result` is its value. */
const FULFILLED = 1;
/** A watched promise that rejected: `result` is its reason. */
const REJECTED = 2;

/**
 * What `select` knows of one promise or thenable, kept for as long as the
 * promise lives: its `then` (read once, at the first select that meets it),
 * called once (at the first select that must wait on it), with one pair of
 * callbacks; its outcome once it settled; and the selects waiting on it,
 * in a queue they leave in O(1).
 *
 * One watch per promise, not one subscription per select, because a loop
 * selects on the same promise again and again (a deadline made before the
 * loop): a subscription per select would leave one reaction on the promise
 * per turn of the loop, each holding its select, until the promise
 * settles. And a promise seen settled is ready at the next select's call.
 *
 * The callbacks handle a rejection: as with `Promise.race`, a rejection
 * that no select is waiting for is not reported as unhandled. Nothing else
 * is taken from the promise: its holder can still await it.
 */
class PromiseWatch {
  /** {@linkcode PENDING}, {@linkcode FULFILLED} or {@linkcode REJECTED}. */
  state: typeof PENDING | typeof FULFILLED | typeof REJECTED = PENDING;
  /** The value or the reason, once settled. */
  result: unknown = undefined;
  /** The waiting selects' nodes, oldest first. */
  readonly waiting: WaiterQueue<PromiseNode> = new WaiterQueue();
  // Until `subscribe` runs: the thenable, and the `then` read from it
  // (`undefined` for a native promise, whose `then` is read there).
  #source: object | undefined;
  #then: unknown;

  constructor(source: object, then: unknown) {
    this.#source = source;
    this.#then = then;
  }

  /**
   * Calls `then` with this watch's callbacks, the first time only. User
   * code runs here (a thenable's `then`), and may settle the watch at once.
   */
  subscribe(): void {
    const source = this.#source;
    if (source === undefined) return;
    // Cleared first: a `then` that selects on its own thenable again must
    // not subscribe twice.
    let then = this.#then;
    this.#then = this.#source = undefined;
    try {
      if (then === undefined) then = (source as { then?: unknown }).then;
      if (typeof then !== "function") {
        throw typeError(SELECT, "a promise branch's then", "a function", then);
      }
      then.call(
        source,
        (value: unknown) => this.#settle(FULFILLED, value),
        (reason: unknown) => this.#settle(REJECTED, reason),
      );
    } catch (error) {
      // As a promise resolved with this thenable would: rejected, unless a
      // callback came first.
      this.#settle(REJECTED, error);
    }
  }

  #settle(state: typeof FULFILLED | typeof REJECTED, result: unknown): void {
    // A thenable may call back more than once, or both callbacks: the
    // first call counts, as for a promise.
    if (this.state !== PENDING) return;
    this.state = state;
    this.result = result;
    // Invariant: the outcome is final; every select waiting now wins with
    // it (a promise holds its value, so all may take it).
    let node;
    while ((node = this.waiting.shift()) !== undefined) node.fire();
  }
}

// One watch per promise object, for as long as it lives.
const watches = new WeakMap<object, PromiseWatch>();

/**
 * The watch of `value` if it is a promise or thenable, made at the first
 * meeting (reading `then`, user code, once); `undefined` if it is neither.
 *
 * @throws If reading `then` throws.
 */
function watchOf(value: unknown): PromiseWatch | undefined {
  if (typeof value !== "object" && typeof value !== "function") {
    return undefined;
  }
  let watch = watches.get(value as object);
  if (watch !== undefined) return watch;
  const then = (value as { then?: unknown }).then;
  if (typeof then !== "function") return undefined;
  watch = new PromiseWatch(value as object, then);
  watches.set(value as object, watch);
  return watch;
}

/**
 * The watch of a native promise that had none at the call: made now, as
 * the select waits (another select may have made it since).
 */
function watchOfNew(promise: Promise<unknown>): PromiseWatch {
  let watch = watches.get(promise);
  if (watch === undefined) {
    watch = new PromiseWatch(promise, undefined);
    watches.set(promise, watch);
  }
  return watch;
}

/**
 * A promise branch's outcome, once its watch settled: a value, or a
 * {@linkcode Rejected} the select rejects with.
 */
function promiseOutcome(key: string, watch: PromiseWatch): unknown {
  return watch.state === FULFILLED
    ? { key, value: watch.result, done: false }
    : new Rejected(watch.result);
}

/** A promise branch won by rejecting: the select rejects with `reason`. */
class Rejected {
  readonly reason: unknown;
  constructor(reason: unknown) {
    this.reason = reason;
  }
}

// -- The ready path --

/** What `pickReady` returns when no branch is ready. */
const NONE = -1;
/** What `pickReady` returns when the select must park first. */
const MUST_PARK = -2;

/**
 * Picks a branch that is ready now (random among them unless `biased`) and
 * returns its index; {@linkcode NONE} if none is, {@linkcode MUST_PARK} if
 * none is and one stands behind calls parked by the budget.
 */
function pickReady(list: BranchList, biased: boolean): number {
  let chosen = NONE;
  let seen = 0;
  let parked = false;
  for (let i = 0; i < list.length; i++) {
    const kind = list.kinds[i]!;
    const target = list.targets[i]!;
    if (!readyNow(kind, target)) {
      if (behindParked(kind, target)) parked = true;
      continue;
    }
    if (chosen === NONE) {
      chosen = i;
      seen = 1;
      if (biased) break;
      // Reservoir sampling: each ready branch wins with equal chance, and
      // no array of them is built.
    } else if (Math.random() * ++seen < 1) chosen = i;
  }
  return chosen !== NONE ? chosen : parked ? MUST_PARK : NONE;
}

/** Whether a branch could be served now, without waiting. */
function readyNow(kind: BranchKind, target: Target): boolean {
  if (kind === RECEIVE_BRANCH) return (target as Chan<unknown>).receiveReady();
  if (kind === RESERVE_BRANCH) {
    return (target as BoundedRef).chan.reserveReady();
  }
  if (kind === SHARED_RESERVE_BRANCH) {
    return (target as SharedSenderSide).ready();
  }
  // A promise is ready once a select saw it settle; one never seen settled
  // may be settled already, but its outcome only comes in a later
  // microtask, so it competes as a waiting branch.
  return kind === PROMISE_BRANCH &&
    (target as PromiseWatch).state !== PENDING;
}

/** Whether calls parked by the budget stand ahead of a branch. */
function behindParked(kind: BranchKind, target: Target): boolean {
  if (kind === RECEIVE_BRANCH) {
    return (target as Chan<unknown>).hasParkedReceives();
  }
  // A promise has no line to wait in; a shared sender is never ready while
  // its handle's line holds calls (parked ones too), and a select that
  // waits on it joins that line behind them.
  return kind === RESERVE_BRANCH &&
    (target as BoundedRef).chan.hasParkedSends();
}

/**
 * Takes the thing of a branch that is ready: its outcome, a
 * {@linkcode Rejected} for a promise that rejected, or `NOT_READY` for a
 * shared sender whose room another thread took since the look.
 */
function takeNow(key: string, kind: BranchKind, target: Target): unknown {
  if (kind === RECEIVE_BRANCH) {
    const chan = target as Chan<unknown>;
    if (chan.list.length === 0) return { key, done: true };
    let value: unknown;
    try {
      value = chan.take();
    } catch (error) {
      // A shared receiver's codec failed: the select rejects with it.
      return new Rejected(error);
    }
    return { key, value, done: false };
  }
  // Never a NEW_PROMISE_BRANCH: one is never ready at the call.
  if (kind === PROMISE_BRANCH) {
    return promiseOutcome(key, target as PromiseWatch);
  }
  if (kind === SHARED_RESERVE_BRANCH) {
    const permit = (target as SharedSenderSide).take();
    if (permit === NOT_READY) return NOT_READY;
    return permit === SIDE_CLOSED
      ? { key, done: true }
      : { key, permit, done: false };
  }
  const ref = target as BoundedRef;
  if (ref.chan.semaphore.tryAcquire(1) !== ACQUIRED) return { key, done: true };
  ref.retain();
  return { key, permit: internals.newPermit(ref), done: false };
}

// -- The waiting path --

/**
 * A waiting select: one promise, registered on every branch through a small
 * link node each (a queue node has one pair of links, and each branch has
 * its own queue), settled by the first branch that can serve it. Every
 * other registration is withdrawn in the same step, before the promise
 * settles and before any user code (a message's `then`) can run.
 *
 * Why a node per branch: the channels' lines (`WaiterQueue`) are intrusive
 * lists, which is what makes leaving one O(1) with no allocation for a
 * plain `recv()` or `send()`; a select stands in several lines at once, so
 * it needs one pair of links per line. Standing in them without nodes would
 * take lines that hold entries, not waiters (an allocation per entry
 * anyway), or lazy removal (a withdrawn select left in a line until it
 * reaches the head, which breaks the O(1) count a line keeps).
 */
class SelectWaiter extends PromiseWaiter<unknown> implements Parked {
  readonly #biased: boolean;
  // One node per branch, made once from the classified list: the branch it
  // stands for, and its place in that branch's queue while registered.
  readonly #nodes: BranchNode[] = [];
  #registered = false;

  constructor(list: BranchList, biased: boolean) {
    super();
    this.#biased = biased;
    for (let i = 0; i < list.length; i++) {
      const key = list.keys[i]!;
      const target = list.targets[i]!;
      const kind = list.kinds[i]!;
      this.#nodes.push(
        kind === RECEIVE_BRANCH
          ? new ReceiveNode(this, key, target as Chan<unknown>)
          : kind === RESERVE_BRANCH
          ? new ReserveNode(this, key, target as BoundedRef)
          : kind === SHARED_RESERVE_BRANCH
          ? new SharedReserveNode(this, key, target as SharedSenderSide)
          : new PromiseNode(
            this,
            key,
            kind === PROMISE_BRANCH
              ? target as PromiseWatch
              : watchOfNew(target as Promise<unknown>),
          ),
      );
    }
  }

  /**
   * Registers on every branch; none is ready (checked by the caller).
   *
   * The in-process channels' nodes first: registering them runs no user
   * code and cannot settle the select. A shared sender's node may be
   * granted at once (room freed on another thread since the look), and a
   * promise's node may call a thenable's `then`, which may settle the
   * select at once (a thenable that calls back synchronously, a `then` that
   * sends to a branch or aborts the signal); then the walk stops, and
   * every node withdrawn is one that was registered or withdraws safely
   * unregistered (a promise's or a shared sender's node).
   */
  register(): void {
    this.#registered = true;
    for (const node of this.#nodes) {
      if (node.kind < PROMISE_BRANCH) node.register();
    }
    for (const node of this.#nodes) {
      if (!this.#registered) return;
      if (node.kind >= PROMISE_BRANCH) node.register();
    }
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
    let ready;
    // A shared sender's room may go to another thread between the look and
    // the take: look again.
    while ((ready = this.#takeReady()) === NOT_READY);
    if (ready === undefined) this.register();
    for (const node of this.#nodes) node.unhold();
    if (ready === undefined) return;
    this.unlisten();
    this.settle(ready);
  }

  /**
   * Takes one ready branch's thing, or returns `undefined` when none is
   * ready. Random among the ready ones unless biased.
   */
  #takeReady(): unknown {
    let chosen: BranchNode | undefined;
    let seen = 0;
    for (const node of this.#nodes) {
      if (!node.readyForResumed()) continue;
      if (this.#biased) {
        chosen = node;
        break;
      }
      // Reservoir sampling, as on the ready path.
      if (Math.random() * ++seen < 1) chosen = node;
    }
    return chosen?.takeNow();
  }

  /**
   * `winner` can serve: stop listening and withdraw every other
   * registration, so the winner alone takes its thing.
   */
  win(winner: BranchNode): void {
    this.unlisten();
    this.#withdraw(winner);
  }

  /**
   * Settles with `outcome` (rejects, for a {@linkcode Rejected}), after
   * {@linkcode SelectWaiter.win}.
   */
  settle(outcome: unknown): void {
    if (outcome instanceof Rejected) this.reject(outcome.reason);
    else this.resolve(outcome);
  }

  abort(reason: unknown): void {
    if (this.parked) {
      unpark(this);
      for (const node of this.#nodes) node.unhold();
      rejectOnTurn(this, reason);
      return;
    }
    this.#withdraw(undefined);
    this.reject(reason);
  }

  #withdraw(keep: BranchNode | undefined): void {
    if (!this.#registered) return;
    this.#registered = false;
    for (const node of this.#nodes) if (node !== keep) node.withdraw();
    // Invariant: no branch's queue holds a node of this select but `keep`.
  }
}

/** What a waiting select does with one branch, whatever its kind. */
interface BranchNode {
  readonly kind: BranchKind;
  readonly key: string;
  /** Waits in the branch's queue. */
  register(): void;
  /** Holds the select's place on the branch while it is parked. */
  hold(): void;
  /** Ends {@linkcode BranchNode.hold}. */
  unhold(): void;
  /** Leaves the branch's queue. */
  withdraw(): void;
  /**
   * Whether a parked select, now resumed, can be served by this branch at
   * once: as for a resumed `recv()` or `reserve()`, calls parked after it
   * do not count as ahead of it.
   */
  readyForResumed(): boolean;
  /** Takes the branch's thing now (it is ready): the outcome. */
  takeNow(): unknown;
}

/** A select's place in one receiver's line of receive calls. */
class ReceiveNode implements Receiving<unknown>, BranchNode {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  parked = false;
  readonly kind = RECEIVE_BRANCH;
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

  hold(): void {
    this.chan.holdParkedReceive();
  }

  unhold(): void {
    this.chan.releaseParkedReceive();
  }

  readyForResumed(): boolean {
    return this.chan.readyForResumed();
  }

  takeNow(): unknown {
    return takeNow(this.key, RECEIVE_BRANCH, this.chan);
  }

  serve(): void {
    this.#select.win(this);
    // The take is complete before the promise is resolved with the value.
    let value: unknown;
    try {
      value = this.chan.take();
    } catch (error) {
      // A shared receiver's codec failed: the select rejects with it.
      this.#select.settle(new Rejected(error));
      return;
    }
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
class ReserveNode implements Acquirer, BranchNode {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  parked = false;
  readonly needed = 1;
  acquired = 0;
  readonly kind = RESERVE_BRANCH;
  readonly #select: SelectWaiter;
  readonly key: string;
  readonly ref: BoundedRef;

  constructor(select: SelectWaiter, key: string, ref: BoundedRef) {
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

  readyForResumed(): boolean {
    return this.ref.chan.reserveReadyForResumed();
  }

  takeNow(): unknown {
    return takeNow(this.key, RESERVE_BRANCH, this.ref);
  }

  granted(): void {
    this.#select.win(this);
    // The registration's use of the sender passes to the permit.
    const permit = internals.newPermit(this.ref);
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

/**
 * A select's place in one shared sender handle's line of sends: a call
 * there like `reserve()`, so the handle's earlier calls go first.
 */
class SharedReserveNode implements BranchNode {
  readonly kind = SHARED_RESERVE_BRANCH;
  readonly #select: SelectWaiter;
  readonly key: string;
  readonly side: SharedSenderSide;
  #cancel: (() => void) | undefined = undefined;

  constructor(select: SelectWaiter, key: string, side: SharedSenderSide) {
    this.#select = select;
    this.key = key;
    this.side = side;
  }

  register(): void {
    let won = false;
    const cancel = this.side.wait(
      (permit) => {
        won = true;
        this.#cancel = undefined;
        this.#select.win(this);
        this.#select.settle({ key: this.key, permit, done: false });
      },
      () => {
        won = true;
        this.#cancel = undefined;
        this.#select.win(this);
        this.#select.settle({ key: this.key, done: true });
      },
    );
    // Granted (or closed) before `wait` returned: this node won, and there
    // is nothing to withdraw.
    if (!won) this.#cancel = cancel;
  }

  /** Keeps the sender counted while the select is parked. */
  hold(): void {
    this.side.hold();
  }

  unhold(): void {
    this.side.unhold();
  }

  readyForResumed(): boolean {
    return this.side.ready();
  }

  takeNow(): unknown {
    return takeNow(this.key, SHARED_RESERVE_BRANCH, this.side);
  }

  withdraw(): void {
    // Safe when not registered. Room granted meanwhile goes back.
    const cancel = this.#cancel;
    this.#cancel = undefined;
    cancel?.();
  }
}

/**
 * A select's place among the selects waiting on one promise. A promise has
 * no line and no budget hold: it settles once, for every select waiting.
 */
class PromiseNode implements Waiter, BranchNode {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  parked = false;
  readonly kind = PROMISE_BRANCH;
  readonly #select: SelectWaiter;
  readonly key: string;
  readonly watch: PromiseWatch;

  constructor(select: SelectWaiter, key: string, watch: PromiseWatch) {
    this.#select = select;
    this.key = key;
    this.watch = watch;
  }

  register(): void {
    // Settled since the select looked (by user code the select ran): it
    // wins now.
    if (this.watch.state !== PENDING) return this.fire();
    // In the queue before `then` runs: a thenable that calls back at once
    // finds this node waiting.
    this.watch.waiting.push(this);
    this.watch.subscribe();
  }

  hold(): void {}

  unhold(): void {}

  readyForResumed(): boolean {
    return this.watch.state !== PENDING;
  }

  takeNow(): unknown {
    return promiseOutcome(this.key, this.watch);
  }

  /** The promise settled while this node waited: it wins. */
  fire(): void {
    this.#select.win(this);
    this.#select.settle(promiseOutcome(this.key, this.watch));
  }

  withdraw(): void {
    // Safe when not registered: a node in no queue is left as it is.
    this.watch.waiting.remove(this);
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
    Receiver<infer T> | UnboundedReceiver<infer T> | SharedReceiver<infer T>
    ? { key: K; value: T }
    : never;
}[keyof R & string];

/**
 * Iterates the messages of several receivers as they come, each with the
 * name of its receiver: Tokio's `StreamMap`. Fair between receivers (each
 * step is a {@linkcode select}); ends when every receiver is closed and
 * drained.
 *
 * Leaving the loop early takes nothing more: unread messages stay in their
 * channels, and the receivers stay open. A receiver disposed while the
 * loop runs (while a step waits, or in the loop body) ends as if it were
 * drained; the others go on.
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
  // Checked at the first step, with merge's own words; each step's select
  // checks the signal again, cheaply.
  const signal = signalOf(MERGE, options);
  const open: Record<string, SelectBranch> = { ...receivers };
  let left = Object.keys(open).length;
  if (left === 0) {
    throw new TypeError(`${MERGE}: receivers must name at least one receiver`);
  }
  while (left > 0) {
    // A receiver disposed since the last step (in the loop body, say) is
    // finished: its branch ends as if drained, as it does when the
    // disposal comes while a step waits. Its queued messages went with it.
    for (const key in open) {
      if (chanOfReceiver(open[key]) === undefined) {
        delete open[key];
        left--;
      }
    }
    if (left === 0) return;
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
