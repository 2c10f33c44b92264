// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The sending side of a remote channel: a sender id's sequence, batches, and
// waiting for room.

import { SendError, SendTimeoutError, TrySendError } from "./error.ts";
import { describe } from "./_args.ts";
import { inspectAs } from "./_inspect.ts";
import {
  checkName,
  checkOptions,
  checkSignal,
  coreOf,
  firstPause,
  type PgStore,
  type StoreCore,
  Unanswered,
} from "./remote_store.ts";
import {
  checkCodec,
  databaseError,
  ENCODER,
  firstRow,
  heartbeat,
  missingError,
  pause,
  type RemoteCodec,
  type RemoteWaitOptions,
  SECRET,
  Turns,
} from "./remote_common.ts";

/**
 * Options of {@linkcode connectSender}.
 *
 * @typeParam T The message type.
 *
 * @example Usage
 * ```ts
 * import type { RemoteSenderOptions } from "@seed/mpsc/remote";
 * import { assertEquals } from "@std/assert";
 *
 * const options: RemoteSenderOptions<number> = { id: "worker-7" };
 * assertEquals(options.id, "worker-7");
 * ```
 */
export interface RemoteSenderOptions<T> {
  /**
   * The sender's name, unique among live senders of the channel (1 to 200
   * characters). Its sequence lives in the database: a sender that
   * reconnects with the same id continues it, and the older connection with
   * that id is fenced out.
   */
  id: string;
  /** How messages become text. Default JSON. */
  codec?: RemoteCodec<T>;
  /** Aborts connecting. */
  signal?: AbortSignal;
}

// -- Sender --

/** A batch whose commit went unanswered, resent first with its numbers. */
interface Pending {
  first: number;
  bodies: string[];
  values: unknown[];
}

/**
 * Connects a sender to the channel `name`. The sender counts (keeps the
 * stream open) until it is disposed or its process stops renewing its lease.
 *
 * @typeParam T The message type.
 * @param store Where the channel lives.
 * @param name The channel's name.
 * @param options The sender's id, its codec, a signal.
 * @returns The sender.
 * @throws {TypeError} (as a rejection) If an argument has the wrong type.
 * @throws {SendError} (as a rejection) If the stream has ended (closed, or
 * every sender gone and the queue drained).
 * @throws {Error} (as a rejection) If the channel does not exist, or the
 * database refused or did not answer.
 *
 * @example Usage
 * ```ts
 * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
 * import { connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
 * import { assertEquals } from "@std/assert";
 *
 * const db = new PGlite();
 * const store = pgStore(db);
 * await createRemoteChannel(store, "jobs", { capacity: 10 });
 * await using tx = await connectSender<string>(store, "jobs", { id: "web-1" });
 * assertEquals(tx.id, "web-1");
 * await tx.send("hello");
 * await tx.dispose();
 * await db.close();
 * ```
 */
export async function connectSender<T>(
  store: PgStore,
  name: string,
  options: RemoteSenderOptions<T>,
): Promise<RemoteSender<T>> {
  const action = "Cannot connect sender";
  const core = coreOf(store, action);
  checkName(action, "name", name);
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `${action}: options must be an object with an id, received ${
        describe(options)
      }`,
    );
  }
  const id = checkName(action, "options.id", options.id);
  const codec = checkCodec<T>(action, options.codec);
  const signal = checkSignal(action, options.signal);
  if (signal?.aborted) throw signal.reason;
  let row: Record<string, unknown>;
  try {
    await core.setup();
    await core.listen();
    row = firstRow(
      await core.call(core.sql.connectSender, [name, id, core.leaseMs]),
    );
  } catch (error) {
    throw databaseError(action, error);
  }
  if (row.state === "missing") throw missingError(action, name);
  if (row.state === "closed") {
    throw new SendError(
      undefined,
      `${action}: channel ${JSON.stringify(name)} is closed`,
    );
  }
  const sender = new RemoteSender<T>(
    SECRET,
    core,
    name,
    id,
    codec,
    Number(row.epoch),
    Number(row.seq),
    Number(row.capacity),
    Number(row.max_bytes),
  );
  if (signal?.aborted) {
    await sender.dispose();
    throw signal.reason;
  }
  return sender;
}

