// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Shared channels: a bounded channel in one SharedArrayBuffer, whose handles move between Workers.
//
// How this relates to the one-thread channel: `bounded.ts` keeps messages
// as values in `list.ts`'s growing block list and counts room with
// `semaphore.ts`; here the messages are bytes in `shared_list.ts`'s fixed
// ring of blocks (Tokio's block list, sized up front), room is counted by
// `shared_semaphore.ts` in the same memory, and `shared_codec.ts` turns
// values into bytes. The handles below add what crossing threads needs:
// tokens to move a handle, the strong sender count in shared memory, and
// waiting with `Atomics.waitAsync` (async calls) or `Atomics.wait`
// (`blocking*` calls).
//
// Waking costs nothing when nobody sleeps: a sleeping receiver announces
// itself in one word that producers load after each message, and a sleeping
// sender sleeps on its own ticket entry, which only a grant or a close
// changes.

import {
  SendError,
  SendTimeoutError,
  TryRecvError,
  TrySendError,
} from "./error.ts";
import { bufferRefused, checkInteger, describe, inspectAs } from "./chan.ts";
import { type Codec, codecs } from "./shared_codec.ts";
import {
  ATOMICS,
  CLOSED_BY_RX,
  initialize,
  type Layout,
  layoutOf,
  MAX_BUFFER_BYTES,
  MAX_SHARED_CAPACITY,
  MAX_SLOT_BYTES,
  readLayout,
  RX_GONE,
  SharedList,
  TOKEN_ENTRIES,
  W_CODEC,
  W_HEAD_TICKET,
  W_OVERFLOW,
  W_RX_SLEEP,
  W_SENDERS,
  W_STATE,
  W_TOKEN_SERIAL,
} from "./shared_list.ts";
import {
  ACQUIRED,
  CLOSED,
  PENDING,
  SharedSemaphore,
} from "./shared_semaphore.ts";

export { type Codec, codecs, type JsonCodec } from "./shared_codec.ts";

// -- Options and tokens --

/**
 * Options of {@linkcode sharedChannel}.
 *
 * @typeParam T The type of the messages.
 *
 * @example Numbers in 8-byte slots
 * ```ts
 * import { codecs, sharedChannel, type SharedChannelOptions } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const options: SharedChannelOptions<number> = { codec: codecs.number };
 * const [tx, rx] = sharedChannel(16, options);
 * assertEquals(tx.maxCapacity(), 16);
 * tx.dispose();
 * rx.dispose();
 * ```
 */
export interface SharedChannelOptions<T> {
  /**
   * The size of one slot in bytes: the largest encoded message. An integer
   * from 1 to 16,777,216. Defaults to the codec's `byteLength`, or 256.
   */
  slotBytes?: number | undefined;
  /** Turns messages into bytes and back. Defaults to `codecs.bytes`. */
  codec?: Codec<T> | undefined;
}

/**
 * Options of every method that can wait asynchronously.
 *
 * @example Cancelling a receive
 * ```ts
 * import { sharedChannel } from "@seed/mpsc/shared";
 * import { assertRejects } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(1);
 * const controller = new AbortController();
 * const pending = rx.recv({ signal: controller.signal });
 * controller.abort(new Error("gave up"));
 * await assertRejects(() => pending, Error, "gave up");
 * tx.dispose();
 * rx.dispose();
 * ```
 */
export interface SharedWaitOptions {
  /**
   * Cancels the wait. An already aborted signal rejects at once with
   * `signal.reason` and changes nothing; an abort while waiting rejects with
   * `signal.reason` and takes nothing (unless another thread granted the
   * call first: a granted call completes).
   */
  signal?: AbortSignal | undefined;
}

/**
 * Options of the blocking methods.
 *
 * @example A receive that gives up
 * ```ts
 * import { sharedChannel } from "@seed/mpsc/shared";
 * import { assertThrows } from "@std/assert";
 * import { TryRecvError } from "@seed/mpsc/error";
 *
 * const [tx, rx] = sharedChannel(1);
 * assertThrows(() => rx.blockingRecv({ timeout: 1 }), TryRecvError);
 * tx.dispose();
 * rx.dispose();
 * ```
 */
export interface BlockingOptions {
  /**
   * How long to block at most, in milliseconds: a non-negative number
   * (`Infinity`, the default, means no limit).
   */
  timeout?: number | undefined;
}

/**
 * Options of `SharedSender.from()` and `SharedReceiver.from()`.
 *
 * @typeParam T The type of the messages.
 *
 * @example Passing a custom codec again
 * ```ts
 * import { type Codec, SharedReceiver, sharedChannel } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const byte: Codec<number> = {
 *   byteLength: 1,
 *   encode: (value, bytes, _view, offset) => (bytes[offset] = value, 1),
 *   decode: (bytes, _view, offset) => bytes[offset]!,
 * };
 * const [tx, rx] = sharedChannel(2, { codec: byte });
 * const moved = SharedReceiver.from(rx.share(), { codec: byte });
 * tx.trySend(7);
 * assertEquals(moved.tryRecv(), 7);
 * tx.dispose();
 * moved.dispose();
 * ```
 */
export interface AdoptOptions<T> {
  /**
   * The channel's codec. Needed when the channel was created with a codec
   * of your own (functions cannot cross threads); the built-in codecs are
   * found again from the token.
   */
  codec?: Codec<T> | undefined;
}

/**
 * A sender handle on its way to another thread: a plain, structured-cloneable
 * object (it holds the channel's `SharedArrayBuffer`). It counts as a strong
 * sender from `share()` on, until adopted with `SharedSender.from()` (once).
 *
 * @typeParam T The type of the messages.
 *
 * @example Posting a sender to a Worker
 * ```ts
 * import { sharedChannel, type SharedSenderToken } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(4);
 * const token: SharedSenderToken<Uint8Array> = tx.share();
 * // worker.postMessage(token) would go here.
 * assertEquals(token.kind, "sender");
 * assertEquals(rx.senderStrongCount(), 2);
 * tx.dispose();
 * rx.dispose();
 * ```
 */
export interface SharedSenderToken<T> {
  /** Marks the object as a token of this module. */
  readonly type: "@seed/mpsc/shared";
  /** Which handle the token carries. */
  readonly kind: "sender";
  /** The channel's memory. */
  readonly buffer: SharedArrayBuffer;
  /** The token's serial number. */
  readonly serial: number;
  /** The token's entry in the channel's token table. */
  readonly entry: number;
  /** Never present: carries the message type. */
  readonly messageType?: (value: T) => T;
}

/**
 * A receiver on its way to another thread, made by `SharedReceiver.share()`
 * (which consumes the local receiver); adopt it once with
 * `SharedReceiver.from()`.
 *
 * @typeParam T The type of the messages.
 *
 * @example Moving the receiver
 * ```ts
 * import { SharedReceiver, sharedChannel, type SharedReceiverToken } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(4);
 * const token: SharedReceiverToken<Uint8Array> = rx.share();
 * const moved = SharedReceiver.from(token);
 * tx.trySend(new Uint8Array([1]));
 * assertEquals(moved.tryRecv(), new Uint8Array([1]));
 * tx.dispose();
 * moved.dispose();
 * ```
 */
export interface SharedReceiverToken<T> {
  /** Marks the object as a token of this module. */
  readonly type: "@seed/mpsc/shared";
  /** Which handle the token carries. */
  readonly kind: "receiver";
  /** The channel's memory. */
  readonly buffer: SharedArrayBuffer;
  /** The token's serial number. */
  readonly serial: number;
  /** The token's entry in the channel's token table. */
  readonly entry: number;
  /** Never present: carries the message type. */
  readonly messageType?: (value: T) => T;
}

const TOKEN_TYPE = "@seed/mpsc/shared";

// -- Checks --

