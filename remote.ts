// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Remote channels: senders on many processes or hosts feed one receiver through PostgreSQL.
//
// How this relates to the in-process channel: the queue, the capacity count
// and the end of the stream live in the database (`remote_sql.ts`), changed
// only by one function call per operation under the channel's row lock; the
// store (`remote_store.ts`) runs those calls and wakes waiters. A handle
// here keeps only its own place: a sender its next sequence number (and a
// batch whose commit went unanswered, resent first with the same numbers), a
// receiver the position of the last message it handed out (acknowledged by
// its next call) and the messages it fetched but has not handed out.
//
// Calls of one handle run one after another, in call order: that is what
// makes a sender's messages arrive in its order, and what lets a receiver
// acknowledge exactly what it handed out.

/**
 * Channels across machines, on PostgreSQL: Tokio's `mpsc` shape (many
 * senders, one receiver, bounded capacity), with senders on any number of
 * processes or hosts and one receiver anywhere, through a database they
 * share. PGlite (PostgreSQL in WebAssembly, in process) serves tests and a
 * single machine; any PostgreSQL serves many.
 *
 * - Zero dependencies: {@linkcode pgStore} takes any client with
 *   `query(text, params)` (`pg`'s `Pool` or `Client`, PGlite).
 * - Capacity is exact, counted in the statement that adds a message;
 *   messages of one sender arrive in its order, and across senders in
 *   commit order.
 * - A send is done when committed, and enqueued once even when it is
 *   retried after a lost reply.
 * - Delivery is at least once: a message is deleted when the receiver asks
 *   for the next one, or disposes; a receiver that crashes first leaves it
 *   for the next receiver.
 * - One receiver at a time holds the channel by a lease; senders count until
 *   they dispose or their lease expires; the stream ends as in Tokio when
 *   every sender is gone (unless the channel was created with `keepOpen`),
 *   or when the receiver closes it.
 *
 * Every call is async (a round trip). `sendMany` and `recvMany` move a batch
 * in one statement: the fast paths.
 *
 * @example One sender and one receiver on PGlite
 * ```ts
 * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
 * import { connectReceiver, connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
 * import { assertEquals } from "@std/assert";
 *
 * const db = new PGlite();
 * const store = pgStore(db);
 * await createRemoteChannel(store, "emails", { capacity: 100 });
 * await using rx = await connectReceiver<{ to: string }>(store, "emails");
 * {
 *   await using tx = await connectSender<{ to: string }>(store, "emails", { id: "api-1" });
 *   await tx.sendMany([{ to: "a@example.com" }, { to: "b@example.com" }]);
 * } // the last sender is disposed: the stream ends after the queued messages
 * const got = [];
 * for await (const email of rx) got.push(email.to);
 * assertEquals(got, ["a@example.com", "b@example.com"]);
 * await rx.dispose();
 * await db.close();
 * ```
 *
 * @module
 */

import {
  SendError,
  SendTimeoutError,
  TryRecvError,
  TrySendError,
} from "./error.ts";
import { describe } from "./_args.ts";
import {
  checkName,
  checkNumber,
  checkOptions,
  checkSignal,
  coreOf,
  firstPause,
  type PgStore,
  type StoreCore,
  Unanswered,
  type WakeKind,
} from "./remote_store.ts";

export {
  type PgClient,
  PgStore,
  pgStore,
  type PgStoreOptions,
} from "./remote_store.ts";

// -- Codecs and options --

/**
 * Turns messages into text for the database and back. The default is JSON
 * (with `undefined` as the empty text, so it round-trips too).
 *
 * @typeParam T The message type.
 *
 * @example A codec for `Date`s
 * ```ts
 * import type { RemoteCodec } from "@seed/mpsc/remote";
 * import { assertEquals } from "@std/assert";
 *
 * const dates: RemoteCodec<Date> = {
 *   encode: (date) => date.toISOString(),
 *   decode: (text) => new Date(text),
 * };
 * assertEquals(dates.decode(dates.encode(new Date(0))), new Date(0));
 * ```
 */
export interface RemoteCodec<T> {
  /**
   * Encodes a message. A throw refuses the call that sends it, and nothing
   * of that call is sent.
   *
   * @param value The message.
   * @returns Its text.
   */
  encode(value: T): string;
  /**
   * Decodes a message. A throw rejects the receive that would hand it out,
   * and that message counts as received (it would fail again).
   *
   * @param text What `encode` returned.
   * @returns The message.
   */
  decode(text: string): T;
}

