// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The shared channel's sending handle: SharedSender.
//
// Thin handles: each method checks its arguments, completes at once when it
// can (charging the cooperative budget, as every channel operation that
// does not wait), and otherwise hands a call to the handle's line
// (`shared_send.ts`). Counts live in shared memory (`W_SENDERS`); this file
// owns only when a handle gives its count back.

import { charge } from "./budget.ts";
import {
  CLONE_SENDER,
  describe,
  disposedError,
  QUERY_SENDER,
  RESERVE,
  SEND,
  signalOf,
  WAIT_CLOSED,
} from "./_args.ts";
import { inspectAs } from "./_inspect.ts";
import {
  internals,
  NOT_A_HANDLE,
  NOT_READY,
  type SharedSenderSide,
  SIDE_CLOSED,
} from "./_internals.ts";
import { SendError, SendTimeoutError, TrySendError } from "./error.ts";
import { adopt, issueToken, SharedCore } from "./shared_chan.ts";
import { SharedPermit } from "./shared_permit.ts";
import { W_SENDERS } from "./shared_layout.ts";
import type {
  AdoptOptions,
  BlockingOptions,
  SharedSenderToken,
  SharedWaitOptions,
} from "./shared_options.ts";
import { ACQUIRED, CLOSED, NO_PERMITS } from "./shared_semaphore.ts";
import { SendCall, SendLine } from "./shared_send.ts";
import {
  ABORTED,
  aborted,
  cannotBlock,
  deadlineOf,
  mayBlock,
  reasonFor,
  refuse,
  TIMED_OUT,
  yieldTurn,
} from "./shared_wait.ts";

const RESOLVED: Promise<void> = Promise.resolve();

/** What `#sendNow` returns when the budget's slice is spent. */
const MUST_PARK = 3;

let releaseUse: (sender: SharedSender<never>) => void;

/** A send waiting in its handle's line. */
class SendValue<T> extends SendCall<T, void> {
  readonly sender: SharedSender<T>;
  readonly value: T;
  readonly timed: boolean;

  constructor(sender: SharedSender<T>, value: T, timed: boolean) {
    super();
    this.sender = sender;
    this.value = value;
    this.timed = timed;
  }

  granted(): void {
    try {
      this.line!.core.write(this.value);
    } catch (error) {
      this.reject(error);
      return;
    } finally {
      releaseUse(this.sender as unknown as SharedSender<never>);
    }
    this.resolve();
  }

  failed(how: number, reason: unknown): void {
    releaseUse(this.sender as unknown as SharedSender<never>);
    if (how === TIMED_OUT) {
      this.reject(new SendTimeoutError("timeout", this.value));
    } else if (how === CLOSED) {
      this.reject(
        this.timed
          ? new SendTimeoutError("closed", this.value)
          : new SendError(this.value),
      );
    } else {
      this.reject(reason);
    }
  }
}

/** A reservation waiting in its handle's line. */
class Reserve<T> extends SendCall<T, SharedPermit<T>> {
  readonly sender: SharedSender<T>;

  constructor(sender: SharedSender<T>) {
    super();
    this.sender = sender;
  }

  granted(): void {
    // The call's use passes to the permit.
    this.resolve(new SharedPermit(this.line!.core, this.sender));
  }

  failed(how: number, reason: unknown): void {
    releaseUse(this.sender as unknown as SharedSender<never>);
    this.reject(how === CLOSED ? new SendError(undefined) : reason);
  }
}

/**
 * A select's wait for room in a handle's line: a call like `reserve()`,
 * whose grant goes to the select, unless the select withdrew it first.
 */
class SelectReserve<T> extends SendCall<T, void> {
  readonly sender: SharedSender<T>;
  readonly #granted: (permit: unknown) => void;
  readonly #closed: () => void;
  // Set once the select no longer wants room: a grant that still arrives
  // (another thread granted it just before the withdrawal) goes back.
  #withdrawn = false;
  #settled = false;

  constructor(
    sender: SharedSender<T>,
    granted: (permit: unknown) => void,
    closed: () => void,
  ) {
    super();
    this.sender = sender;
    this.#granted = granted;
    this.#closed = closed;
  }