/** Checks a time limit; returns the deadline on `performance.now()`. */
function deadlineOf(action: string, name: string, ms: unknown): number {
  if (ms === undefined) return Infinity;
  if (typeof ms !== "number") {
    throw new TypeError(
      `${action}: ${name} must be a number, received ${describe(ms)}`,
    );
  }
  if (!(ms >= 0)) {
    throw new RangeError(
      `${action}: ${name} must be a non-negative number of milliseconds, received ${ms}`,
    );
  }
  return performance.now() + ms;
}

function signalOf(
  action: string,
  options: SharedWaitOptions | undefined,
): AbortSignal | undefined {
  const signal = options?.signal;
  if (signal === undefined) return undefined;
  // Brand check: only a real AbortSignal has the `aborted` getter.
  try {
    Reflect.get(AbortSignal.prototype, "aborted", signal);
  } catch {
    throw new TypeError(
      `${action}: options.signal must be an AbortSignal, received ${
        describe(signal)
      }`,
    );
  }
  return signal;
}

function disposed(action: string, handle: string): ReferenceError {
  return new ReferenceError(`${action}: ${handle} is disposed`);
}

let probe: Int32Array | undefined;

/** Whether this thread may block in `Atomics.wait`. */
function mayBlock(): boolean {
  probe ??= new Int32Array(new SharedArrayBuffer(4));
  try {
    // Returns "not-equal" at once where waiting is allowed; throws where
    // the platform forbids it (a browser's main thread).
    Atomics.wait(probe, 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

function cannotBlock(action: string, instead: string): TypeError {
  return new TypeError(
    `${action}: this thread may not block (Atomics.wait is not allowed here, as on a browser's main thread): use ${instead} instead`,
  );
}

// -- Waiting --

/**
 * How many times a blocking call looks again before it sleeps, at most.
 * Sleeping and waking cost a system call each (microseconds); a short spin
 * first catches the other side when it is about to act, as in a ping-pong.
 * But a spin steals the core the other side may need when threads outnumber
 * cores, so each thread adapts its spin (see {@linkcode Spinner}).
 */
const SPINS = 4000;

/**
 * An adaptive spin budget, as adaptive mutexes keep one: it doubles when a
 * spin ended in success and halves when the thread had to sleep anyway.
 */
class Spinner {
  budget = 64;

  /** Records how a spin ended. */
  done(success: boolean): void {
    const budget = this.budget;
    if (success) {
      if (budget < SPINS) this.budget = budget * 2;
    } else if (budget > 16) {
      this.budget = budget >> 1;
    }
  }
}

// Distinct from the semaphore's outcomes (ACQUIRED, CLOSED), which the
// acquiring functions return too.
const WOKEN = 10;
const ABORTED = 11;
const TIMED_OUT = 12;
type Wake = typeof WOKEN | typeof ABORTED | typeof TIMED_OUT;
const MAX_TIMER = 2 ** 31 - 1;

interface WaitAsyncResult {
  async: boolean;
  value: Promise<unknown> | string;
}
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) => WaitAsyncResult;
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

// Deno does not count a pending `Atomics.waitAsync` as work for its event
// loop: with nothing else pending it ends the program (or fails the test)
// before the wake-up arrives, even one posted from this very thread. So
// while any async wait is pending, one long timer keeps the loop alive.
let pendingWaits = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

function waitStarted(): void {
  if (pendingWaits++ === 0) keepAlive = setInterval(() => {}, MAX_TIMER);
}

function waitEnded(): void {
  if (--pendingWaits === 0) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

/**
 * Waits until `i32[index]` may have changed from `value`, the signal
 * aborts, or `deadline` passes. Where `Atomics.waitAsync` is missing, it
 * polls every millisecond. An abort or time limit leaves the underlying
 * wait pending: the caller notifies the word to end it.
 */
function sleepAsync(
  i32: Int32Array,
  index: number,
  value: number,
  signal: AbortSignal | undefined,
  deadline: number,
): Promise<Wake> {
  let woken: Promise<unknown>;
  if (waitAsync === undefined) {
    woken = new Promise((resolve) => setTimeout(resolve, 1));
  } else {
    const result = waitAsync(i32, index, value);
    if (!result.async) return Promise.resolve(WOKEN);
    woken = result.value as Promise<unknown>;
  }
  waitStarted();
  return new Promise<Wake>((resolve) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (how: Wake) => {
      if (settled) return;
      settled = true;
      waitEnded();
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(how);
    };
    const onAbort = () => done(ABORTED);
    woken.then(() => done(WOKEN));
    signal?.addEventListener("abort", onAbort);
    if (deadline !== Infinity) {
      const ms = Math.min(MAX_TIMER, Math.max(0, deadline - performance.now()));
      timer = setTimeout(() => done(TIMED_OUT), ms);
    }
  });
}

/**
 * Waits until `before` settles (WOKEN), the signal aborts, or `deadline`
 * passes: a call waiting behind an earlier call of the same handle.
 */
function waitBehind(
  before: Promise<void>,
  signal: AbortSignal | undefined,
  deadline: number,
): Promise<Wake> {
  return new Promise<Wake>((resolve) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (how: Wake) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(how);
    };
    const onAbort = () => done(ABORTED);
    before.then(() => done(WOKEN));
    signal?.addEventListener("abort", onAbort);
    if (deadline !== Infinity) {
      const ms = Math.min(MAX_TIMER, Math.max(0, deadline - performance.now()));
      timer = setTimeout(() => done(TIMED_OUT), ms);
    }
  });
}

// -- The channel's memory, seen from one thread --

function tooLarge(length: number, limit: number): RangeError {
  return new RangeError(
    `Cannot send value: its encoding takes ${length} bytes, more than slotBytes (${limit})`,
  );
}

/** Everything a handle needs to reach the channel. */
class Core<T> {
  readonly buffer: SharedArrayBuffer;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly view: DataView;
  readonly layout: Layout;
  readonly list: SharedList;
  readonly sem: SharedSemaphore;
  readonly codec: Codec<T>;
  readonly capacity: number;
  readonly slotBytes: number;
  readonly dataAt: number;
  /** This thread's spin budget before it blocks. */
  readonly spinner: Spinner = new Spinner();

  constructor(buffer: SharedArrayBuffer, layout: Layout, codec: Codec<T>) {
    this.buffer = buffer;
    this.i32 = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.layout = layout;
    this.list = new SharedList(this.i32, layout, ATOMICS);
    this.sem = new SharedSemaphore(
      this.i32,
      layout.capacity,
      layout.ticketsAt,
      ATOMICS,
    );
    this.sem.onClosedRelease = () => this.list.wakeReceiver();
    this.codec = codec;
    this.capacity = layout.capacity;
    this.slotBytes = layout.slotBytes;
    this.dataAt = layout.dataAt;
  }

  /**
   * Sends `value` with a permit the caller holds. If the codec fails or the
   * encoding does not fit, the claimed slot is published as empty (the
   * receiver skips it and gives its permit back) and the error is thrown:
   * nothing is sent.
   */
  write(value: T): void {
    const list = this.list;
    const position = list.claim();
    if (!list.check(position)) {
      throw new Error("Cannot send value: shared channel memory is corrupt");
    }
    const slot = list.slotOf(position);
    const limit = this.slotBytes;
    let length = -1;
    try {
      length = this.codec.encode(
        value,
        this.u8,
        this.view,
        list.payloadAt(slot),
        limit,
      );
      if (!(length >= 0 && length <= limit && Number.isInteger(length))) {
        throw tooLarge(length, limit);
      }
    } catch (error) {
      length = -1;
      throw error;
    } finally {
      list.setLength(slot, length);
      list.publish(position);
      list.wakeReceiver();
    }
  }