type SendMode =
  | {
    kind: "wait";
    deadline: number;
    /** Whether failures are `SendTimeoutError`s (`sendTimeout`). */
    timeout: boolean;
    signal: AbortSignal | undefined;
  }
  | { kind: "try" };

/**
 * The sending side of a remote channel, made by {@linkcode connectSender}.
 * Every call is a round trip; calls of one sender run in call order, so its
 * messages arrive in that order.
 *
 * @typeParam T The message type.
 *
 * @example Sending in batches
 * ```ts
 * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
 * import { connectReceiver, connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
 * import { assertEquals } from "@std/assert";
 *
 * const db = new PGlite();
 * const store = pgStore(db);
 * await createRemoteChannel(store, "numbers", { capacity: 64 });
 * await using rx = await connectReceiver<number>(store, "numbers");
 * await using tx = await connectSender<number>(store, "numbers", { id: "a" });
 * await tx.sendMany([1, 2, 3]);
 * const got: number[] = [];
 * assertEquals(await rx.recvMany(got, 10), 3);
 * assertEquals(got, [1, 2, 3]);
 * await tx.dispose();
 * await rx.dispose();
 * await db.close();
 * ```
 */
export class RemoteSender<T> {
  #core: StoreCore;
  #codec: RemoteCodec<T>;
  #epoch: number;
  /** The last sequence number the database holds for this id. */
  #seq: number;
  #capacity: number;
  #maxBytes: number;
  #pending: Pending | undefined;
  #turns = new Turns();
  #disposed = false;
  #stopBeat: () => Promise<void>;
  #fenced = false;