const JSON_CODEC: RemoteCodec<unknown> = {
  encode: (value) => value === undefined ? "" : JSON.stringify(value),
  decode: (text) => text === "" ? undefined : JSON.parse(text),
};

/**
 * Options of {@linkcode createRemoteChannel}.
 *
 * @example Usage
 * ```ts
 * import type { RemoteChannelOptions } from "@seed/mpsc/remote";
 * import { assertEquals } from "@std/assert";
 *
 * const options: RemoteChannelOptions = { capacity: 1000, keepOpen: true };
 * assertEquals(options.capacity, 1000);
 * ```
 */
export interface RemoteChannelOptions {
  /**
   * How many messages the channel holds, delivered but not yet acknowledged
   * ones included: an integer from 1 to `Number.MAX_SAFE_INTEGER`.
   */
  capacity: number;
  /**
   * The largest encoded message, in UTF-8 bytes: from 1 to 268,435,456.
   * Default 1,048,576 (1 MiB).
   */
  maxMessageBytes?: number;
  /**
   * Keeps the channel open when every sender has gone: a long-lived queue
   * that only the receiver's `close()` ends. Default `false` (Tokio's rule:
   * the stream ends once every sender that connected has disposed).
   */
  keepOpen?: boolean;
}

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

/**
 * Options of {@linkcode connectReceiver}.
 *
 * @typeParam T The message type.
 *
 * @example Usage
 * ```ts
 * import type { RemoteReceiverOptions } from "@seed/mpsc/remote";
 * import { assertEquals } from "@std/assert";
 *
 * const options: RemoteReceiverOptions<string> = { prefetch: 64 };
 * assertEquals(options.prefetch, 64);
 * ```
 */
export interface RemoteReceiverOptions<T> {
  /** How text becomes messages. Default JSON. */
  codec?: RemoteCodec<T>;
  /**
   * How many messages `recv()` and `for await` fetch per round trip, from 1
   * to 10,000. The ones fetched but not yet handed out are delivered again
   * to the next receiver if this one crashes. Default 1.
   */
  prefetch?: number;
  /** Aborts connecting. */
  signal?: AbortSignal;
}

/**
 * Options of a remote call that can wait.
 *
 * @example Usage
 * ```ts
 * import type { RemoteWaitOptions } from "@seed/mpsc/remote";
 * import { assert } from "@std/assert";
 *
 * const options: RemoteWaitOptions = { signal: AbortSignal.timeout(1_000) };
 * assert(options.signal instanceof AbortSignal);
 * ```
 */
export interface RemoteWaitOptions {
  /** Stops waiting: the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

const MAX_MESSAGE_BYTES = 268_435_456;
const DEFAULT_MESSAGE_BYTES = 1_048_576;
const MAX_BATCH = 10_000;
const ENCODER = new TextEncoder();

/** The error for a call whose handle was replaced by a newer one. */
function fencedError(action: string, what: string, name: string): Error {
  return new Error(
    `${action}: a newer ${what} holds channel ${JSON.stringify(name)}`,
  );
}

function missingError(action: string, name: string): Error {
  return new Error(
    `${action}: channel ${
      JSON.stringify(name)
    } does not exist (createRemoteChannel creates it)`,
  );
}

/** Wraps a statement's failure in an error saying what it means for the call. */
function databaseError(action: string, error: unknown): Error {
  if (error instanceof Unanswered) {
    return new Error(
      `${action}: the database did not answer, so the outcome is unknown`,
      { cause: error.cause },
    );
  }
  return new Error(`${action}: the database refused the statement`, {
    cause: error,
  });
}

function firstRow(
  rows: Record<string, unknown>[],
): Record<string, unknown> {
  const row = rows[0];
  if (row === undefined) throw new Error("the database returned no row");
  return row;
}

/** Runs `op` after every earlier call of the same handle has settled. */
class Turns {
  #last: Promise<unknown> = Promise.resolve();

  run<R>(op: () => Promise<R>): Promise<R> {
    const next = this.#last.then(op, op);
    this.#last = next.then(() => {}, () => {});
    return next;
  }