  /**
   * Throws if the codec can tell, before any room is taken, that `value`
   * cannot be sent: a `RangeError` if too large, or the codec's error.
   */
  check(value: T): void {
    const codec = this.codec;
    if (codec.byteLengthOf === undefined) return;
    const length = codec.byteLengthOf(value);
    if (length > this.slotBytes) throw tooLarge(length, this.slotBytes);
  }

  /** Gives back one permit a sender held and did not use. */
  releasePermit(): void {
    // After a close, the receiver may be waiting for the last permits.
    if (this.sem.release(1)) this.list.wakeReceiver();
  }

  /** Waits for a permit asynchronously. */
  async acquire(
    signal: AbortSignal | undefined,
    deadline: number,
  ): Promise<number> {
    const { i32, sem } = this;
    let ticket: number;
    for (;;) {
      ticket = sem.enqueue();
      if (ticket === -2) return CLOSED;
      if (ticket >= 0) break;
      // The ticket ring is full: wait for its head to move.
      Atomics.add(i32, W_OVERFLOW, 1);
      const head = Atomics.load(i32, W_HEAD_TICKET);
      ticket = sem.enqueue();
      if (ticket !== -1) {
        Atomics.sub(i32, W_OVERFLOW, 1);
        if (ticket === -2) return CLOSED;
        break;
      }
      const how = await sleepAsync(i32, W_HEAD_TICKET, head, signal, deadline);
      Atomics.sub(i32, W_OVERFLOW, 1);
      if (how === WOKEN) continue;
      if (how === TIMED_OUT && performance.now() < deadline) continue;
      Atomics.notify(i32, W_HEAD_TICKET);
      return how;
    }
    for (;;) {
      const state = sem.poll(ticket);
      if (state !== PENDING) return state;
      const value = sem.prepareSleep(ticket);
      if (value === undefined) continue;
      const index = sem.entryIndex(ticket);
      const how = await sleepAsync(i32, index, value, signal, deadline);
      if (how === WOKEN) continue;
      if (how === TIMED_OUT && performance.now() < deadline) continue;
      // Giving up takes nothing; `cancel` wakes the wait left pending. If a
      // grant came first, it is final: the call completes.
      return sem.cancel(ticket) ? how : ACQUIRED;
    }
  }

  /** Waits for a permit, blocking the thread. */
  acquireSync(deadline: number): number {
    const { i32, sem } = this;
    let ticket: number;
    for (;;) {
      ticket = sem.enqueue();
      if (ticket === -2) return CLOSED;
      if (ticket >= 0) break;
      Atomics.add(i32, W_OVERFLOW, 1);
      const head = Atomics.load(i32, W_HEAD_TICKET);
      ticket = sem.enqueue();
      if (ticket === -1) {
        Atomics.wait(i32, W_HEAD_TICKET, head, deadline - performance.now());
      }
      Atomics.sub(i32, W_OVERFLOW, 1);
      if (ticket === -2) return CLOSED;
      if (ticket >= 0) break;
      if (performance.now() >= deadline) return TIMED_OUT;
    }
    const spinner = this.spinner;
    let spin = spinner.budget;
    while (spin > 0 && sem.poll(ticket) === PENDING) spin--;
    spinner.done(spin > 0);
    for (;;) {
      const state = sem.poll(ticket);
      if (state !== PENDING) return state;
      const value = sem.prepareSleep(ticket);
      if (value === undefined) continue;
      const left = deadline - performance.now();
      if (left > 0) Atomics.wait(i32, sem.entryIndex(ticket), value, left);
      if (performance.now() < deadline) continue;
      if (sem.poll(ticket) !== PENDING) continue;
      return sem.cancel(ticket) ? TIMED_OUT : ACQUIRED;
    }
  }
}

/** The built-in codecs by the id a channel's header keeps (0: custom). */
const CODEC_IDS: readonly unknown[] = [
  undefined,
  codecs.bytes,
  codecs.number,
  codecs.string,
  codecs.json,
];

function checkCodec<T>(action: string, codec: unknown): Codec<T> {
  if (
    typeof codec !== "object" || codec === null ||
    typeof (codec as Codec<T>).encode !== "function" ||
    typeof (codec as Codec<T>).decode !== "function"
  ) {
    throw new TypeError(
      `${action}: options.codec must be a codec (an object with encode and decode methods), received ${
        describe(codec)
      }`,
    );
  }
  return codec as Codec<T>;
}

/**
 * Creates a bounded channel in one `SharedArrayBuffer`, whose handles can
 * be moved to Workers with `share()` and `from()`.
 *
 * The buffer is sized up front: `capacity` slots of `slotBytes` bytes (plus
 * one spare block of slots, the block headers and a few counters); nothing
 * grows and nothing is allocated per message. Messages are encoded into
 * their slot by `options.codec`.
 *
 * - Messages of one sender arrive in the order it sent them; nothing is
 *   lost or duplicated, whatever the threads do at the same time.
 * - Senders wait for room (backpressure), served first come, first served.
 * - The last strong sender's `dispose()`, on any thread, ends the stream
 *   after the buffered messages.
 * - A Worker terminated while it holds a sender leaks its count (no code
 *   runs at termination): the receiver's `close()` is the way out.
 *
 * @typeParam T The type of the messages (`Uint8Array` by default).
 * @param capacity How many messages the channel holds: an integer from 1 to
 * 16,777,216.
 * @param options The slot size and the codec.
 * @returns The sender and the receiver.
 * @throws {TypeError} If `capacity` or `slotBytes` is not a number, or
 * `codec` is not a codec, or `SharedArrayBuffer` is not available (a
 * browser page without cross-origin isolation).
 * @throws {RangeError} If `capacity` or `slotBytes` is out of range, or the
 * codec's fixed size is more than `slotBytes`, or the buffer would exceed
 * 2^31 − 1 bytes.
 *
 * @example Producer and consumer on one thread
 * ```ts
 * import { codecs, sharedChannel } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(2, { codec: codecs.number });
 * const producer = (async () => {
 *   using sender = tx;
 *   for (let i = 0; i < 5; i++) await sender.send(i);
 * })();
 * const received: number[] = [];
 * for await (const n of rx) received.push(n);
 * await producer;
 * assertEquals(received, [0, 1, 2, 3, 4]);
 * ```
 *
 * @example A Worker sends, the main thread receives
 * ```ts ignore
 * import { codecs, sharedChannel } from "@seed/mpsc/shared";
 *
 * const [tx, rx] = sharedChannel(1024, { codec: codecs.number });
 * const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
 * worker.postMessage(tx.share());
 * tx.dispose();
 * for await (const n of rx) console.log(n);
 * // worker.ts:
 * // self.onmessage = ({ data }) => {
 * //   using tx = SharedSender.from(data);
 * //   for (let i = 0; i < 1e6; i++) tx.blockingSend(i);
 * // };
 * ```
 */
export function sharedChannel<T = Uint8Array>(
  capacity: number,
  options?: SharedChannelOptions<T>,
): [SharedSender<T>, SharedReceiver<T>] {
  const action = "Cannot create shared channel";
  checkInteger(action, "capacity", capacity, 1, MAX_SHARED_CAPACITY);
  const codec = options?.codec === undefined
    ? codecs.bytes as unknown as Codec<T>
    : checkCodec<T>(action, options.codec);
  const slotBytes = options?.slotBytes === undefined
    ? codec.byteLength ?? 256
    : checkInteger(action, "slotBytes", options.slotBytes, 1, MAX_SLOT_BYTES);
  if (codec.byteLength !== undefined && codec.byteLength > slotBytes) {
    throw new RangeError(
      `${action}: slotBytes must be at least the codec's byteLength (${codec.byteLength}), received ${slotBytes}`,
    );
  }
  if (typeof SharedArrayBuffer !== "function") {
    throw new TypeError(
      `${action}: SharedArrayBuffer is not available (a browser page needs cross-origin isolation: Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers)`,
    );
  }
  const layout = layoutOf(capacity, slotBytes);
  if (layout.byteLength > MAX_BUFFER_BYTES) {
    throw new RangeError(
      `${action}: capacity × slotBytes must fit in ${MAX_BUFFER_BYTES} bytes, received ${capacity} × ${slotBytes}`,
    );
  }
  const buffer = new SharedArrayBuffer(layout.byteLength);
  const i32 = new Int32Array(buffer);
  i32[W_CODEC] = Math.max(0, CODEC_IDS.indexOf(codec));
  i32[W_SENDERS] = 1;
  initialize(i32, layout);
  const core = new Core(buffer, layout, codec);
  return [new SharedSender(core), new SharedReceiver(core)];
}