  static {
    // Shows the handle's own state (never a message, nor the database's).
    inspectAs(this, "RemoteSender", (sender) =>
      sender.#disposed ? undefined : {
        maxCapacity: sender.#capacity,
        sequence: sender.#seq,
        unanswered: sender.#pending !== undefined,
        fenced: sender.#fenced,
      });
  }

  /** The channel's name. */
  readonly name: string;
  /** The sender's id. */
  readonly id: string;

  /**
   * Not for users: senders come from {@linkcode connectSender}.
   *
   * @internal
   */
  constructor(
    secret: symbol,
    core: StoreCore,
    name: string,
    id: string,
    codec: RemoteCodec<T>,
    epoch: number,
    seq: number,
    capacity: number,
    maxBytes: number,
  ) {
    if (secret !== SECRET) {
      throw new TypeError(
        "Cannot construct RemoteSender: use connectSender()",
      );
    }
    this.#core = core;
    this.name = name;
    this.id = id;
    this.#codec = codec;
    this.#epoch = epoch;
    this.#seq = seq;
    this.#capacity = capacity;
    this.#maxBytes = maxBytes;
    this.#stopBeat = heartbeat(core, async () => {
      const rows = await core.call(core.sql.renewSender, [
        name,
        id,
        this.#epoch,
        core.leaseMs,
      ], true);
      if (rows.length === 0) this.#fenced = true;
    });
  }

  /**
   * Sends `value`, waiting while the channel is full. Resolves once the
   * message is committed.
   *
   * Cancellation: an abort while waiting for room sends nothing. A statement
   * already on its way is not interrupted: its outcome stands.
   *
   * @param value The message.
   * @param options A signal to stop waiting.
   * @returns A promise that resolves once the message is committed.
   * @throws {SendError} (as a rejection) If the channel is closed; its
   * `value` is `value`.
   * @throws {RangeError} (as a rejection) If the encoded message is larger
   * than the channel's `maxMessageBytes`.
   * @throws {Error} (as a rejection) If the database did not answer: the
   * outcome is unknown, and the sender resends the message with the same
   * sequence number before its next call (so do not send it again).
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectReceiver, connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   * import { assertEquals } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 1 });
   * await using rx = await connectReceiver<string>(store, "c");
   * await using tx = await connectSender<string>(store, "c", { id: "a" });
   * await tx.send("one");
   * const second = tx.send("two"); // waits: the channel is full
   * assertEquals(await rx.recv(), "one");
   * assertEquals(await rx.recv(), "two"); // asking for it freed "one"'s room
   * await second;
   * await tx.dispose();
   * await rx.dispose();
   * await db.close();
   * ```
   */
  send(value: T, options?: RemoteWaitOptions): Promise<void> {
    return this.#send("Cannot send value", [value], options, Infinity, false);
  }

  /**
   * Sends every value of `values` in one statement, all or none, waiting
   * until there is room for all of them. The fast path: one round trip and
   * one commit for the batch.
   *
   * Cancellation: as {@linkcode RemoteSender.send}.
   *
   * @param values The messages, in order; at most the channel's capacity.
   * @param options A signal to stop waiting.
   * @returns A promise that resolves once the batch is committed.
   * @throws {SendError} (as a rejection) If the channel is closed, or the
   * batch is larger than the capacity; its `value` is `values`.
   * @throws {RangeError} (as a rejection) If an encoded message is larger
   * than `maxMessageBytes`.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectReceiver, connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   * import { assertEquals } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 16 });
   * await using rx = await connectReceiver<number>(store, "c");
   * await using tx = await connectSender<number>(store, "c", { id: "a" });
   * await tx.sendMany([1, 2, 3, 4]);
   * const got: number[] = [];
   * await rx.recvMany(got, 16);
   * assertEquals(got, [1, 2, 3, 4]);
   * await tx.dispose();
   * await rx.dispose();
   * await db.close();
   * ```
   */
  sendMany(values: readonly T[], options?: RemoteWaitOptions): Promise<void> {
    return this.#send("Cannot send values", values, options, Infinity, true);
  }

  /**
   * Sends `value` if there is room now, without waiting (still a round
   * trip, hence a promise).
   *
   * @param value The message.
   * @returns A promise that resolves once the message is committed.
   * @throws {TrySendError} (as a rejection) `"full"` or `"closed"`, with the
   * value.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   * import { TrySendError } from "@seed/mpsc/error";
   * import { assertEquals, assertRejects } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 1 });
   * await using tx = await connectSender<string>(store, "c", { id: "a" });
   * await tx.trySend("one");
   * const error = await assertRejects(() => tx.trySend("two"), TrySendError);
   * assertEquals(error.kind, "full");
   * await tx.dispose();
   * await db.close();
   * ```
   */
  trySend(value: T): Promise<void> {
    const action = "Cannot send value";
    return this.#run(
      action,
      () => this.#deliver(action, [value], false, { kind: "try" }),
    );
  }

  /**
   * Sends `value`, waiting at most `ms` milliseconds for room.
   *
   * @param value The message.
   * @param ms How long to wait for room: a non-negative number of
   * milliseconds (`Infinity` waits for ever).
   * @returns A promise that resolves once the message is committed.
   * @throws {SendTimeoutError} (as a rejection) `"timeout"` or `"closed"`,
   * with the value.
   * @throws {RangeError} (as a rejection) If `ms` is negative or not a
   * number.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   * import { SendTimeoutError } from "@seed/mpsc/error";
   * import { assertEquals, assertRejects } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 1 });
   * await using tx = await connectSender<string>(store, "c", { id: "a" });
   * await tx.sendTimeout("one", 10);
   * const error = await assertRejects(() => tx.sendTimeout("two", 10), SendTimeoutError);
   * assertEquals(error.kind, "timeout");
   * await tx.dispose();
   * await db.close();
   * ```
   */
  sendTimeout(value: T, ms: number): Promise<void> {
    const action = "Cannot send value";
    if (typeof ms !== "number" || !(ms >= 0)) {
      return Promise.reject(
        new RangeError(
          `${action}: ms must be a non-negative number, received ${
            describe(ms)
          }`,
        ),
      );
    }
    return this.#send(action, [value], undefined, ms, false, true);
  }

  /**
   * Resolves once the channel is closed (the receiver called `close()`, or
   * the stream ended). Looks at the database at each wake-up and at least
   * every `pollMs`.
   *
   * Cancellation: an abort rejects with the signal's reason and changes
   * nothing.
   *
   * @param options A signal to stop waiting.
   * @returns A promise that resolves once the channel is closed.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectReceiver, connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 1 });
   * await using rx = await connectReceiver(store, "c");
   * await using tx = await connectSender(store, "c", { id: "a" });
   * const closed = tx.closed();
   * await rx.close();
   * await closed;
   * await tx.dispose();
   * await rx.dispose();
   * await db.close();
   * ```
   */
  async closed(options?: RemoteWaitOptions): Promise<void> {
    const action = "Cannot wait for close";
    const signal = checkSignal(action, checkOptions(action, options).signal);
    if (signal?.aborted) throw signal.reason;
    if (this.#disposed) {
      throw new ReferenceError(`${action}: sender is disposed`);
    }
    const core = this.#core;
    let delay = firstPause(core);
    for (;;) {
      const generation = core.generation(this.name, "s");
      if (await this.isClosed()) return;
      await core.sleep(this.name, "s", generation, delay, signal);
      delay = Math.min(delay * 2, core.pollMs);
    }
  }

  /**
   * Whether the channel is closed, as the database says now.
   *
   * @returns A promise of whether the channel is closed.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   * import { assertEquals } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 1 });
   * await using tx = await connectSender(store, "c", { id: "a" });
   * assertEquals(await tx.isClosed(), false);
   * await tx.dispose();
   * await db.close();
   * ```
   */
  async isClosed(): Promise<boolean> {
    const action = "Cannot read channel state";
    if (this.#disposed) {
      throw new ReferenceError(`${action}: sender is disposed`);
    }
    let rows: Record<string, unknown>[];
    try {
      rows = await this.#core.call(this.#core.sql.status, [this.name]);
    } catch (error) {
      throw databaseError(action, error);
    }
    return rows[0]?.closed !== false;
  }

  /**
   * Releases the sender (idempotent): it no longer keeps the stream open.
   * Waits for the sender's calls to settle first, and resends a batch whose
   * commit went unanswered (once, without waiting for room).
   *
   * @returns A promise that settles once the database released the sender.
   * @throws {SendError} (as a rejection) If a batch whose outcome was
   * unknown could not be resent; its `value` is those values.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   * import { assertRejects } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 1 });
   * const tx = await connectSender(store, "c", { id: "a" });
   * await tx.dispose();
   * await tx.dispose(); // idempotent
   * await assertRejects(() => tx.send(1), ReferenceError);
   * await db.close();
   * ```
   */
  async dispose(): Promise<void> {
    if (this.#disposed) return this.#turns.idle().then(() => {});
    this.#disposed = true;
    return await this.#turns.run(async () => {
      const action = "Cannot dispose sender";
      let unsent: Pending | undefined;
      try {
        if (this.#pending !== undefined && !this.#fenced) {
          await this.#flush(action, { kind: "try" }).catch(() => {});
          unsent = this.#pending;
        }
        await this.#core.call(this.#core.sql.releaseSender, [
          this.name,
          this.id,
          this.#epoch,
        ]);
        this.#core.wake(this.name, "r");
      } catch (error) {
        throw databaseError(action, error);
      } finally {
        await this.#stopBeat();
      }
      if (unsent !== undefined) {
        throw new SendError(
          unsent.values,
          `${action}: a batch whose commit went unanswered could not be resent`,
        );
      }
    });
  }

  /**
   * The same as {@linkcode RemoteSender.dispose}, for `await using`.
   *
   * @returns A promise that settles once the sender is released.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 1 });
   * {
   *   await using tx = await connectSender(store, "c", { id: "a" });
   *   await tx.send(1);
   * }
   * await db.close();
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  #send(
    action: string,
    values: readonly T[],
    options: RemoteWaitOptions | undefined,
    ms: number,
    many: boolean,
    timed = false,
  ): Promise<void> {
    let signal: AbortSignal | undefined;
    try {
      if (many && !Array.isArray(values)) {
        throw new TypeError(
          `${action}: values must be an array, received ${describe(values)}`,
        );
      }
      signal = checkSignal(action, checkOptions(action, options).signal);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const copy = many ? values.slice() : values;
    return this.#run(action, () => {
      const deadline = Date.now() + ms;
      return this.#deliver(action, copy, many, {
        kind: "wait",
        deadline,
        timeout: timed,
        signal,
      }).catch((error) => {
        if (error === TIMED_OUT) {
          throw new SendTimeoutError("timeout", copy[0]);
        }
        throw error;
      });
    });
  }

  /** Checks the handle, then runs `op` in its turn. */
  #run(action: string, op: () => Promise<void>): Promise<void> {
    if (this.#disposed) {
      return Promise.reject(
        new ReferenceError(`${action}: sender is disposed`),
      );
    }
    return this.#turns.run(op);
  }

  #fencedError(action: string, value: unknown): SendError<unknown> {
    return new SendError(
      value,
      `${action}: a newer sender with id ${
        JSON.stringify(this.id)
      } holds channel ${JSON.stringify(this.name)}`,
    );
  }

  /**
   * Resends the batch whose commit went unanswered, with its sequence
   * numbers: the database drops it if it was committed.
   */
  async #flush(action: string, mode: SendMode): Promise<void> {
    const pending = this.#pending!;
    await this.#attempt(action, pending, mode);
    this.#pending = undefined;
  }

  async #deliver(
    action: string,
    values: readonly T[],
    many: boolean,
    mode: SendMode,
  ): Promise<void> {
    const value: unknown = many ? values : values[0];
    if (this.#fenced) throw this.#fencedError(action, value);
    // Encode first: a codec that throws, or a message too large, refuses the
    // call before anything is written.
    const bodies: string[] = [];
    for (let i = 0; i < values.length; i++) {
      let text: unknown;
      try {
        text = this.#codec.encode(values[i] as T);
      } catch (error) {
        throw new TypeError(`${action}: codec.encode threw`, { cause: error });
      }
      if (typeof text !== "string") {
        throw new TypeError(
          `${action}: codec.encode must return a string, received ${
            describe(text)
          }`,
        );
      }
      // UTF-8 is at most 3 bytes per UTF-16 unit: measure only when close.
      const bytes = text.length * 3 <= this.#maxBytes
        ? text.length
        : ENCODER.encode(text).length;
      if (bytes > this.#maxBytes) {
        throw new RangeError(
          `${action}: the encoded message must be at most maxMessageBytes (${this.#maxBytes}) bytes, received ${bytes}`,
        );
      }
      bodies.push(text);
    }
    if (bodies.length > this.#capacity) {
      throw new SendError(
        value,
        `${action}: ${bodies.length} values exceed the channel's capacity of ${this.#capacity}`,
      );
    }
    if (this.#pending !== undefined) await this.#flush(action, mode);
    if (bodies.length === 0) return;
    const batch: Pending = {
      first: this.#seq + 1,
      bodies,
      values: values.slice(),
    };
    await this.#attempt(action, batch, mode, value);
  }

  /**
   * Runs the send statement for `batch` until it is committed, refused, or
   * (in `"try"` mode) found full.
   */
  async #attempt(
    action: string,
    batch: Pending,
    mode: SendMode,
    value: unknown = batch.values.length === 1 ? batch.values[0] : batch.values,
  ): Promise<void> {
    const core = this.#core;
    let delay = firstPause(core);
    const last = batch.first + batch.bodies.length - 1;
    for (;;) {
      const generation = core.generation(this.name, "s");
      let state: unknown;
      try {
        state = firstRow(
          await core.call(core.sql.send, [
            this.name,
            this.id,
            this.#epoch,
            batch.first,
            batch.bodies,
            core.leaseMs,
            mode.kind === "wait",
          ]),
        ).state;
      } catch (error) {
        if (error instanceof Unanswered) {
          // The outcome is unknown: keep the batch and its numbers, so the
          // next call (or dispose) resends it and the database drops it if
          // it was committed.
          this.#pending = batch;
          this.#seq = last;
        }
        throw databaseError(action, error);
      }
      switch (state) {
        case "ok":
        case "dup":
          this.#seq = Math.max(this.#seq, last);
          core.wake(this.name, "r");
          return;
        case "full":
          if (mode.kind === "try") throw new TrySendError("full", value);
          break;
        case "closed":
          if (mode.kind === "try") throw new TrySendError("closed", value);
          if (mode.timeout) {
            throw new SendTimeoutError("closed", value);
          }
          throw new SendError(value);
        case "too_large":
          throw new RangeError(
            `${action}: the encoded message must be at most maxMessageBytes (${this.#maxBytes}) bytes`,
          );
        case "missing":
          throw missingError(action, this.name);
        default:
          this.#fenced = true;
          throw this.#fencedError(action, value);
      }
      const woke = await pause(
        core,
        this.name,
        "s",
        generation,
        delay,
        mode.deadline,
        mode.signal,
      );
      if (!woke) throw TIMED_OUT;
      delay = Math.min(delay * 2, core.pollMs);
    }
  }
}

/** Thrown inside a sender when `sendTimeout`'s time is up. */
const TIMED_OUT = Symbol("timed out");