  idle(): Promise<unknown> {
    return this.#last;
  }
}

/** Renews a lease every third of its length until stopped. */
function heartbeat(
  core: StoreCore,
  renew: () => Promise<unknown>,
): () => void {
  const timer = setInterval(() => {
    // A failed renewal is retried at the next beat; the calls find out
    // whether the handle was fenced.
    renew().catch(() => {});
  }, Math.max(30, Math.floor(core.leaseMs / 3)));
  return () => clearInterval(timer);
}

/**
 * Waits for a wake-up of `kind` (or the next poll, or `deadline`).
 * Resolves `false` when `deadline` passed first.
 */
async function pause(
  core: StoreCore,
  name: string,
  kind: WakeKind,
  generation: number,
  delay: number,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const left = deadline - Date.now();
  if (left <= 0) return false;
  await core.sleep(name, kind, generation, Math.min(delay, left), signal);
  return true;
}

// -- Creating a channel --

/**
 * Creates a remote channel named `name` in the store (and the store's tables
 * and functions, if missing). Idempotent: creating an existing channel with
 * the same settings does nothing, so every process may call it at start.
 *
 * @param store Where the channel lives.
 * @param name The channel's name: 1 to 200 characters.
 * @param options The capacity, the largest message, and whether it stays
 * open without senders.
 * @returns A promise that settles once the channel exists.
 * @throws {TypeError} (as a rejection) If `store` is not a store, `name` not
 * a valid name, or an option of the wrong type.
 * @throws {RangeError} (as a rejection) If `capacity` or `maxMessageBytes`
 * is out of range.
 * @throws {Error} (as a rejection) If the channel exists with other
 * settings, or the database refused or did not answer.
 *
 * @example Usage
 * ```ts
 * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
 * import { createRemoteChannel, pgStore } from "@seed/mpsc/remote";
 * import { assertRejects } from "@std/assert";
 *
 * const db = new PGlite();
 * const store = pgStore(db);
 * await createRemoteChannel(store, "jobs", { capacity: 10 });
 * await createRemoteChannel(store, "jobs", { capacity: 10 }); // no-op
 * await assertRejects(() => createRemoteChannel(store, "jobs", { capacity: 0 }), RangeError);
 * await db.close();
 * ```
 */
export async function createRemoteChannel(
  store: PgStore,
  name: string,
  options: RemoteChannelOptions,
): Promise<void> {
  const action = "Cannot create channel";
  const core = coreOf(store, action);
  checkName(action, "name", name);
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `${action}: options must be an object with a capacity, received ${
        describe(options)
      }`,
    );
  }
  const capacity = checkNumber(
    action,
    "options.capacity",
    options.capacity,
    1,
    Number.MAX_SAFE_INTEGER,
  );
  const maxBytes = checkNumber(
    action,
    "options.maxMessageBytes",
    options.maxMessageBytes ?? DEFAULT_MESSAGE_BYTES,
    1,
    MAX_MESSAGE_BYTES,
  );
  const keepOpen = options.keepOpen ?? false;
  if (typeof keepOpen !== "boolean") {
    throw new TypeError(
      `${action}: options.keepOpen must be a boolean, received ${
        describe(keepOpen)
      }`,
    );
  }
  let row: Record<string, unknown>;
  try {
    await core.setup();
    row = firstRow(
      await core.call(core.sql.createChannel, [
        name,
        capacity,
        maxBytes,
        keepOpen,
      ]),
    );
  } catch (error) {
    throw databaseError(action, error);
  }
  const had = {
    capacity: Number(row.capacity),
    maxMessageBytes: Number(row.max_bytes),
    keepOpen: row.keep_open === true,
  };
  if (
    had.capacity !== capacity || had.maxMessageBytes !== maxBytes ||
    had.keepOpen !== keepOpen
  ) {
    throw new Error(
      `${action}: channel ${
        JSON.stringify(name)
      } exists with other settings (capacity ${had.capacity}, maxMessageBytes ${had.maxMessageBytes}, keepOpen ${had.keepOpen})`,
    );
  }
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

function checkCodec<T>(action: string, codec: unknown): RemoteCodec<T> {
  if (codec === undefined) return JSON_CODEC as RemoteCodec<T>;
  if (
    typeof codec !== "object" || codec === null ||
    typeof (codec as RemoteCodec<T>).encode !== "function" ||
    typeof (codec as RemoteCodec<T>).decode !== "function"
  ) {
    throw new TypeError(
      `${action}: options.codec must have encode and decode methods, received ${
        describe(codec)
      }`,
    );
  }
  return codec as RemoteCodec<T>;
}