/** Reads a token, checking it is one of ours; returns its core. */
function adopt<T>(
  kind: "sender" | "receiver",
  token: unknown,
  options: AdoptOptions<T> | undefined,
): Core<T> {
  const action = `Cannot adopt ${kind}`;
  const t = token as Partial<SharedSenderToken<T>> | null;
  const buffer = typeof t === "object" && t !== null && t.type === TOKEN_TYPE
    ? t.buffer
    : undefined;
  const layout = buffer instanceof SharedArrayBuffer
    ? readLayout(new Int32Array(buffer))
    : undefined;
  if (
    layout === undefined || t!.kind !== kind ||
    !Number.isInteger(t!.entry) || t!.entry! < 0 ||
    t!.entry! >= TOKEN_ENTRIES || !Number.isInteger(t!.serial) ||
    // Free entries hold 0 and `share()` never issues it: a token with
    // serial 0 is made by hand and would adopt a free entry.
    t!.serial! < 1
  ) {
    throw new TypeError(
      `${action}: token must be a shared ${kind} token from share(), received ${
        describe(token)
      }`,
    );
  }
  const i32 = new Int32Array(buffer!);
  const id = i32[W_CODEC]!;
  const codec = options?.codec !== undefined
    ? checkCodec<T>(action, options.codec)
    : CODEC_IDS[id] as Codec<T> | undefined;
  if (codec === undefined) {
    throw new TypeError(
      `${action}: the channel uses a codec of its creator's: pass the same codec as options.codec`,
    );
  }
  const index = layout.tokensAt + t!.entry!;
  if (Atomics.compareExchange(i32, index, t!.serial!, 0) !== t!.serial) {
    throw new ReferenceError(`${action}: token was already adopted`);
  }
  // Invariant: the token's count (a strong sender, or the receiver) now
  // belongs to the handle about to be made.
  return new Core(buffer!, layout, codec);
}

/** Books an entry in the token table; returns it and the serial. */
function issueToken(
  core: Core<unknown>,
  action: string,
): { serial: number; entry: number } {
  const { i32, layout } = core;
  let serial = (Atomics.add(i32, W_TOKEN_SERIAL, 1) + 1) & 0x7fffffff;
  if (serial === 0) serial = 1;
  for (let entry = 0; entry < TOKEN_ENTRIES; entry++) {
    if (
      Atomics.compareExchange(i32, layout.tokensAt + entry, 0, serial) === 0
    ) {
      return { serial, entry };
    }
  }
  throw new RangeError(
    `${action}: ${TOKEN_ENTRIES} tokens already wait to be adopted`,
  );
}

// -- Inspection --

// -- Senders --

let releaseUse: (sender: SharedSender<never>) => void;

/**
 * The sending half of a shared channel. Clone it on one thread with
 * `clone()`; move a handle to another thread with `share()` and
 * `SharedSender.from()`.
 *
 * - Waiting senders are served first come, first served, across threads.
 * - `blockingSend` blocks a Worker (or any thread that may block).
 * - The channel ends when the last strong sender, on any thread, is
 *   disposed.
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
 */
export class SharedSender<in out T> {
  #core: Core<T> | undefined;
  // The handle itself (until disposed), its pending calls and live permits.
  // Invariant: the channel's strong count includes this handle while
  // `#uses` > 0.
  #uses = 1;

  /**
   * Internal: senders come from {@linkcode sharedChannel}, `clone()` and
   * `SharedSender.from()`.
   *
   * @ignore
   */
  constructor(core: unknown) {
    if (!(core instanceof Core)) throw new TypeError("Illegal constructor");
    this.#core = core as Core<T>;
  }