  granted(): void {
    this.#settled = true;
    if (this.#withdrawn) {
      this.line!.core.releasePermit();
      releaseUse(this.sender as unknown as SharedSender<never>);
      return;
    }
    // The call's use passes to the permit. (The call's own promise is never
    // settled: nobody awaits it, and a rejection would go unhandled.)
    this.#granted(new SharedPermit(this.line!.core, this.sender));
  }

  failed(how: number): void {
    this.#settled = true;
    releaseUse(this.sender as unknown as SharedSender<never>);
    if (!this.#withdrawn && how === CLOSED) this.#closed();
  }

  /** The select settled otherwise, or was aborted: take nothing. */
  withdraw(): void {
    if (this.#settled || this.#withdrawn) return;
    this.#withdrawn = true;
    // Leaves the line; a ticket granted meanwhile comes back through
    // `granted`, which gives the room back.
    this.line!.giveUp(this as SendCall<T, unknown>, ABORTED, undefined);
  }
}

/**
 * The sending half of a shared channel. Clone it on one thread with
 * `clone()`; move a handle to another thread with `share()` and
 * `SharedSender.from()`.
 *
 * - Waiting senders are served first come, first served, across threads.
 * - `blockingSend` blocks a Worker (or any thread that may block).
 * - The channel ends when the last strong sender, on any thread, is
 *   disposed.
 * - It is a branch of `select`, as a `Sender` is: the select waits for
 *   room as a call of this handle (after its pending `send` and `reserve`
 *   calls) and wins with a {@linkcode SharedPermit}, or with
 *   `{ key, done: true }` once the channel is closed. A select that another
 *   branch won, or that was aborted, took no room.
 *
 * @typeParam T The type of the messages.
 *
 * @example Sending from two handles
 * ```ts
 * import { codecs, sharedChannel } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(4, { codec: codecs.string, slotBytes: 16 });
 * const tx2 = tx.clone();
 * await tx.send("a");
 * await tx2.send("b");
 * tx.dispose();
 * tx2.dispose();
 * assertEquals(await rx.recv(), "a");
 * assertEquals(await rx.recv(), "b");
 * assertEquals(await rx.recv(), undefined);
 * ```
 *
 * @example Waiting for room or a stop command with `select`
 * ```ts
 * import { channel, select } from "@seed/mpsc";
 * import { codecs, sharedChannel } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
 * const [stop, stopRx] = channel<void>(1);
 * tx.trySend(1); // full
 * const next = select({ tx, stop: stopRx });
 * stop.dispose(); // the stop branch wins: the select took no room
 * assertEquals(await next, { key: "stop", done: true });
 * assertEquals(rx.tryRecv(), 1);
 * assertEquals(tx.capacity(), 1);
 * tx.dispose();
 * rx.dispose();
 * ```
 */
export class SharedSender<in out T> {
  #core: SharedCore<T> | undefined;
  // The handle itself (until disposed), its pending calls and live permits.
  // Invariant: the channel's strong count includes this handle while
  // `#uses` > 0.
  #uses = 1;
  // The core, kept after `dispose()` until the last use is released.
  #last: SharedCore<T> | undefined;
  // This handle's waiting calls, in call order. While one waits, later
  // calls queue behind it and `trySend` / `tryReserve` report "full", so
  // one sender's messages keep its order; `blockingSend` drives the line
  // before it sends.
  #line: SendLine<T> | undefined;
  #mayBlock: boolean | undefined;
  // What `select` waits on, made at the first select over this handle.
  #side: SharedSenderSide | undefined;

  /**
   * Internal: senders come from `sharedChannel()`, `clone()` and
   * `SharedSender.from()`.
   *
   * @ignore
   */
  constructor(core: unknown) {
    if (!(core instanceof SharedCore)) {
      throw new TypeError("Illegal constructor");
    }
    this.#core = core as SharedCore<T>;
  }

  static {
    releaseUse = (sender) => sender.#releaseUse();
    internals.releaseSharedSenderUse = (value) => {
      if (!(#core in value)) return false;
      value.#releaseUse();
      return true;
    };
    internals.sharedSenderSide = (value) =>
      #core in value
        ? (value.#core === undefined
          ? undefined
          : value.#side ??= value.#sideOf())
        : NOT_A_HANDLE;
    inspectAs(this, "SharedSender", (sender) => {
      const core = sender.#core;
      return core && {
        capacity: core.sem.available(),
        maxCapacity: core.capacity,
        strongCount: core.senders(),
        closed: core.sem.isClosed(),
      };
    });
  }

  /**
   * Adopts a sender token that another thread made with `share()`. The
   * token's strong count becomes this handle's.
   *
   * @typeParam T The type of the messages.
   * @param token A token from `SharedSender.share()`, usually received
   * with a `message` event.
   * @param options The codec, if the channel has one of its creator's.
   * @returns The sender.
   * @throws {TypeError} If `token` is not a sender token of this module, or
   * the channel's codec is a custom one and `options.codec` is missing.
   * @throws {ReferenceError} If the token was already adopted.
   *
   * @example In a Worker
   * ```ts
   * import { codecs, SharedSender, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(4, { codec: codecs.number });
   * const token = tx.share(); // what a Worker would receive
   * tx.dispose();
   * const sender = SharedSender.from(token);
   * assertThrows(() => SharedSender.from(token), ReferenceError);
   * sender.blockingSend(1);
   * sender.dispose();
   * assertEquals(rx.blockingRecv(), 1);
   * assertEquals(rx.blockingRecv(), undefined);
   * ```
   */
  static from<T>(
    token: SharedSenderToken<T>,
    options?: AdoptOptions<T>,
  ): SharedSender<T> {
    return new SharedSender(adopt("sender", token, options));
  }

  #live(action: string): SharedCore<T> {
    const core = this.#core;
    if (core === undefined) {
      throw disposedError(action, "sender");
    }
    return core;
  }

  #releaseUse(): void {
    if (--this.#uses > 0) return;
    const core = this.#core ?? this.#last!;
    this.#last = undefined;
    // Invariant: every message of this handle is published before its
    // count goes, so the receiver that sees zero sees them all.
    if (Atomics.sub(core.i32, W_SENDERS, 1) === 1) core.list.wakeReceiver();
  }

  /**
   * This handle as a `select` branch. Its functions may run after the
   * handle is disposed: the select holds a use of it (a hold, or its call in
   * the line), which keeps the core in `#last`.
   */
  #sideOf(): SharedSenderSide {
    const coreOf = () => (this.#core ?? this.#last)!;
    return {
      ready: () => !this.#waiting() && coreOf().sem.mayTryAcquire(),
      take: () => {
        // A waiting call of this handle goes first.
        if (this.#waiting()) return NOT_READY;
        const core = coreOf();
        switch (core.sem.tryAcquire()) {
          case ACQUIRED:
            return this.#permit(core);
          case CLOSED:
            return SIDE_CLOSED;
        }
        return NOT_READY;
      },
      hold: () => {
        this.#uses++;
      },
      unhold: () => this.#releaseUse(),
      wait: (granted, closed) => {
        const call = new SelectReserve(this, granted, closed);
        this.#queue(coreOf(), call, undefined, Infinity, false);
        return () => call.withdraw();
      },
    };
  }

  /** Whether a call of this handle waits in its line. */
  #waiting(): boolean {
    return this.#line !== undefined && this.#line.length > 0;
  }

  /**
   * The start every send shares: with no call of this handle waiting and
   * the budget's slice not spent, takes room and writes `value` if it can.
   * Returns `ACQUIRED` (sent), `CLOSED`, `NO_PERMITS` (the call must wait:
   * no room, or this handle's earlier calls go first) or `MUST_PARK` (the
   * slice is spent: the call waits for the budget's turn first).
   */
  #sendNow(
    core: SharedCore<T>,
    value: T,
  ): typeof ACQUIRED | typeof NO_PERMITS | typeof CLOSED | typeof MUST_PARK {
    if (this.#waiting()) return NO_PERMITS;
    if (!charge()) return MUST_PARK;
    const outcome = core.sem.tryAcquire();
    if (outcome === ACQUIRED) core.write(value);
    return outcome;
  }

  /** Queues `call` in this handle's line (it holds a use until settled). */
  #queue<R>(
    core: SharedCore<T>,
    call: SendCall<T, R>,
    signal: AbortSignal | undefined,
    deadline: number,
    parkFirst: boolean,
  ): Promise<R> {
    this.#uses++;
    (this.#line ??= new SendLine(core)).start(
      call as SendCall<T, unknown>,
      signal,
      deadline,
      parkFirst,
    );
    return call.promise;
  }

  /**
   * Sends `value`, waiting for room if the channel is full.
   *
   * Order: while a `send` or `reserve` of this handle waits, later calls of
   * the handle wait behind it (a `blockingSend` too), so its messages
   * arrive in call order.
   *
   * Cancellation: an aborted call sent nothing and holds no room; the
   * waiting place it had is skipped. If another thread granted it room just
   * before the abort was seen, the grant is final and the message is sent.
   *
   * @param value The message.
   * @param options A signal to cancel the wait.
   * @returns A promise that resolves once the message is in the channel.
   * Rejects with {@linkcode SendError} if the channel is closed, a
   * `RangeError` if the encoding is larger than `slotBytes` (nothing is
   * sent), or `signal.reason`.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * await tx.send(1);
   * const second = tx.send(2); // waits for room
   * assertEquals(await rx.recv(), 1);
   * await second;
   * assertEquals(await rx.recv(), 2);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  send(value: T, options?: SharedWaitOptions): Promise<void> {
    const action = SEND;
    let core: SharedCore<T>;
    let signal: AbortSignal | undefined;
    let parkFirst = false;
    try {
      core = this.#live(action);
      signal = signalOf(action, options);
      if (aborted(signal)) return refuse(reasonFor(signal!));
      core.check(value);
      switch (this.#sendNow(core, value)) {
        case ACQUIRED:
          return RESOLVED;
        case CLOSED:
          return Promise.reject(new SendError(value));
        case MUST_PARK:
          parkFirst = true;
      }
    } catch (error) {
      return refuse(error);
    }
    return this.#queue(
      core,
      new SendValue(this, value, false),
      signal,
      Infinity,
      parkFirst,
    );
  }

  /**
   * Sends `value` if there is room now, without waiting.
   *
   * @param value The message.
   * @throws {TrySendError} `"full"` if there is no room or other senders
   * wait for it (no barging), a `send` or `reserve` of this handle included
   * (so one sender's messages keep their order), `"closed"` if the channel
   * is closed; its `value` is the message.
   * @throws {RangeError} If the encoding is larger than `slotBytes`
   * (nothing is sent).
   * @throws {ReferenceError} If the sender is disposed.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { TrySendError } from "@seed/mpsc/error";
   * import { assertThrows } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * tx.trySend(1);
   * assertThrows(() => tx.trySend(2), TrySendError, "full");
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  trySend(value: T): void {
    const core = this.#live(SEND);
    core.check(value);
    // A waiting call of this handle goes first.
    if (this.#waiting()) throw new TrySendError("full", value);
    switch (core.sem.tryAcquire()) {
      case ACQUIRED:
        return core.write(value);
      case CLOSED:
        throw new TrySendError("closed", value);
    }
    throw new TrySendError("full", value);
  }

  /**
   * Sends `value`, waiting at most `ms` milliseconds for room. Succeeds at
   * once when there is room, even with `ms` 0.
   *
   * Cancellation: a call that timed out sent nothing and holds no room.
   *
   * @param value The message.
   * @param ms The time limit: a non-negative number (`Infinity`: none).
   * @returns A promise that resolves once sent. Rejects with
   * {@linkcode SendTimeoutError} (`"timeout"` or `"closed"`), or a
   * `RangeError` for a bad `ms` or a too-large encoding.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { SendTimeoutError } from "@seed/mpsc/error";
   * import { assertRejects } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * await tx.sendTimeout(1, 0);
   * await assertRejects(() => tx.sendTimeout(2, 5), SendTimeoutError);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  sendTimeout(value: T, ms: number): Promise<void> {
    const action = SEND;
    let core: SharedCore<T>;
    let deadline: number;
    let parkFirst = false;
    try {
      core = this.#live(action);
      deadline = deadlineOf(action, "ms", ms);
      core.check(value);
      switch (this.#sendNow(core, value)) {
        case ACQUIRED:
          return RESOLVED;
        case CLOSED:
          return Promise.reject(new SendTimeoutError("closed", value));
        case NO_PERMITS:
          // No room, and the budget let the call look: a zero timeout ends
          // here, as a waiting call's would at once.
          if (ms === 0 && !this.#waiting()) {
            return Promise.reject(new SendTimeoutError("timeout", value));
          }
          break;
        case MUST_PARK:
          parkFirst = true;
      }
    } catch (error) {
      return refuse(error);
    }
    return this.#queue(
      core,
      new SendValue(this, value, true),
      undefined,
      deadline,
      parkFirst,
    );
  }

  /**
   * Sends `value`, blocking the thread until there is room: for Workers
   * (and other threads that may block) feeding an async receiver.
   *
   * Where the platform forbids blocking (a browser's main thread) it throws
   * a `TypeError` instead. Deno's and Node's main threads may block; a
   * main thread blocked on a channel that only it could drain stays blocked
   * until `timeout` (Tokio panics there instead).
   *
   * Order: if a `send` or `reserve` of this handle waits, this call first
   * completes it (and every earlier one), blocking, so the handle's
   * messages keep their call order.
   *
   * @param value The message.
   * @param options `timeout`: how long to block at most, in milliseconds.
   * @throws {SendError} If the channel is closed (also while blocked: the
   * receiver's `close()` or `dispose()` wakes it).
   * @throws {SendTimeoutError} `"timeout"` if `timeout` passed first;
   * nothing was sent.
   * @throws {TypeError} If this thread may not block.
   * @throws {RangeError} If the encoding is larger than `slotBytes`.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { SendTimeoutError } from "@seed/mpsc/error";
   * import { assertEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * tx.blockingSend(1);
   * assertThrows(() => tx.blockingSend(2, { timeout: 1 }), SendTimeoutError);
   * assertEquals(rx.blockingRecv(), 1);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  blockingSend(value: T, options?: BlockingOptions): void {
    const action = SEND;
    const core = this.#live(action);
    const deadline = deadlineOf(action, "options.timeout", options?.timeout);
    if (!(this.#mayBlock ??= mayBlock())) {
      throw cannotBlock(action, "send()");
    }
    core.check(value);
    // The handle's waiting calls go first, driven from here: the event
    // loop that would drive them is the one this call blocks.
    if (this.#waiting() && !this.#line!.drainSync(deadline)) {
      throw new SendTimeoutError("timeout", value);
    }
    const sem = core.sem;
    let how: number = sem.tryAcquire();
    if (how === NO_PERMITS) {
      // Before queueing (a ticket, a grant, maybe a sleep), look for room
      // for a while, without writing: in a full channel drained by a busy
      // receiver, a slot frees up within a few hundred nanoseconds.
      const spinner = core.spinner;
      let spin = spinner.budget;
      while (spin > 0 && !sem.mayTryAcquire()) spin--;
      spinner.done(spin > 0);
      if (spin > 0) how = sem.tryAcquire();
      if (how === NO_PERMITS) how = core.acquireSync(deadline);
    }
    if (how === ACQUIRED) return core.write(value);
    if (how === TIMED_OUT) throw new SendTimeoutError("timeout", value);
    throw new SendError(value);
  }

  /**
   * Sends every value of `values`, in order, blocking the thread while the
   * channel is full: {@linkcode SharedSender.blockingSend} for a batch.
   * Values go in runs, as many at a time as there is room for: one claim of
   * positions, one ready-bit write per block and at most one wake-up of the
   * receiver per run, instead of one each per value.
   *
   * Every value is checked by the codec (`byteLengthOf`) before any room is
   * taken. If the call fails partway, the values before the one it names
   * were sent and the rest were not.
   *
   * @param values The values to send.
   * @param options `timeout`: how long to block in all, in milliseconds.
   * @throws {SendError} If the channel is closed; its `value` is the first
   * value not sent.
   * @throws {SendTimeoutError} `"timeout"` if `timeout` passed first; its
   * `value` is the first value not sent.
   * @throws {RangeError} If a value's encoding is larger than `slotBytes`:
   * nothing was sent when the codec could tell before (`byteLengthOf`).
   * @throws {TypeError} If `values` is not an array, or this thread may not
   * block.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(4, { codec: codecs.number });
   * tx.blockingSendMany([1, 2, 3]);
   * tx.dispose();
   * const got: number[] = [];
   * assertEquals(rx.blockingRecvMany(got, 10), 3);
   * assertEquals(got, [1, 2, 3]);
   * rx.dispose();
   * ```
   */
  blockingSendMany(values: readonly T[], options?: BlockingOptions): void {
    const action = SEND;
    const core = this.#live(action);
    if (!Array.isArray(values)) {
      throw new TypeError(
        `${action}: values must be an array, received ${describe(values)}`,
      );
    }
    const deadline = deadlineOf(action, "options.timeout", options?.timeout);
    if (!(this.#mayBlock ??= mayBlock())) {
      throw cannotBlock(action, "send()");
    }
    const count = values.length;
    for (let i = 0; i < count; i++) core.check(values[i]!);
    const sem = core.sem;
    let sent = 0;
    while (sent < count) {
      // A waiting async call of this handle goes first (`blockingSend`
      // drives it); otherwise take what room there is, in one step.
      const got = this.#waiting() ? 0 : sem.tryAcquireUpTo(count - sent);
      if (got > 0) {
        core.writeMany(values, sent, got);
        sent += got;
        continue;
      }
      // No room now, senders queued, or closed: one value the blocking way
      // (it spins, queues in turn, times out, or fails as closed).
      const left = deadline === Infinity
        ? undefined
        : Math.max(0, deadline - performance.now());
      this.blockingSend(values[sent]!, { timeout: left });
      sent++;
    }
  }

  /**
   * Waits for room and holds it as a {@linkcode SharedPermit}, so the value
   * is only made once it has somewhere to go.
   *
   * Cancellation: an aborted call holds no room.
   *
   * @param options A signal to cancel the wait.
   * @returns A promise of the permit. Rejects with {@linkcode SendError}
   * (value `undefined`) if the channel is closed, or `signal.reason`.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * const permit = await tx.reserve();
   * assertEquals(tx.capacity(), 0);
   * permit.send(42);
   * assertEquals(await rx.recv(), 42);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  reserve(options?: SharedWaitOptions): Promise<SharedPermit<T>> {
    const action = RESERVE;
    let core: SharedCore<T>;
    let signal: AbortSignal | undefined;
    let parkFirst = false;
    try {
      core = this.#live(action);
      signal = signalOf(action, options);
      if (aborted(signal)) return refuse(reasonFor(signal!));
      if (!this.#waiting()) {
        if (!charge()) parkFirst = true;
        else {
          switch (core.sem.tryAcquire()) {
            case ACQUIRED:
              return Promise.resolve(this.#permit(core));
            case CLOSED:
              return Promise.reject(new SendError(undefined));
          }
        }
      }
    } catch (error) {
      return refuse(error);
    }
    return this.#queue(core, new Reserve(this), signal, Infinity, parkFirst);
  }

  #permit(core: SharedCore<T>): SharedPermit<T> {
    this.#uses++;
    return new SharedPermit(core, this);
  }

  /**
   * Takes room now as a {@linkcode SharedPermit}, without waiting.
   *
   * @returns The permit.
   * @throws {TrySendError} `"full"` (also while a `send` or `reserve` of
   * this handle waits) or `"closed"` (value `undefined`).
   * @throws {ReferenceError} If the sender is disposed.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(2, { codec: codecs.number });
   * using permit = tx.tryReserve();
   * assertEquals(tx.capacity(), 1);
   * permit.send(1);
   * assertEquals(rx.tryRecv(), 1);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  tryReserve(): SharedPermit<T> {
    const core = this.#live(RESERVE);
    // A waiting call of this handle goes first.
    if (this.#waiting()) throw new TrySendError("full", undefined);
    switch (core.sem.tryAcquire()) {
      case ACQUIRED:
        return this.#permit(core);
      case CLOSED:
        throw new TrySendError("closed", undefined);
    }
    throw new TrySendError("full", undefined);
  }

  /**
   * Resolves once the receiver has closed the channel or been disposed.
   *
   * Cancellation: an aborted call changes nothing.
   *
   * @param options A signal to stop waiting.
   * @returns A promise that resolves when the channel is closed, or rejects
   * with `signal.reason`.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * const closed = tx.closed();
   * rx.close();
   * await closed;
   * assert(tx.isClosed());
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  async closed(options?: SharedWaitOptions): Promise<void> {
    // Counted like any operation that may complete at once, the ones that
    // fail included: a loop of `await tx.closed()` on a closed channel must
    // still let timers run.
    if (!charge()) await yieldTurn();
    const action = WAIT_CLOSED;
    const core = this.#live(action);
    const signal = signalOf(action, options);
    if (aborted(signal)) throw reasonFor(signal!);
    if (core.isClosed()) return;
    return core.waitClosed(signal);
  }

  /**
   * Whether the receiver has closed the channel or been disposed.
   *
   * @returns `true` once sends fail.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * assert(!tx.isClosed());
   * rx.dispose();
   * assert(tx.isClosed());
   * tx.dispose();
   * ```
   */
  isClosed(): boolean {
    return this.#live(QUERY_SENDER).sem.isClosed();
  }

  /**
   * The room left now: `maxCapacity()` minus buffered messages minus
   * permits held (on every thread).
   *
   * @returns The number of free slots.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(3, { codec: codecs.number });
   * tx.trySend(1);
   * assertEquals(tx.capacity(), 2);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  capacity(): number {
    return this.#live(QUERY_SENDER).sem.available();
  }

  /**
   * The channel's capacity, as created.
   *
   * @returns The `capacity` passed to `sharedChannel()`.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(8);
   * assertEquals(tx.maxCapacity(), 8);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  maxCapacity(): number {
    return this.#live(QUERY_SENDER).capacity;
  }

  /**
   * The number of strong senders on every thread, tokens not yet adopted
   * included.
   *
   * @returns The count.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * const tx2 = tx.clone();
   * assertEquals(tx.strongCount(), 2);
   * tx2.dispose();
   * assertEquals(tx.strongCount(), 1);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  strongCount(): number {
    return this.#live(QUERY_SENDER).senders();
  }

  /**
   * Makes another sender on this thread (one more strong sender).
   *
   * @returns The new sender.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * using tx2 = tx.clone();
   * assertEquals(rx.senderStrongCount(), 2);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  clone(): SharedSender<T> {
    const core = this.#live(CLONE_SENDER);
    Atomics.add(core.i32, W_SENDERS, 1);
    return new SharedSender(core);
  }

  /**
   * Makes a token for another thread: post it (it is structured-cloneable)
   * and adopt it there with `SharedSender.from()`. The token counts as a
   * strong sender from now on; this handle stays usable.
   *
   * A token that is never adopted, like a sender in a Worker that is
   * terminated, keeps the channel open: close it from the receiver.
   *
   * @returns The token.
   * @throws {RangeError} If 64 tokens of this channel wait to be adopted.
   *
   * @example Usage
   * ```ts
   * import { SharedSender, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * const token = structuredClone(tx.share());
   * const there = SharedSender.from(token);
   * assertEquals(rx.senderStrongCount(), 2);
   * there.dispose();
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  share(): SharedSenderToken<T> {
    const action = "Cannot share sender";
    const core = this.#live(action);
    Atomics.add(core.i32, W_SENDERS, 1);
    try {
      return issueToken<SharedSenderToken<T>>(
        core as SharedCore<unknown>,
        action,
        "sender",
      );
    } catch (error) {
      // This handle keeps its own count: only the token's goes.
      Atomics.sub(core.i32, W_SENDERS, 1);
      throw error;
    }
  }

  /**
   * Gives up this handle. Its strong count goes once its pending calls and
   * permits are done; the last strong sender's count ends the stream after
   * the buffered messages. Idempotent; any other call afterwards throws
   * `ReferenceError`.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * tx.dispose();
   * assertEquals(await rx.recv(), undefined);
   * rx.dispose();
   * ```
   */
  dispose(): void {
    const core = this.#core;
    if (core === undefined) return;
    this.#core = undefined;
    this.#last = core;
    this.#releaseUse();
  }

  /**
   * The same function as `dispose()`, for `using`.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * {
   *   using _sender = tx;
   * }
   * assertEquals(rx.senderStrongCount(), 0);
   * rx.dispose();
   * ```
   */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