const SECRET = Symbol("remote handle");

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
  #stopBeat: () => void;
  #fenced = false;

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
      ]);
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
        this.#stopBeat();
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

// -- Receiver --

/**
 * Connects the receiver of the channel `name`. One receiver holds a channel
 * at a time, by a lease it renews; connecting takes the lease over only once
 * the previous receiver disposed or its lease expired, and fences that one
 * out (its next call fails).
 *
 * Messages the previous receiver fetched but did not acknowledge (it
 * crashed before asking for the next) come first.
 *
 * @typeParam T The message type.
 * @param store Where the channel lives.
 * @param name The channel's name.
 * @param options The codec, how many to fetch per round trip, a signal.
 * @returns The receiver.
 * @throws {TypeError} (as a rejection) If an argument has the wrong type.
 * @throws {Error} (as a rejection) If a live receiver holds the channel, the
 * channel does not exist, or the database refused or did not answer.
 *
 * @example A second receiver is refused while the first is live
 * ```ts
 * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
 * import { connectReceiver, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
 * import { assertRejects } from "@std/assert";
 *
 * const db = new PGlite();
 * const store = pgStore(db);
 * await createRemoteChannel(store, "c", { capacity: 1 });
 * const rx = await connectReceiver(store, "c");
 * await assertRejects(() => connectReceiver(store, "c"), Error, "live receiver");
 * await rx.dispose();
 * await (await connectReceiver(store, "c")).dispose(); // free again
 * await db.close();
 * ```
 */
export async function connectReceiver<T>(
  store: PgStore,
  name: string,
  options?: RemoteReceiverOptions<T>,
): Promise<RemoteReceiver<T>> {
  const action = "Cannot connect receiver";
  const core = coreOf(store, action);
  checkName(action, "name", name);
  const o = checkOptions(action, options);
  const codec = checkCodec<T>(action, o.codec);
  const prefetch = checkNumber(
    action,
    "options.prefetch",
    o.prefetch ?? 1,
    1,
    MAX_BATCH,
  );
  const signal = checkSignal(action, o.signal);
  if (signal?.aborted) throw signal.reason;
  let row: Record<string, unknown>;
  try {
    await core.setup();
    await core.listen();
    row = firstRow(
      await core.call(core.sql.connectReceiver, [name, core.leaseMs]),
    );
  } catch (error) {
    throw databaseError(action, error);
  }
  if (row.state === "missing") throw missingError(action, name);
  if (row.state === "held") {
    throw new Error(
      `${action}: a live receiver holds channel ${
        JSON.stringify(name)
      } (one receiver at a time; its lease must be released or expire)`,
    );
  }
  const receiver = new RemoteReceiver<T>(
    SECRET,
    core,
    name,
    codec,
    prefetch,
    Number(row.epoch),
    Number(row.head),
  );
  if (signal?.aborted) {
    await receiver.dispose();
    throw signal.reason;
  }
  return receiver;
}

/** What a fetch found. */
type Fetched = "ok" | "empty" | "ended";

/**
 * The receiving side of a remote channel, made by
 * {@linkcode connectReceiver}. Delivery is at least once: the messages
 * handed out are acknowledged (deleted) by the next call, or by
 * `dispose()`.
 *
 * @typeParam T The message type.
 *
 * @example Receiving until the stream ends
 * ```ts
 * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
 * import { connectReceiver, connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
 * import { assertEquals } from "@std/assert";
 *
 * const db = new PGlite();
 * const store = pgStore(db);
 * await createRemoteChannel(store, "c", { capacity: 8 });
 * await using rx = await connectReceiver<number>(store, "c", { prefetch: 8 });
 * const tx = await connectSender<number>(store, "c", { id: "a" });
 * await tx.sendMany([1, 2, 3]);
 * await tx.dispose();
 * const got: number[] = [];
 * for await (const n of rx) got.push(n);
 * assertEquals(got, [1, 2, 3]);
 * await rx.dispose();
 * await db.close();
 * ```
 */
