// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The receiving side of a remote channel: the lease, fetching, handing out
// and acknowledging.

import { TryRecvError } from "./error.ts";
import { describe } from "./_args.ts";
import { inspectAs } from "./_inspect.ts";
import {
  checkName,
  checkNumber,
  checkOptions,
  checkSignal,
  coreOf,
  firstPause,
  type PgStore,
  type StoreCore,
} from "./remote_store.ts";
import {
  checkCodec,
  databaseError,
  fencedError,
  firstRow,
  heartbeat,
  MAX_BATCH,
  missingError,
  type RemoteCodec,
  type RemoteWaitOptions,
  SECRET,
  Turns,
} from "./remote_common.ts";

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
  #stopBeat: () => Promise<void>;

  static {
    // Shows the handle's own state (never a message, nor the database's).
    inspectAs(
      this,
      "RemoteReceiver",
      (receiver) =>
        receiver.#disposed ? undefined : {
          prefetched: receiver.#fetched.length - receiver.#next,
          ended: receiver.#ended,
          fenced: receiver.#fenced,
        },
    );
  }

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
      ], true);
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
   * `codec.decode` threw on the first message (that one counts as received;
   * a later one that fails ends the batch early and fails the next call), or
   * `buffer` refused the messages (they stay queued).
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
      // Decode before taking anything: a message that fails to decode ends
      // the batch (it fails the next call, alone), and a buffer that
      // refuses the batch leaves every message in place.
      const end = Math.min(this.#next + limit, this.#fetched.length);
      const out: T[] = [];
      for (let i = this.#next; i < end; i++) {
        let value: T;
        try {
          value = this.#codec.decode(this.#fetched[i]!);
        } catch (error) {
          if (out.length > 0) break;
          this.#advance(1);
          throw new TypeError(`${action}: codec.decode threw`, {
            cause: error,
          });
        }
        out.push(value);
      }
      try {
        Array.prototype.push.apply(buffer, out);
      } catch (error) {
        throw new TypeError(
          `${action}: buffer must be an array that can grow; the messages stay queued`,
          { cause: error },
        );
      }
      this.#advance(out.length);
      return out.length;
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
        await this.#stopBeat();
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
    const text = this.#fetched[this.#next]!;
    this.#advance(1);
    try {
      return this.#codec.decode(text);
    } catch (error) {
      throw new TypeError(`${action}: codec.decode threw`, { cause: error });
    }
  }

  /** Marks `n` fetched messages handed out: the next call acknowledges them. */
  #advance(n: number): void {
    this.#next += n;
    this.#ack += n;
    if (this.#next === this.#fetched.length) {
      this.#fetched = [];
      this.#next = 0;
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
