// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The shared receiver's side on the one receive engine: the storage that
// reads the shared list through its codec, and the channel that plugs it
// into `chan.ts`'s `Chan`.
// Internal: not exported from the package.
//
// The line of receive calls (call order, the fast slot, the waiter kinds,
// `select` nodes, budget parking, `busy` while user code runs) is the
// in-process channel's own: `SharedChan` is a `Chan` whose storage is a
// `SharedStore` instead of a `List`, and whose wake-up is an
// `Atomics.waitAsync` on the receiver's word that calls the engine's
// "serve the line" step. The in-process classes stay what they were, so
// their call sites stay monomorphic where only in-process channels run.

import { Chan, type Receiving, REFUSED } from "./chan.ts";
import type { List } from "./list.ts";
import type { SharedCore } from "./shared_chan.ts";
import { CLOSED_BY_RX, RX_GONE, W_RX_SLEEP, W_STATE } from "./shared_layout.ts";
import { Spinner, WordSleeper } from "./shared_wait.ts";
import { codecs } from "./shared_codec.ts";
import { CLOSED, type Semaphore, type TryAcquire } from "./semaphore.ts";

/**
 * The shared list read through its codec, as the engine's storage: the
 * part of `List` the receive side uses (`length`, `pop`, `clear`,
 * `unshift`), plus the run read by `recvMany` and the sleeps.
 *
 * `length` is the number of published slots from the head on in its block
 * (at least 1 whenever a message can be taken at once); slots whose
 * encoding failed (nothing was sent) are skipped as they reach the head,
 * so a positive length always means a message to decode.
 */
export class SharedStore<T> {
  readonly core: SharedCore<T>;
  // Published slots from the head on, not read yet. Invariant: `#run`
  // slots from the head are published; the head is not a hole unless
  // `#run` is 0.
  #run = 0;
  // Messages put back in front (a stream cancelled just after its pull
  // was served): read before the shared list.
  #front: T[] = [];
  // A codec's `decode` runs over the head slot, which is not read yet.
  #reading = false;
  // Set by `clear()`: the receiver is gone; user code that ran during a
  // read must not move the head again.
  #gone = false;
  readonly #sleeper: WordSleeper;
  // How long `sleep` spins before it sleeps.
  readonly #spinner = new Spinner();
  // The slots as numbers, for `codecs.number`; made on first use.
  #f64: Float64Array | undefined = undefined;
  /**
   * Runs when a producer may have published or the state changed: the
   * engine's "serve the line" step, set by its owner.
   */
  wake: () => void = noop;

  constructor(core: SharedCore<T>) {
    this.core = core;
    this.#sleeper = new WordSleeper(core.i32, W_RX_SLEEP, () => this.wake());
  }

  /** Whether the receiver was disposed. */
  get gone(): boolean {
    return this.#gone;
  }

  /** How many messages can be taken now (0: none). */
  get length(): number {
    const front = this.#front.length;
    // While a decode runs the head slot is not ours to look past.
    if (this.#run > 0 || this.#reading || this.#gone) return front + this.#run;
    return front + this.#refill();
  }

  /** Loads the run of published slots at the head, skipping holes. */
  #refill(): number {
    const { list, sem } = this.core;
    let run;
    let holes = 0;
    while ((run = list.readyRun()) > 0) {
      while (run > 0 && list.length(list.headSlot) < 0) {
        list.advance();
        run--;
        holes++;
      }
      if (run > 0) break;
    }
    // A hole's slot is read: its room goes back.
    if (holes > 0) sem.release(holes);
    return this.#run = run;
  }