export class RemoteReceiver<T> {
  #core: StoreCore;
  #codec: RemoteCodec<T>;
  #prefetch: number;
  #epoch: number;
  /** The position of the last message handed out (acknowledged next). */
  #ack: number;
  /** Fetched, not yet handed out: positions `#ack + 1` onwards. */
  #fetched: string[] = [];
  #next = 0;
  #ended = false;
  #fenced = false;
  #disposed = false;
  #turns = new Turns();
  #stopBeat: () => void;

  /** The channel's name. */
  readonly name: string;

  /**
   * Not for users: receivers come from {@linkcode connectReceiver}.
   *
   * @internal
   */
  constructor(
    secret: symbol,
    core: StoreCore,
    name: string,
    codec: RemoteCodec<T>,
    prefetch: number,
    epoch: number,
    head: number,
  ) {
    if (secret !== SECRET) {
      throw new TypeError(
        "Cannot construct RemoteReceiver: use connectReceiver()",
      );
    }
    this.#core = core;
    this.name = name;
    this.#codec = codec;
    this.#prefetch = prefetch;
    this.#epoch = epoch;
    this.#ack = head;
    this.#stopBeat = heartbeat(core, async () => {
      const rows = await core.call(core.sql.renewReceiver, [
        name,
        this.#epoch,
        core.leaseMs,
      ]);
      if (rows.length === 0) this.#fenced = true;
    });
  }

  /**
   * Receives the next message, waiting for one; `undefined` once the stream
   * has ended and every message was received. Asking acknowledges the
   * message handed out before.
   *
   * Cancellation: an abort while waiting takes nothing.
   *
   * @param options A signal to stop waiting.
   * @returns A promise of the message, or `undefined` at the end.
   * @throws {TypeError} (as a rejection) If `codec.decode` threw (that
   * message counts as received).
   * @throws {Error} (as a rejection) If a newer receiver holds the channel.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectReceiver, connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   * import { assertEquals } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 8 });
   * await using rx = await connectReceiver<string>(store, "c");
   * const tx = await connectSender<string>(store, "c", { id: "a" });
   * await tx.send("hi");
   * await tx.dispose();
   * assertEquals(await rx.recv(), "hi");
   * assertEquals(await rx.recv(), undefined);
   * await rx.dispose();
   * await db.close();
   * ```
   */
  recv(options?: RemoteWaitOptions): Promise<T | undefined> {
    const action = "Cannot receive value";
    let signal: AbortSignal | undefined;
    try {
      signal = checkSignal(action, checkOptions(action, options).signal);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(action, signal, async () => {
      if (!(await this.#ensure(action, this.#prefetch, signal, true))) {
        return undefined;
      }
      return this.#take(action);
    });
  }

  /**
   * Appends up to `limit` messages to `buffer`, waiting for at least one, in
   * one statement; resolves with how many, or 0 once the stream has ended
   * (leaving `buffer` untouched). The fast path.
   *
   * Cancellation: an abort while waiting takes nothing.
   *
   * @param buffer The array to append to.
   * @param limit The most messages to take: an integer from 0 to 10,000;
   * 0 resolves 0 at once.
   * @param options A signal to stop waiting.
   * @returns A promise of how many messages were appended.
   * @throws {RangeError} (as a rejection) If `limit` is out of range.
   * @throws {TypeError} (as a rejection) If `buffer` is not an array, or
   * `codec.decode` threw (the messages count as received).
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectReceiver, connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   * import { assertEquals } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 8 });
   * await using rx = await connectReceiver<number>(store, "c");
   * await using tx = await connectSender<number>(store, "c", { id: "a" });
   * await tx.sendMany([1, 2, 3]);
   * const batch: number[] = [];
   * assertEquals(await rx.recvMany(batch, 2), 2);
   * assertEquals(batch, [1, 2]);
   * await tx.dispose();
   * await rx.dispose();
   * await db.close();
   * ```
   */
  recvMany(
    buffer: T[],
    limit: number,
    options?: RemoteWaitOptions,
  ): Promise<number> {
    const action = "Cannot receive values";
    let signal: AbortSignal | undefined;
    try {
      if (!Array.isArray(buffer)) {
        throw new TypeError(
          `${action}: buffer must be an array, received ${describe(buffer)}`,
        );
      }
      checkNumber(action, "limit", limit, 0, MAX_BATCH);
      signal = checkSignal(action, checkOptions(action, options).signal);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(action, signal, async () => {
      if (limit === 0) return 0;
      if (!(await this.#ensure(action, limit, signal, true))) return 0;
      const n = Math.min(limit, this.#fetched.length - this.#next);
      const out: T[] = [];
      let failure: unknown;
      for (let i = 0; i < n; i++) {
        try {
          out.push(this.#take(action));
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure !== undefined) throw failure;
      buffer.push(...out);
      return n;
    });
  }

  /**
   * Receives a message if one is queued now, without waiting (still a round
   * trip when nothing was prefetched).
   *
   * @returns A promise of the message.
   * @throws {TryRecvError} (as a rejection) `"empty"`, or `"disconnected"`
   * once the stream has ended and was drained.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectReceiver, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   * import { TryRecvError } from "@seed/mpsc/error";
   * import { assertEquals, assertRejects } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 8 });
   * await using rx = await connectReceiver(store, "c");
   * const error = await assertRejects(() => rx.tryRecv(), TryRecvError);
   * assertEquals(error.kind, "empty");
   * await rx.dispose();
   * await db.close();
   * ```
   */
  tryRecv(): Promise<T> {
    const action = "Cannot receive value";
    return this.#run(action, undefined, async () => {
      if (!(await this.#ensure(action, this.#prefetch, undefined, false))) {
        throw new TryRecvError(this.#ended ? "disconnected" : "empty");
      }
      return this.#take(action);
    });
  }

  /**
   * Closes the channel: later sends fail with the closed error, and the
   * stream ends once the queued messages are received. Unlike disposing, it
   * is for good: the channel stays closed for every process.
   *
   * @returns A promise that settles once the channel is closed.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectReceiver, connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   * import { SendError } from "@seed/mpsc/error";
   * import { assertEquals, assertRejects } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 8 });
   * await using rx = await connectReceiver<number>(store, "c");
   * await using tx = await connectSender<number>(store, "c", { id: "a" });
   * await tx.send(1);
   * await rx.close();
   * await assertRejects(() => tx.send(2), SendError);
   * assertEquals(await rx.recv(), 1);
   * assertEquals(await rx.recv(), undefined);
   * await tx.dispose();
   * await rx.dispose();
   * await db.close();
   * ```
   */
  close(): Promise<void> {
    const action = "Cannot close channel";
    return this.#run(action, undefined, async () => {
      let state: unknown;
      try {
        state = firstRow(
          await this.#core.call(this.#core.sql.close, [this.name, this.#epoch]),
        ).state;
      } catch (error) {
        throw databaseError(action, error);
      }
      if (state !== "ok") {
        this.#fenced = true;
        throw fencedError(action, "receiver", this.name);
      }
      this.#core.wake(this.name, "s");
    });
  }

  /**
   * The messages as an async iterable, like `for await` over the receiver,
   * with a signal: an abort rejects the waiting step and takes nothing.
   *
   * @param options A signal to stop waiting.
   * @returns An async iterable iterator of the messages.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectReceiver, connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   * import { assertEquals } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 8 });
   * await using rx = await connectReceiver<number>(store, "c");
   * const tx = await connectSender<number>(store, "c", { id: "a" });
   * await tx.sendMany([1, 2]);
   * await tx.dispose();
   * const got: number[] = [];
   * for await (const n of rx.values({ signal: AbortSignal.timeout(10_000) })) got.push(n);
   * assertEquals(got, [1, 2]);
   * await rx.dispose();
   * await db.close();
   * ```
   */
  async *values(options?: RemoteWaitOptions): AsyncIterableIterator<T> {
    const action = "Cannot receive value";
    const signal = checkSignal(action, checkOptions(action, options).signal);
    for (;;) {
      const ready = await this.#run(
        action,
        signal,
        () => this.#ensure(action, this.#prefetch, signal, true),
      );
      if (!ready) return;
      // Taken in the same turn as the check would be cleaner; a concurrent
      // recv() between them only means this step fetches again.
      if (this.#next >= this.#fetched.length) continue;
      yield this.#take(action);
    }
  }

  /**
   * Iterates the messages until the stream ends, as `values()` does.
   *
   * @returns An async iterator of the messages.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectReceiver, connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   * import { assertEquals } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 8 });
   * await using rx = await connectReceiver<string>(store, "c");
   * const tx = await connectSender<string>(store, "c", { id: "a" });
   * await tx.send("x");
   * await tx.dispose();
   * const got: string[] = [];
   * for await (const s of rx) got.push(s);
   * assertEquals(got, ["x"]);
   * await rx.dispose();
   * await db.close();
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.values();
  }

  /**
   * Acknowledges every message handed out, releases the lease and stops
   * renewing it (idempotent). It neither closes the channel nor drops queued
   * messages: the next receiver gets them. Messages fetched but not handed
   * out are delivered again.
   *
   * @returns A promise that settles once the lease is released.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectReceiver, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   * import { assertRejects } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 8 });
   * const rx = await connectReceiver(store, "c");
   * await rx.dispose();
   * await assertRejects(() => rx.recv(), ReferenceError);
   * await db.close();
   * ```
   */
  async dispose(): Promise<void> {
    if (this.#disposed) return this.#turns.idle().then(() => {});
    this.#disposed = true;
    return await this.#turns.run(async () => {
      try {
        if (!this.#fenced) {
          await this.#core.call(this.#core.sql.releaseReceiver, [
            this.name,
            this.#epoch,
            this.#ack,
          ]);
          this.#core.wake(this.name, "s");
        }
      } catch (error) {
        throw databaseError("Cannot dispose receiver", error);
      } finally {
        this.#stopBeat();
        this.#fetched = [];
        this.#next = 0;
      }
    });
  }

  /**
   * The same as {@linkcode RemoteReceiver.dispose}, for `await using`.
   *
   * @returns A promise that settles once the lease is released.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { connectReceiver, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await createRemoteChannel(store, "c", { capacity: 8 });
   * {
   *   await using _rx = await connectReceiver(store, "c");
   * }
   * await db.close();
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  #run<R>(
    action: string,
    signal: AbortSignal | undefined,
    op: () => Promise<R>,
  ): Promise<R> {
    if (this.#disposed) {
      return Promise.reject(
        new ReferenceError(`${action}: receiver is disposed`),
      );
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return this.#turns.run(() => {
      if (this.#disposed) {
        throw new ReferenceError(`${action}: receiver is disposed`);
      }
      return op();
    });
  }

  /** Hands out the next fetched message, acknowledged by the next call. */
  #take(action: string): T {
    const text = this.#fetched[this.#next++]!;
    this.#ack++;
    if (this.#next === this.#fetched.length) {
      this.#fetched = [];
      this.#next = 0;
    }
    try {
      return this.#codec.decode(text);
    } catch (error) {
      throw new TypeError(`${action}: codec.decode threw`, { cause: error });
    }
  }

  /**
   * Makes sure a message is fetched: resolves `true` when one is, `false`
   * when the stream ended (or, unless `wait`, nothing is queued now).
   */
  async #ensure(
    action: string,
    limit: number,
    signal: AbortSignal | undefined,
    wait: boolean,
  ): Promise<boolean> {
    if (this.#next < this.#fetched.length) return true;
    if (this.#fenced) throw fencedError(action, "receiver", this.name);
    const core = this.#core;
    let delay = firstPause(core);
    for (;;) {
      const generation = core.generation(this.name, "r");
      const found = await this.#fetch(action, limit);
      if (found === "ok") return true;
      if (found === "ended" || !wait) return false;
      await core.sleep(this.name, "r", generation, delay, signal);
      delay = Math.min(delay * 2, core.pollMs);
    }
  }

  /** One statement: acknowledge what was handed out, fetch up to `limit`. */
  async #fetch(action: string, limit: number): Promise<Fetched> {
    const core = this.#core;
    const acked = this.#ack;
    let row: Record<string, unknown>;
    try {
      row = firstRow(
        await core.call(core.sql.recv, [
          this.name,
          this.#epoch,
          acked,
          limit,
          core.leaseMs,
        ]),
      );
    } catch (error) {
      throw databaseError(action, error);
    }
    // Room came free for this process's waiting senders.
    core.wake(this.name, "s");
    switch (row.state) {
      case "ok":
        this.#fetched = row.bodies as string[];
        this.#next = 0;
        this.#ended = false;
        return "ok";
      case "empty":
        this.#ended = false;
        return "empty";
      case "ended":
        this.#ended = true;
        return "ended";
      case "missing":
        throw missingError(action, this.name);
      default:
        this.#fenced = true;
        throw fencedError(action, "receiver", this.name);
    }
  }
}