  static {
    releaseUse = (sender) => sender.#releaseUse();
    inspectAs(this, "SharedSender", (sender) => {
      const core = sender.#core;
      return core && {
        capacity: core.sem.available(),
        maxCapacity: core.capacity,
        strongCount: Atomics.load(core.i32, W_SENDERS),
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

  #live(action: string): Core<T> {
    const core = this.#core;
    if (core === undefined) throw disposed(action, "sender");
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

  // The core, kept after `dispose()` until the last use is released.
  #last: Core<T> | undefined;

  // This handle's sends and reserves that wait (slow path) and have not
  // settled. A grant from another thread is only acted on when this
  // thread's event loop runs the waiting call, so while one is in flight
  // later calls of this handle queue behind it (and `trySend` and
  // `tryReserve` report "full"): one sender's messages keep its order.
  #inFlight = 0;
  // Settles once every slow call of this handle started so far has.
  #behind: Promise<void> = RESOLVED;

  /**
   * Runs `body` after every earlier slow call of this handle has settled,
   * or settles with `ABORTED` / `TIMED_OUT` if the wait behind them ends
   * first; counts as in flight until it settles.
   */
  async #inTurn<R>(
    signal: AbortSignal | undefined,
    deadline: number,
    body: () => Promise<R>,
    gaveUp: (how: Wake) => never,
  ): Promise<R> {
    this.#inFlight++;
    const before = this.#behind;
    let done!: () => void;
    const mine = new Promise<void>((resolve) => done = resolve);
    this.#behind = mine;
    try {
      if (this.#inFlight > 1) {
        const how = await waitBehind(before, signal, deadline);
        if (how !== WOKEN) gaveUp(how);
      }
      return await body();
    } finally {
      this.#inFlight--;
      // The next call goes once this one and every earlier one settled.
      before.then(done);
    }
  }

  /**
   * Sends `value`, waiting for room if the channel is full.
   *
   * Order: while a `send` or `reserve` of this handle waits, later calls of
   * the handle wait behind it, so its messages arrive in call order.
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
    const action = "Cannot send value";
    let core: Core<T>;
    let signal: AbortSignal | undefined;
    try {
      core = this.#live(action);
      signal = signalOf(action, options);
      if (signal?.aborted) return Promise.reject(signal.reason);
      core.check(value);
      if (this.#inFlight === 0) {
        switch (core.sem.tryAcquire()) {
          case ACQUIRED:
            core.write(value);
            return RESOLVED;
          case CLOSED:
            return Promise.reject(new SendError(value));
        }
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#sendSlow(core, value, signal, Infinity, false);
  }

  async #sendSlow(
    core: Core<T>,
    value: T,
    signal: AbortSignal | undefined,
    deadline: number,
    timed: boolean,
  ): Promise<void> {
    this.#uses++;
    const fail = (how: number): never => {
      if (how === TIMED_OUT) throw new SendTimeoutError("timeout", value);
      if (how === CLOSED) {
        throw timed
          ? new SendTimeoutError("closed", value)
          : new SendError(value);
      }
      throw signal!.reason;
    };
    try {
      await this.#inTurn(signal, deadline, async () => {
        const how = await core.acquire(signal, deadline);
        if (how === ACQUIRED) return core.write(value);
        fail(how);
      }, fail);
    } finally {
      this.#releaseUse();
    }
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
    const core = this.#live("Cannot send value");
    core.check(value);
    // A slow send of this handle in flight goes first.
    if (this.#inFlight > 0) throw new TrySendError("full", value);
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
    const action = "Cannot send value";
    let core: Core<T>;
    let deadline: number;
    try {
      core = this.#live(action);
      deadline = deadlineOf(action, "ms", ms);
      core.check(value);
      if (this.#inFlight === 0) {
        switch (core.sem.tryAcquire()) {
          case ACQUIRED:
            core.write(value);
            return RESOLVED;
          case CLOSED:
            return Promise.reject(new SendTimeoutError("closed", value));
        }
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (ms === 0) {
      return Promise.reject(new SendTimeoutError("timeout", value));
    }
    return this.#sendSlow(core, value, undefined, deadline, true);
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
    const action = "Cannot send value";
    const core = this.#live(action);
    const deadline = deadlineOf(action, "options.timeout", options?.timeout);
    if (!(this.#mayBlock ??= mayBlock())) {
      throw cannotBlock(action, "send()");
    }
    core.check(value);
    const sem = core.sem;
    let how: number = sem.tryAcquire();
    if (how === NO_ROOM) {
      // Before queueing (a ticket, a grant, maybe a sleep), look for room
      // for a while, without writing: in a full channel drained by a busy
      // receiver, a slot frees up within a few hundred nanoseconds.
      const spinner = core.spinner;
      let spin = spinner.budget;
      while (spin > 0 && !sem.mayTryAcquire()) spin--;
      spinner.done(spin > 0);
      if (spin > 0) how = sem.tryAcquire();
      if (how === NO_ROOM) how = core.acquireSync(deadline);
    }
    if (how === ACQUIRED) return core.write(value);
    if (how === TIMED_OUT) throw new SendTimeoutError("timeout", value);
    throw new SendError(value);
  }

  #mayBlock: boolean | undefined;

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
    const action = "Cannot reserve capacity";
    let core: Core<T>;
    let signal: AbortSignal | undefined;
    try {
      core = this.#live(action);
      signal = signalOf(action, options);
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (this.#inFlight === 0) {
        switch (core.sem.tryAcquire()) {
          case ACQUIRED:
            return Promise.resolve(this.#permit(core));
          case CLOSED:
            return Promise.reject(new SendError(undefined));
        }
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#reserveSlow(core, signal);
  }

  async #reserveSlow(
    core: Core<T>,
    signal: AbortSignal | undefined,
  ): Promise<SharedPermit<T>> {
    this.#uses++;
    const fail = (how: number): never => {
      if (how === CLOSED) throw new SendError(undefined);
      throw signal!.reason;
    };
    try {
      return await this.#inTurn(signal, Infinity, async () => {
        const how = await core.acquire(signal, Infinity);
        if (how === ACQUIRED) return this.#permit(core);
        return fail(how);
      }, fail);
    } finally {
      this.#releaseUse();
    }
  }

  #permit(core: Core<T>): SharedPermit<T> {
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
    const core = this.#live("Cannot reserve capacity");
    // A slow send of this handle in flight goes first.
    if (this.#inFlight > 0) throw new TrySendError("full", undefined);
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
    const action = "Cannot wait for close";
    const core = this.#live(action);
    const signal = signalOf(action, options);
    if (signal?.aborted) throw signal.reason;
    const i32 = core.i32;
    while (!core.sem.isClosed() && Atomics.load(i32, W_STATE) === 0) {
      const how = await sleepAsync(i32, W_STATE, 0, signal, Infinity);
      if (how === ABORTED) {
        // End the wait left pending (others waiting here look again).
        Atomics.notify(i32, W_STATE);
        throw signal!.reason;
      }
    }
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
    return this.#live("Cannot query sender").sem.isClosed();
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
    return this.#live("Cannot query sender").sem.available();
  }

  /**
   * The channel's capacity, as created.
   *
   * @returns The `capacity` passed to {@linkcode sharedChannel}.
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
    return this.#live("Cannot query sender").capacity;
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
    return Atomics.load(this.#live("Cannot query sender").i32, W_SENDERS);
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
    const core = this.#live("Cannot clone sender");
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
      const { serial, entry } = issueToken(core as Core<unknown>, action);
      return {
        type: TOKEN_TYPE,
        kind: "sender",
        buffer: core.buffer,
        serial,
        entry,
      };
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

const NO_ROOM = 1;
const RESOLVED: Promise<void> = Promise.resolve();

// -- Permits --

/**
 * Room for one message, held. `send()` uses it (synchronously); disposing
 * an unused permit gives the room back. It keeps its sender's count alive
 * until then.
 *
 * @typeParam T The type of the messages.
 *
 * @example Usage
 * ```ts
 * import { codecs, sharedChannel } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
 * {
 *   using _permit = tx.tryReserve();
 *   assertEquals(tx.capacity(), 0);
 * }
 * assertEquals(tx.capacity(), 1);
 * tx.dispose();
 * rx.dispose();
 * ```
 */
export class SharedPermit<in out T> {
  #core: Core<T> | undefined;
  #sender: SharedSender<T> | undefined;

  static {
    inspectAs(
      this,
      "SharedPermit",
      (permit) => permit.#core && { used: false },
    );
  }

  /**
   * Internal: permits come from `reserve()` and `tryReserve()`.
   *
   * @ignore
   */
  constructor(core: unknown, sender: unknown) {
    if (!(core instanceof Core) || !(sender instanceof SharedSender)) {
      throw new TypeError("Illegal constructor");
    }
    this.#core = core as Core<T>;
    this.#sender = sender as SharedSender<T>;
  }

  #finish(): void {
    const sender = this.#sender!;
    this.#core = undefined;
    this.#sender = undefined;
    releaseUse(sender as unknown as SharedSender<never>);
  }

  /**
   * Sends `value` in the held room. Cannot wait.
   *
   * @param value The message.
   * @throws {ReferenceError} If the permit was already used or disposed.
   * @throws {RangeError} If the encoding is larger than `slotBytes`;
   * nothing is sent. If the codec tells sizes (`byteLengthOf`, as the
   * built-in ones do), the permit stays unused; otherwise it is used up
   * and its room comes back when the receiver passes the empty slot.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * const permit = tx.tryReserve();
   * permit.send(5);
   * assertThrows(() => permit.send(6), ReferenceError);
   * assertEquals(rx.tryRecv(), 5);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  send(value: T): void {
    const core = this.#core;
    if (core === undefined) {
      throw new ReferenceError("Cannot send value: permit was already used");
    }
    // A value refused here leaves the permit unused.
    core.check(value);
    try {
      core.write(value);
    } finally {
      this.#finish();
    }
  }

  /**
   * Gives the room back if the permit is unused. Idempotent.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * const permit = tx.tryReserve();
   * permit.dispose();
   * assertEquals(tx.capacity(), 1);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  dispose(): void {
    const core = this.#core;
    if (core === undefined) return;
    core.releasePermit();
    this.#finish();
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
   *   using _permit = tx.tryReserve();
   * }
   * assertEquals(tx.capacity(), 1);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

// -- The receiver --

const EMPTY: unique symbol = Symbol("empty");
const DONE: unique symbol = Symbol("done");

/** A receive call waiting on this thread. */
interface RecvCall {
  /** Where `recvMany` appends, or undefined for one message. */
  buffer: unknown[] | undefined;
  limit: number;
  /** What the call resolves with once the channel is finished. */
  finished: unknown;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * The receiving half of a shared channel: one per channel, on one thread at
 * a time (move it with `share()` and `SharedReceiver.from()`).
 *
 * - Concurrent `recv()` calls on this thread are served in call order.
 * - `blockingRecv` blocks a Worker until a message comes.
 * - `recv()` returns `undefined` once the channel is closed and drained;
 *   with a codec that can produce `undefined` (`codecs.json`), read with
 *   `for await` or `recvMany()` to tell them apart.
 *
 * @typeParam T The type of the messages.
 *
 * @example Usage
 * ```ts
 * import { codecs, sharedChannel } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(4, { codec: codecs.json, slotBytes: 64 });
 * await tx.send({ id: 1 });
 * tx.dispose();
 * assertEquals(await rx.recv(), { id: 1 });
 * assertEquals(await rx.recv(), undefined);
 * ```
 */
export class SharedReceiver<in out T> {
  #core: Core<T> | undefined;
  #calls: (RecvCall | undefined)[] = [];
  #callsHead = 0;
  #sleeping = false;
  #mayBlock: boolean | undefined;
  // Slots from the head on that a load of the ready bits showed published
  // and that are not read yet. Invariant: `#run` slots from the receiver's
  // head are published.
  #run = 0;
  // Whether a codec's `decode` or a buffer's `push` runs: user code that
  // may call back into this receiver while the head slot is not yet read.
  // Meanwhile receives take nothing (they wait or report "empty"), and
  // blocking receives and `share()` throw.
  #busy = false;

  static {
    inspectAs(this, "SharedReceiver", (receiver) => {
      const core = receiver.#core;
      return core && {
        queued: core.list.claimed(),
        capacity: core.sem.available(),
        closed: core.sem.isClosed() || Atomics.load(core.i32, W_SENDERS) === 0,
      };
    });
  }

  /**
   * Internal: the receiver comes from {@linkcode sharedChannel} or
   * `SharedReceiver.from()`.
   *
   * @ignore
   */
  constructor(core: unknown) {
    if (!(core instanceof Core)) throw new TypeError("Illegal constructor");
    this.#core = core as Core<T>;
  }

  /**
   * Adopts a receiver token made by `share()` on another thread.
   *
   * @typeParam T The type of the messages.
   * @param token A token from `SharedReceiver.share()`.
   * @param options The codec, if the channel has one of its creator's.
   * @returns The receiver.
   * @throws {TypeError} If `token` is not a receiver token of this module,
   * or a custom codec is missing.
   * @throws {ReferenceError} If the token was already adopted.
   *
   * @example Usage
   * ```ts
   * import { SharedReceiver, sharedChannel } from "@seed/mpsc/shared";
   * import { assertThrows } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * const token = rx.share();
   * const moved = SharedReceiver.from(token);
   * assertThrows(() => SharedReceiver.from(token), ReferenceError);
   * assertThrows(() => SharedReceiver.from({} as typeof token), TypeError);
   * tx.dispose();
   * moved.dispose();
   * ```
   */
  static from<T>(
    token: SharedReceiverToken<T>,
    options?: AdoptOptions<T>,
  ): SharedReceiver<T> {
    return new SharedReceiver(adopt("receiver", token, options));
  }

  #live(action: string): Core<T> {
    const core = this.#core;
    if (core === undefined) throw disposed(action, "receiver");
    return core;
  }

  /** Takes the message at the head, or EMPTY. */
  #pop(core: Core<T>): T | typeof EMPTY {
    if (this.#busy) return EMPTY;
    const list = core.list;
    // One load of a block's ready bits serves the whole published run.
    while (this.#run > 0 || (this.#run = list.readyRun()) > 0) {
      this.#run--;
      const slot = list.headSlot;
      const length = list.length(slot);
      this.#busy = true;
      try {
        if (length >= 0) {
          return core.codec.decode(
            core.u8,
            core.view,
            list.payloadAt(slot),
            length,
          );
        }
      } finally {
        this.#busy = false;
        // A decode that disposed the receiver discarded the slot already.
        if (this.#core === core) {
          list.advance();
          core.sem.release(1);
        }
      }
    }
    return EMPTY;
  }

  /**
   * Appends up to `limit` messages to `buffer`; returns how many. Each
   * message is decoded and pushed before the head moves past its slot, so
   * a message the buffer refuses stays first: with some appended already
   * the count so far is returned, else the buffer's refusal is thrown as a
   * `TypeError` naming it. A message that fails to decode is skipped, as
   * by `#pop`, and its error thrown, unless some were appended: then the
   * count so far is returned and the message stays first.
   */
  #popMany(core: Core<T>, buffer: unknown[], limit: number): number {
    if (this.#busy) return 0;
    const { list, codec, u8, view } = core;
    let count = 0;
    let taken = 0;
    this.#busy = true;
    try {
      // One load of a block's ready bits serves the whole published run.
      while (
        count < limit && (this.#run > 0 || (this.#run = list.readyRun()) > 0)
      ) {
        this.#run--;
        const slot = list.headSlot;
        const length = list.length(slot);
        if (length < 0) {
          list.advance();
          taken++;
          continue;
        }
        let value: unknown;
        try {
          value = codec.decode(u8, view, list.payloadAt(slot), length);
        } catch (error) {
          // A decode that disposed the receiver discarded the slot already.
          if (this.#core !== core) return count;
          if (count > 0) {
            this.#run++;
            return count;
          }
          list.advance();
          taken++;
          throw error;
        }
        const before = buffer.length;
        try {
          buffer.push(value);
        } catch {
          if (this.#core !== core) return count;
          this.#run++;
          try {
            buffer.length = before;
          } catch {
            // A buffer that refuses to shrink keeps what it took; the
            // channel still has the message.
          }
          if (count > 0) return count;
          throw bufferRefused();
        }
        count++;
        // A push that disposed the receiver discarded the slot already.
        if (this.#core !== core) return count;
        list.advance();
        taken++;
      }
    } finally {
      this.#busy = false;
      if (taken > 0) core.sem.release(taken);
    }
    return count;
  }

  /**
   * Whether the stream has ended: every strong sender is gone, or the
   * channel is closed and every permit is back; and the head slot is empty.
   */
  #finished(core: Core<T>): boolean {
    const { i32, sem, list } = core;
    if (
      Atomics.load(i32, W_SENDERS) !== 0 &&
      !(sem.isClosed() && sem.available() === core.capacity)
    ) {
      return false;
    }
    // Loaded after the count: a sender publishes before it leaves.
    return !list.ready();
  }

  #pending(): boolean {
    return this.#callsHead < this.#calls.length;
  }

  /** Serves the waiting calls in order; sleeps if some are left. */
  #pump(): void {
    const core = this.#core;
    if (core === undefined) return;
    while (this.#pending()) {
      const call = this.#calls[this.#callsHead]!;
      let result: unknown;
      try {
        if (call.buffer === undefined) {
          const value = this.#pop(core);
          if (value === EMPTY) {
            if (!this.#finished(core)) break;
            result = call.finished;
          } else {
            result = value;
          }
        } else {
          const count = this.#popMany(core, call.buffer, call.limit);
          if (count === 0 && !this.#finished(core)) break;
          result = count;
        }
      } catch (error) {
        this.#shift();
        call.reject(error);
        continue;
      }
      this.#shift();
      call.resolve(result);
    }
    if (this.#pending()) {
      this.#sleep(core);
    } else {
      // Nobody waits any more: end a sleep left pending (a close settled
      // the last call), so no wait keeps the event loop alive.
      this.#wakeSelf(core);
    }
  }

  #shift(): RecvCall {
    const call = this.#calls[this.#callsHead]!;
    this.#calls[this.#callsHead++] = undefined;
    if (call.signal !== undefined) {
      call.signal.removeEventListener("abort", call.onAbort!);
    }
    if (this.#callsHead === this.#calls.length) {
      this.#calls.length = 0;
      this.#callsHead = 0;
    }
    return call;
  }

  /** Sleeps until a producer publishes or the channel changes state. */
  #sleep(core: Core<T>): void {
    if (this.#sleeping) return;
    const i32 = core.i32;
    // A short spin: an async sleep costs a promise, a timer and a wake-up
    // from the other side. Shorter than the blocking spin, since this
    // thread's event loop waits meanwhile.
    for (let spin = 0; spin < 32; spin++) {
      if (core.list.ready()) {
        queueMicrotask(() => this.#pump());
        return;
      }
    }
    // Announce the sleep before the last look, so that a producer either
    // sees the flag or this sees its ready bit.
    Atomics.store(i32, W_RX_SLEEP, 1);
    if (core.list.ready() || this.#finished(core)) {
      Atomics.store(i32, W_RX_SLEEP, 0);
      queueMicrotask(() => this.#pump());
      return;
    }
    this.#sleeping = true;
    sleepAsync(i32, W_RX_SLEEP, 1, undefined, Infinity).then(() => {
      this.#sleeping = false;
      this.#pump();
    });
  }

  /** Ends this thread's pending sleep, if any. */
  #wakeSelf(core: Core<T>): void {
    if (this.#sleeping && Atomics.exchange(core.i32, W_RX_SLEEP, 0) !== 0) {
      Atomics.notify(core.i32, W_RX_SLEEP);
    }
  }

  #wait(
    core: Core<T>,
    buffer: unknown[] | undefined,
    limit: number,
    finished: unknown,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call: RecvCall = {
        buffer,
        limit,
        finished,
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal !== undefined) {
        call.onAbort = () => {
          const at = this.#calls.indexOf(call, this.#callsHead);
          if (at < 0) return;
          this.#calls.splice(at, 1);
          signal.removeEventListener("abort", call.onAbort!);
          if (!this.#pending()) {
            this.#calls.length = 0;
            this.#callsHead = 0;
            this.#wakeSelf(core);
          }
          reject(signal.reason);
        };
        signal.addEventListener("abort", call.onAbort);
      }
      this.#calls.push(call);
      this.#sleep(core);
    });
  }

  #recv(
    action: string,
    options: SharedWaitOptions | undefined,
    finished: unknown,
  ): Promise<unknown> {
    try {
      const core = this.#live(action);
      const signal = signalOf(action, options);
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (!this.#pending()) {
        const value = this.#pop(core);
        if (value !== EMPTY) return Promise.resolve(value);
        if (this.#finished(core)) return Promise.resolve(finished);
      }
      return this.#wait(core, undefined, 1, finished, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Receives the next message, waiting for one if none is buffered.
   *
   * Cancellation: an aborted call took no message; use `{ signal }` to
   * time out or cancel, never `Promise.race` around `recv()` (the losing
   * receive would still take a message).
   *
   * @param options A signal to cancel the wait.
   * @returns A promise of the message, or of `undefined` once the channel
   * is closed and drained. Rejects with `signal.reason`.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * const next = rx.recv();
   * await tx.send(3);
   * assertEquals(await next, 3);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  recv(options?: SharedWaitOptions): Promise<T | undefined> {
    return this.#recv("Cannot receive value", options, undefined) as Promise<
      T | undefined
    >;
  }

  /**
   * Receives up to `limit` messages at once, appending them to `buffer`;
   * waits for at least one.
   *
   * Cancellation: an aborted call took no message.
   *
   * @param buffer The array to append to.
   * @param limit The most messages to take: a safe integer from 0.
   * @param options A signal to cancel the wait.
   * @returns A promise of how many were appended: 0 only when `limit` is 0
   * or the channel is closed and drained.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(4, { codec: codecs.number });
   * for (let i = 0; i < 3; i++) tx.trySend(i);
   * const buffer: number[] = [];
   * assertEquals(await rx.recvMany(buffer, 2), 2);
   * assertEquals(buffer, [0, 1]);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  recvMany(
    buffer: T[],
    limit: number,
    options?: SharedWaitOptions,
  ): Promise<number> {
    const action = "Cannot receive values";
    try {
      const core = this.#live(action);
      checkBuffer(action, buffer);
      checkInteger(action, "limit", limit, 0, Number.MAX_SAFE_INTEGER);
      const signal = signalOf(action, options);
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (limit === 0) return Promise.resolve(0);
      if (!this.#pending()) {
        const count = this.#popMany(core, buffer, limit);
        if (count > 0 || this.#finished(core)) return Promise.resolve(count);
      }
      return this.#wait(core, buffer, limit, 0, signal) as Promise<number>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Receives a message if one is buffered, without waiting.
   *
   * @returns The message.
   * @throws {TryRecvError} `"empty"` if none is buffered (or a receive call
   * of this thread waits), `"disconnected"` once closed and drained.
   * @throws {ReferenceError} If the receiver is disposed.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { TryRecvError } from "@seed/mpsc/error";
   * import { assertEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * assertThrows(() => rx.tryRecv(), TryRecvError, "empty");
   * tx.trySend(1);
   * assertEquals(rx.tryRecv(), 1);
   * tx.dispose();
   * assertThrows(() => rx.tryRecv(), TryRecvError, "disconnected");
   * ```
   */
  tryRecv(): T {
    const core = this.#live("Cannot receive value");
    if (this.#pending() || this.#busy) throw new TryRecvError("empty");
    const value = this.#pop(core);
    if (value !== EMPTY) return value;
    throw new TryRecvError(this.#finished(core) ? "disconnected" : "empty");
  }

  /** Blocks until `take` finds something or the stream ends. */
  #block<R>(
    action: string,
    core: Core<T>,
    deadline: number,
    take: () => R | typeof EMPTY,
    finished: R,
  ): R {
    if (!(this.#mayBlock ??= mayBlock())) throw cannotBlock(action, "recv()");
    const { i32, list } = core;
    for (;;) {
      const got = take();
      if (got !== EMPTY) return got;
      if (this.#finished(core)) return finished;
      const spinner = core.spinner;
      let spin = spinner.budget;
      while (spin > 0 && !list.ready()) spin--;
      spinner.done(spin > 0);
      if (spin > 0) continue;
      Atomics.store(i32, W_RX_SLEEP, 1);
      if (!core.list.ready() && !this.#finished(core)) {
        const left = deadline - performance.now();
        if (left <= 0) {
          Atomics.store(i32, W_RX_SLEEP, 0);
          throw new TryRecvError("empty");
        }
        Atomics.wait(i32, W_RX_SLEEP, 1, left);
      }
      Atomics.store(i32, W_RX_SLEEP, 0);
    }
  }

  /**
   * Receives the next message, blocking the thread until one comes: for
   * Workers (and other threads that may block) fed by async code.
   *
   * Where the platform forbids blocking (a browser's main thread) it throws
   * a `TypeError`. Deno's and Node's main threads may block.
   *
   * @param options `timeout`: how long to block at most, in milliseconds.
   * @returns The message, or `undefined` once closed and drained.
   * @throws {TryRecvError} `"empty"` if `timeout` passed first.
   * @throws {TypeError} If this thread may not block.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * tx.trySend(9);
   * tx.dispose();
   * assertEquals(rx.blockingRecv(), 9);
   * assertEquals(rx.blockingRecv(), undefined);
   * ```
   */
  blockingRecv(options?: BlockingOptions): T | undefined {
    const action = "Cannot receive value";
    const core = this.#live(action);
    const deadline = deadlineOf(action, "options.timeout", options?.timeout);
    if (this.#pending() || this.#busy) {
      throw new TypeError(`${action}: a recv() call of this thread waits`);
    }
    return this.#block<T | undefined>(
      action,
      core,
      deadline,
      () => this.#pop(core),
      undefined,
    );
  }

  /**
   * Receives up to `limit` messages into `buffer`, blocking until at least
   * one comes.
   *
   * @param buffer The array to append to.
   * @param limit The most messages to take: a safe integer from 0.
   * @param options `timeout`: how long to block at most, in milliseconds.
   * @returns How many were appended: 0 only when `limit` is 0 or the
   * channel is closed and drained.
   * @throws {TryRecvError} `"empty"` if `timeout` passed first.
   * @throws {TypeError} If this thread may not block.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(4, { codec: codecs.number });
   * tx.trySend(1);
   * tx.trySend(2);
   * const buffer: number[] = [];
   * assertEquals(rx.blockingRecvMany(buffer, 10), 2);
   * assertEquals(buffer, [1, 2]);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  blockingRecvMany(
    buffer: T[],
    limit: number,
    options?: BlockingOptions,
  ): number {
    const action = "Cannot receive values";
    const core = this.#live(action);
    checkBuffer(action, buffer);
    checkInteger(action, "limit", limit, 0, Number.MAX_SAFE_INTEGER);
    const deadline = deadlineOf(action, "options.timeout", options?.timeout);
    if (limit === 0) return 0;
    if (this.#pending() || this.#busy) {
      throw new TypeError(`${action}: a recv() call of this thread waits`);
    }
    return this.#block(action, core, deadline, () => {
      const count = this.#popMany(core, buffer, limit);
      return count > 0 ? count : EMPTY;
    }, 0);
  }

  /**
   * Closes the channel: sends and reservations fail from now on, waiting
   * and blocked senders on every thread fail with the closed error, and
   * `closed()` resolves. Buffered messages stay receivable, and permits
   * already held can still send.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals, assertRejects } from "@std/assert";
   * import { SendError } from "@seed/mpsc/error";
   *
   * const [tx, rx] = sharedChannel(2, { codec: codecs.number });
   * tx.trySend(1);
   * rx.close();
   * await assertRejects(() => tx.send(2), SendError);
   * assertEquals(await rx.recv(), 1);
   * assertEquals(await rx.recv(), undefined);
   * tx.dispose();
   * ```
   */
  close(): void {
    const core = this.#live("Cannot close receiver");
    this.#closeCore(core, CLOSED_BY_RX);
    this.#pump();
  }

  #closeCore(core: Core<T>, flag: number): void {
    core.sem.close();
    Atomics.or(core.i32, W_STATE, flag);
    Atomics.notify(core.i32, W_STATE);
  }

  /**
   * Whether the channel is closed: by `close()`, or because every strong
   * sender is gone.
   *
   * @returns `true` once no more messages can be sent.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * assert(!rx.isClosed());
   * tx.dispose();
   * assert(rx.isClosed());
   * rx.dispose();
   * ```
   */
  isClosed(): boolean {
    const core = this.#live("Cannot query receiver");
    return core.sem.isClosed() || Atomics.load(core.i32, W_SENDERS) === 0;
  }

  /**
   * Whether no message is ready to be received now.
   *
   * @returns `true` if a receive would wait.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1, { codec: codecs.number });
   * assert(rx.isEmpty());
   * tx.trySend(1);
   * assert(!rx.isEmpty());
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  isEmpty(): boolean {
    return !this.#live("Cannot query receiver").list.ready();
  }

  /**
   * The number of messages in the channel, counting those another thread
   * is writing at this moment.
   *
   * @returns The count.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(4, { codec: codecs.number });
   * tx.trySend(1);
   * tx.trySend(2);
   * assertEquals(rx.len(), 2);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  len(): number {
    return this.#live("Cannot query receiver").list.claimed();
  }

  /**
   * The room left now, as `SharedSender.capacity()` reports it.
   *
   * @returns The number of free slots.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(2);
   * assertEquals(rx.capacity(), 2);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  capacity(): number {
    return this.#live("Cannot query receiver").sem.available();
  }

  /**
   * The channel's capacity, as created.
   *
   * @returns The `capacity` passed to {@linkcode sharedChannel}.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(2);
   * assertEquals(rx.maxCapacity(), 2);
   * tx.dispose();
   * rx.dispose();
   * ```
   */
  maxCapacity(): number {
    return this.#live("Cannot query receiver").capacity;
  }

  /**
   * The number of strong senders on every thread.
   *
   * @returns The count.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(2);
   * assertEquals(rx.senderStrongCount(), 1);
   * tx.dispose();
   * assertEquals(rx.senderStrongCount(), 0);
   * rx.dispose();
   * ```
   */
  senderStrongCount(): number {
    return Atomics.load(this.#live("Cannot query receiver").i32, W_SENDERS);
  }

  /**
   * Moves the receiver to another thread: returns a token to post there
   * and adopt with `SharedReceiver.from()`. This handle is consumed (it
   * behaves as disposed, without closing the channel).
   *
   * @returns The token.
   * @throws {TypeError} If a receive call of this receiver is waiting.
   *
   * @example Usage
   * ```ts
   * import { SharedReceiver, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals, assertThrows } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * const token = rx.share();
   * assertThrows(() => rx.len(), ReferenceError);
   * const moved = SharedReceiver.from(token);
   * assertEquals(moved.len(), 0);
   * tx.dispose();
   * moved.dispose();
   * ```
   */
  share(): SharedReceiverToken<T> {
    const action = "Cannot share receiver";
    const core = this.#live(action);
    if (this.#pending() || this.#busy) {
      throw new TypeError(`${action}: a recv() call of this receiver waits`);
    }
    const { serial, entry } = issueToken(core as Core<unknown>, action);
    core.list.save();
    this.#core = undefined;
    return {
      type: TOKEN_TYPE,
      kind: "receiver",
      buffer: core.buffer,
      serial,
      entry,
    };
  }

  /**
   * Iterates over the messages until the channel is closed and drained.
   * Leaving the loop early does not close the receiver.
   *
   * @returns An async iterator of the messages.
   *
   * @example Usage
   * ```ts
   * import { codecs, sharedChannel } from "@seed/mpsc/shared";
   * import { assertEquals } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(4, { codec: codecs.number });
   * tx.trySend(1);
   * tx.trySend(2);
   * tx.dispose();
   * const seen: number[] = [];
   * for await (const n of rx) seen.push(n);
   * assertEquals(seen, [1, 2]);
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      const value = await this.#recv("Cannot receive value", undefined, DONE);
      if (value === DONE) return;
      yield value as T;
    }
  }

  /**
   * Closes the channel and discards the buffered messages; pending
   * receives on this thread settle as closed (`undefined`, or 0), and
   * waiting senders on every thread fail with the closed error.
   * Idempotent; any other call afterwards throws `ReferenceError`.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assertRejects } from "@std/assert";
   * import { SendError } from "@seed/mpsc/error";
   *
   * const [tx, rx] = sharedChannel(1);
   * rx.dispose();
   * await assertRejects(() => tx.send(new Uint8Array(1)), SendError);
   * tx.dispose();
   * ```
   */
  dispose(): void {
    const core = this.#core;
    if (core === undefined) return;
    this.#closeCore(core, CLOSED_BY_RX | RX_GONE);
    // Discard what is buffered, giving the room back.
    const list = core.list;
    let taken = 0;
    while (list.ready()) {
      list.advance();
      taken++;
    }
    if (taken > 0) core.sem.release(taken);
    this.#wakeSelf(core);
    this.#core = undefined;
    while (this.#pending()) {
      const call = this.#shift();
      call.resolve(call.buffer === undefined ? call.finished : 0);
    }
  }

  /**
   * The same function as `dispose()`, for `using`.
   *
   * @example Usage
   * ```ts
   * import { sharedChannel } from "@seed/mpsc/shared";
   * import { assert } from "@std/assert";
   *
   * const [tx, rx] = sharedChannel(1);
   * {
   *   using _receiver = rx;
   * }
   * assert(tx.isClosed());
   * tx.dispose();
   * ```
   */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

function checkBuffer(action: string, buffer: unknown): void {
  if (!Array.isArray(buffer)) {
    throw new TypeError(
      `${action}: buffer must be an array, received ${describe(buffer)}`,
    );
  }
}