  /**
   * Takes the message at the head; the caller checked `length`. The codec
   * runs here (user code): it may throw, and the message is then skipped,
   * as one that cannot be read.
   */
  pop(): T {
    if (this.#front.length > 0) return this.#front.shift()!;
    const core = this.core;
    const list = core.list;
    this.#run--;
    const slot = list.headSlot;
    this.#reading = true;
    try {
      return core.codec.decode(
        core.u8,
        core.view,
        list.payloadAt(slot),
        list.length(slot),
      );
    } finally {
      this.#reading = false;
      // A decode that disposed the receiver discarded the slot already.
      if (!this.#gone) {
        list.advance();
        core.sem.release(1);
        if (this.#run > 0 && list.length(list.headSlot) < 0) {
          // Keep the head off holes (see `#run`).
          this.#run = 0;
        }
      }
    }
  }

  /**
   * Appends up to `limit` messages to `buffer` (the caller checked
   * `length`); returns how many, or {@linkcode REFUSED} if the buffer
   * refused the first one. Each message is decoded and pushed before the
   * head moves past it, so a message the buffer refuses stays first. A
   * message that fails to decode is skipped and its error thrown, unless
   * some were appended: then the count so far is returned and it stays
   * first.
   */
  popMany(buffer: T[], limit: number): number {
    let count = 0;
    while (count < limit && this.#front.length > 0) {
      const value = this.#front[0]!;
      if (!pushed(buffer, value)) return count > 0 ? count : REFUSED;
      this.#front.shift();
      count++;
    }
    const fromFront = count;
    const core = this.core;
    const { list, codec, u8, view } = core;
    // `codecs.number` reads straight from a Float64Array over the slots.
    const f64 = codec === NUMBER ? this.#f64 ??= float64s(core) : undefined;
    let start = -1;
    try {
      start = buffer.length;
      // One published run of the head's block at a time: its slots are
      // consecutive, and the head moves past them in one step.
      while (count < limit && !this.#gone && this.length > 0) {
        const run = Math.min(this.#run, limit - count);
        const first = list.headSlot;
        let done = 0;
        this.#reading = true;
        try {
          for (; done < run; done++) {
            const slot = first + done;
            const length = list.length(slot);
            // A hole ends the run; `length` skips it next.
            if (length < 0) break;
            const at = list.payloadAt(slot);
            let value: T;
            try {
              value = f64 !== undefined
                ? f64[at >> 3] as T
                : codec.decode(u8, view, at, length);
            } catch (error) {
              // Unreadable: skipped with its error if first, else it stays
              // first and the call returns what it has.
              if (this.#gone || count + done > 0) return count + done;
              done = 1;
              throw error;
            }
            // `push` is user code: it may refuse, or dispose the receiver
            // (which discarded these slots already).
            let refused = false;
            try {
              buffer.push(value);
            } catch {
              refused = true;
            }
            if (refused) {
              if (this.#gone) return count + done;
              try {
                buffer.length = start + count - fromFront + done;
              } catch {
                // A buffer that refuses to shrink keeps what it took; the
                // channel still has the message.
              }
              return count + done > 0 ? count + done : REFUSED;
            }
            if (this.#gone) return count + done + 1;
          }
        } finally {
          this.#reading = false;
          if (!this.#gone && done > 0) {
            list.advanceBy(done);
            this.#run -= done;
            // The room goes back run by run, not at the end: a producer
            // blocked on a full channel refills it while this reads on.
            core.sem.release(done);
            // Keep the head off holes (see `#run`).
            if (this.#run > 0 && list.length(list.headSlot) < 0) this.#run = 0;
          }
        }
        count += done;
      }
    } finally {
      this.#reading = false;
    }
    return count;
  }

  /** Puts a message back in front of every other one. */
  unshift(value: T): void {
    this.#front.unshift(value);
  }

  /** How many messages were put back and not read yet. */
  get putBack(): number {
    return this.#front.length;
  }

  /**
   * Whether the stream has ended: every strong sender is gone, or the
   * channel is closed and every permit is back; and nothing is left.
   */
  finished(): boolean {
    if (this.#gone) return true;
    if (this.#reading || this.#front.length > 0) return false;
    const { sem, capacity } = this.core;
    if (
      this.core.senders() !== 0 &&
      !(sem.isClosed() && sem.available() === capacity)
    ) {
      return false;
    }
    // Loaded after the count: a sender publishes before it leaves.
    return this.length === 0;
  }

  /**
   * Arranges for `wake` to run once a producer publishes or the channel's
   * state changes. Returns false if something is ready now instead (serve
   * at once).
   */
  sleep(): boolean {
    if (this.#sleeper.pending) return true;
    const { i32, list } = this.core;
    // A spin first: an async sleep costs a promise, a timer and a wake-up
    // from the other side (a futex call there). Its length adapts as the
    // blocking one's does: longer while spins find messages (a producer
    // that keeps up), shorter while they fail (an idle one), so an idle
    // channel costs this thread's event loop little.
    const spinner = this.#spinner;
    let spin = spinner.budget;
    while (spin > 0 && !list.ready()) spin--;
    spinner.done(spin > 0);
    if (spin > 0) return false;
    // Announce the sleep before the last look, so that a producer either
    // sees the flag or this sees its ready bit.
    Atomics.store(i32, W_RX_SLEEP, 1);
    if (list.ready() || this.finished() || !this.#sleeper.sleep(1)) {
      Atomics.store(i32, W_RX_SLEEP, 0);
      return false;
    }
    return true;
  }

  /** Ends a pending sleep: nobody waits any more. */
  endSleep(): void {
    if (
      this.#sleeper.pending && Atomics.exchange(this.core.i32, W_RX_SLEEP, 0)
    ) {
      Atomics.notify(this.core.i32, W_RX_SLEEP);
    }
  }

  /**
   * Blocks until a message may be ready, the stream may have ended, or
   * `deadline` passes (returns false then).
   */
  blockUntilReady(deadline: number): boolean {
    const { i32, spinner, list } = this.core;
    let spin = spinner.budget;
    while (spin > 0 && !list.ready()) spin--;
    spinner.done(spin > 0);
    if (spin > 0) return true;
    Atomics.store(i32, W_RX_SLEEP, 1);
    if (!list.ready() && !this.finished()) {
      const left = deadline - performance.now();
      if (left <= 0) {
        Atomics.store(i32, W_RX_SLEEP, 0);
        return false;
      }
      Atomics.wait(i32, W_RX_SLEEP, 1, left);
    }
    Atomics.store(i32, W_RX_SLEEP, 0);
    return true;
  }

  /**
   * Leaves the shared list to the receiver's next owner (`share()`): from
   * here this thread's copy reads nothing and moves nothing, even if a wake
   * of its last sleep still arrives.
   */
  detach(): void {
    this.endSleep();
    this.#gone = true;
    this.#run = 0;
  }

  /**
   * Discards what is buffered, giving the room back: the receiver goes.
   * Returns 0: the room is given back here, not by the engine.
   */
  clear(): number {
    this.#gone = true;
    this.#run = 0;
    this.#front = [];
    const { list, sem } = this.core;
    let taken = 0;
    while (list.ready()) {
      list.advance();
      taken++;
    }
    if (taken > 0) sem.release(taken);
    this.endSleep();
    return 0;
  }
}

function noop(): void {}

const NUMBER: unknown = codecs.number;
// `codecs.number` writes little-endian; a Float64Array reads in the
// platform's order, so the shortcut is taken only where they agree.
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** A Float64Array over the channel's memory, or undefined if unusable. */
function float64s(core: SharedCore<unknown>): Float64Array | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  const buffer = core.i32.buffer;
  return new Float64Array(buffer, 0, Math.floor(buffer.byteLength / 8));
}

/** Pushes `value`; false if the buffer refused (put back to its length). */
function pushed<T>(buffer: T[], value: T): boolean {
  let before = -1;
  try {
    before = buffer.length;
    buffer.push(value);
    return true;
  } catch {
    try {
      if (before >= 0) buffer.length = before;
    } catch {
      // A buffer that refuses to shrink keeps what it took; the channel
      // still has the message.
    }
    return false;
  }
}

/**
 * The engine's view of the shared room: closing closes the shared
 * semaphore for every thread; the rest is counted in shared memory by the
 * takes themselves, so the engine's own counting is a no-op here.
 */
export class SharedRoom implements Semaphore {
  readonly #core: SharedCore<unknown>;

  constructor(core: SharedCore<unknown>) {
    this.#core = core;
  }

  canAcquireNow(_n: number): boolean {
    return false;
  }

  tryAcquire(_n: number): TryAcquire {
    // The receiver's side never sends.
    return CLOSED;
  }

  isIdle(): boolean {
    const { sem, capacity } = this.#core;
    return sem.available() === capacity;
  }

  addPermits(_n: number): void {
    // Given back by the storage as it reads (`sem.release`).
  }

  close(): void {
    closeShared(this.#core, CLOSED_BY_RX);
  }

  isClosed(): boolean {
    return this.#core.sem.isClosed();
  }

  reclaim(_n: number): void {
    // Messages put back live in this thread's front queue; their slots
    // were given back when they were read.
  }
}

/** Closes the shared channel with `flag` and wakes every thread that waits. */
function closeShared(core: SharedCore<unknown>, flag: number): void {
  core.sem.close();
  Atomics.or(core.i32, W_STATE, flag);
  Atomics.notify(core.i32, W_STATE);
}

/**
 * The shared channel's receiving side: the in-process engine over the
 * shared storage. Its entry points are the engine's, with one step after
 * each: when calls wait and nothing is ready, sleep on the receiver's word
 * until a producer publishes (and serve the line then).
 *
 * @typeParam T The type of the messages.
 */
export class SharedChan<T> extends Chan<T, SharedRoom> {
  readonly store: SharedStore<T>;

  constructor(core: SharedCore<T>) {
    const store = new SharedStore(core);
    // The engine reads its storage through the members `List` and
    // `SharedStore` share (`length`, `pop`, `clear`, `unshift`); the
    // sending side's members (`push`) are never called on a receiver's
    // channel.
    super(
      new SharedRoom(core as SharedCore<unknown>),
      store as unknown as List<T>,
    );
    this.store = store;
    store.wake = () => this.#woken();
  }

  #woken(): void {
    if (!this.busy && !this.rxDropped) this.serveWaiting();
    this.sleepIfWaiting();
  }

  /**
   * While calls wait in line and nothing can be taken, sleeps until a
   * producer publishes; serves the line whenever something is ready; ends
   * the sleep once nobody waits.
   */
  sleepIfWaiting(): void {
    const store = this.store;
    for (;;) {
      // User code runs, or the line is being served: whoever runs that
      // step looks again once it is done.
      if (this.busy || this.serving) return;
      if (!this.hasWaitingReceives() || this.rxDropped) {
        store.endSleep();
        return;
      }
      if (this.list.length > 0 || this.isFinished()) {
        this.serveWaiting();
        continue;
      }
      if (store.sleep()) return;
    }
  }

  override isFinished(): boolean {
    return this.rxDropped || this.store.finished();
  }

  override isClosed(): boolean {
    const core = this.store.core;
    return this.rxClosed || core.sem.isClosed() || core.senders() === 0;
  }

  override take(): T {
    this.busy = true;
    let value: T;
    try {
      value = this.store.pop();
    } finally {
      this.busy = false;
      // Calls made by the codec meanwhile wait behind: serve them, or
      // sleep for them (their own calls could not, while it ran).
      if (this.hasWaitingReceives()) this.sleepIfWaiting();
    }
    return value;
  }

  override takeMany(buffer: T[], limit: number): number {
    this.busy = true;
    let count: number;
    try {
      count = this.store.popMany(buffer, limit);
    } finally {
      this.busy = false;
      if (this.hasWaitingReceives()) this.sleepIfWaiting();
    }
    return count;
  }

  override recv(signal: AbortSignal | undefined): Promise<T | undefined> {
    try {
      return super.recv(signal);
    } catch (error) {
      // A codec that threw on the ready path: the message is skipped.
      return Promise.reject(error);
    } finally {
      this.sleepIfWaiting();
    }
  }

  override recvResult(
    signal: AbortSignal | undefined,
  ): Promise<IteratorResult<T, undefined>> {
    try {
      return super.recvResult(signal);
    } catch (error) {
      return Promise.reject(error);
    } finally {
      this.sleepIfWaiting();
    }
  }

  override recvMany(
    buffer: T[],
    limit: number,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    try {
      return super.recvMany(buffer, limit, signal);
    } catch (error) {
      return Promise.reject(error);
    } finally {
      this.sleepIfWaiting();
    }
  }

  override tryRecv(): T {
    try {
      return super.tryRecv();
    } finally {
      this.sleepIfWaiting();
    }
  }

  override waitReceive(waiter: Receiving<T>): void {
    super.waitReceive(waiter);
    // A `select` registers its branches one after another: serving now
    // could settle it halfway through. Something ready now (another thread
    // published since the select looked) is served in a microtask.
    if (!this.busy && !this.store.sleep()) queueMicrotask(this.#wakeTask);
  }

  readonly #wakeTask = (): void => this.#woken();

  override resumeReceive(
    waiter: Receiving<T>,
  ): void {
    super.resumeReceive(waiter);
    this.sleepIfWaiting();
  }

  override cancelReceive(
    waiter: Receiving<T>,
  ): void {
    super.cancelReceive(waiter);
    if (!this.hasWaitingReceives()) this.store.endSleep();
  }

  override close(): void {
    super.close();
    this.sleepIfWaiting();
  }

  override drop(): void {
    // Senders on every thread learn that the receiver is gone before the
    // buffer is discarded, so nothing published later waits for it.
    closeShared(this.store.core as SharedCore<unknown>, CLOSED_BY_RX | RX_GONE);
    super.drop();
  }
}
