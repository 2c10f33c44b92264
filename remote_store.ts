// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The store of remote channels: a PostgreSQL client, the SQL for one schema
// and prefix, retries of unanswered statements, and wake-ups (NOTIFY where
// the client can listen, polling with backoff otherwise).
//
// This file owns the connection side: which statement runs how, and when a
// waiting handle looks again. The channel's state lives in the database
// (`remote_sql.ts`); the handles (`remote.ts`) keep only their own position
// (a sender's next sequence, a receiver's last handed-out message).

import { checkInteger, describe, signalOf } from "./_args.ts";
import { type SqlNames, sqlNames } from "./remote_sql.ts";

/**
 * What a remote channel needs of a PostgreSQL client: `query` with
 * positional parameters (`$1`, `$2`, ...), resolving with the rows. `pg`'s
 * `Pool` and `Client` and PGlite have it as they are.
 *
 * Listening is optional: a client with PGlite's `listen(channel, callback)`,
 * or `pg`'s `on("notification", ...)` (a `Client`, or a `Pool`, from which
 * the store takes one connection for `LISTEN`), wakes waiting handles at
 * once; any other client is polled.
 *
 * @example A client built from nothing but `query`
 * ```ts
 * import type { PgClient } from "@seed/mpsc/remote";
 * import { assertEquals } from "@std/assert";
 *
 * const client: PgClient = {
 *   query: (_text, params) => Promise.resolve({ rows: [{ echo: params?.[0] }] }),
 * };
 * assertEquals((await client.query("SELECT $1 AS echo", [1])).rows, [{ echo: 1 }]);
 * ```
 */
export interface PgClient {
  /**
   * Runs one statement.
   *
   * @param text The SQL text, with `$1`-style placeholders.
   * @param params The values of the placeholders.
   * @returns The rows, as objects keyed by column name.
   */
  query(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Options of {@linkcode pgStore}.
 *
 * @example Usage
 * ```ts
 * import type { PgStoreOptions } from "@seed/mpsc/remote";
 * import { assertEquals } from "@std/assert";
 *
 * const options: PgStoreOptions = { schema: "jobs", prefix: "mpsc_", leaseMs: 10_000 };
 * assertEquals(options.schema, "jobs");
 * ```
 */
export interface PgStoreOptions {
  /**
   * The schema of the tables, created if missing: lower-case letters,
   * digits and `_`, starting with a letter or `_`, at most 30 characters.
   * Default `"public"`.
   */
  schema?: string;
  /**
   * The prefix of the table and function names, in the same alphabet, at
   * most 20 characters. Default `"mpsc_"`.
   */
  prefix?: string;
  /**
   * How long a handle counts after its process stops renewing it (a
   * crashed process), in milliseconds: from 100 to 3,600,000. Handles renew
   * their lease every third of it. Default 30,000.
   */
  leaseMs?: number;
  /**
   * How long a call retries a statement the database did not answer (a
   * dropped connection, a restarting server) before it gives up, in
   * milliseconds: from 0 to 3,600,000. Default 15,000.
   */
  retryMs?: number;
  /**
   * The longest pause between two looks of a waiting call, in milliseconds,
   * from 1 to 60,000. A waiting call is woken at once by a notification (or
   * by a handle of the same store); it also looks again at least this often,
   * which is how it sees a crashed sender's lease expire. Default 1,000.
   */
  pollMs?: number;
  /**
   * Whether to use LISTEN/NOTIFY when the client offers it. Set it to
   * `false` behind a transaction-pooling proxy, which drops LISTEN.
   * Default `true`.
   */
  listen?: boolean;
}

/** The default lease of senders and receivers, in milliseconds. */
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_RETRY_MS = 15_000;
const DEFAULT_POLL_MS = 1_000;
/** A polled wait starts this short and doubles up to `pollMs`. */
const FIRST_POLL_MS = 2;

/** The strict patterns for names that become SQL text. */
const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,29}$/;
const PREFIX_PATTERN = /^[a-z_][a-z0-9_]{0,19}$/;

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

// -- Argument checks: the module's own (`_args.ts`), and the remote ones in
// its message style --

/** Numbers: the module's one integer check (`_args.ts`). */
export const checkNumber: typeof checkInteger = checkInteger;

/**
 * Checks a channel name or a sender id: a string of 1 to 200 characters
 * without control characters (PostgreSQL text cannot hold NUL, and such a
 * name would be unreadable in the tables).
 *
 * @throws {TypeError} If it is not.
 */
export function checkName(
  action: string,
  name: string,
  value: unknown,
): string {
  if (typeof value !== "string") {
    throw new TypeError(
      `${action}: ${name} must be a string, received ${describe(value)}`,
    );
  }
  if (value.length < 1 || value.length > 200 || CONTROL.test(value)) {
    throw new TypeError(
      `${action}: ${name} must be 1 to 200 characters without control characters, received ${
        value.length > 200
          ? `${value.length} characters`
          : JSON.stringify(value)
      }`,
    );
  }
  return value;
}

/**
 * Checks that `options` is an object or undefined.
 *
 * @throws {TypeError} If it is neither.
 */
export function checkOptions<O extends object>(
  action: string,
  options: O | undefined,
): Partial<O> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `${action}: options must be an object, received ${describe(options)}`,
    );
  }
  return options;
}

/**
 * Checks an optional `options.signal` with the module's brand check.
 *
 * @throws {TypeError} If it is there and not an `AbortSignal`.
 */
export function checkSignal(
  action: string,
  signal: unknown,
): AbortSignal | undefined {
  return signalOf(action, { signal: signal as AbortSignal | undefined });
}

function checkPattern(
  action: string,
  name: string,
  value: unknown,
  pattern: RegExp,
  rule: string,
): string {
  if (typeof value !== "string" || !pattern.test(value)) {
    throw new TypeError(
      `${action}: ${name} must be ${rule}, received ${
        typeof value === "string" ? JSON.stringify(value) : describe(value)
      }`,
    );
  }
  return value;
}

// -- Errors from the database --

/**
 * The database did not answer a statement within `retryMs`: whether it ran
 * is unknown. Internal; handles turn it into their own error.
 */
export class Unanswered extends Error {
  constructor(cause: unknown) {
    super("the database did not answer", { cause });
    this.name = "Unanswered";
  }
}

/**
 * Whether a failed statement may run again: the connection broke (SQLSTATE
 * class 08, a socket error, or a client's words for it), the server is
 * shutting down or starting (57), out of resources (53), or the transaction
 * was rolled back for a conflict (40). When the connection broke, whether
 * the statement committed is unknown: every statement of ours is safe to
 * run twice (a send carries its sequence numbers, a receive its
 * acknowledgement). Any other failure is final.
 */
function retryable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string") {
    if (/^[0-9A-Z]{5}$/.test(code)) return /^(08|57|53|40)/.test(code);
    // A socket's error (ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, ...).
    if (/^E[A-Z]+$/.test(code)) return true;
  }
  // Clients that give no code say so in words ("Connection terminated
  // unexpectedly"); anything else (a bug, a closed client) is final.
  return typeof message === "string" &&
    /connection|connect |terminat|socket|ECONN|EPIPE/i.test(message);
}

// -- Waiting --

/** The two things a handle waits for on a channel. */
export type WakeKind = "r" | "s";

interface Sleeper {
  wake(): void;
}

/** A set of sleepers and a count of wake-ups, per channel and kind. */
class WakeBoard {
  readonly generation = new Map<string, number>();
  readonly sleepers = new Map<string, Set<Sleeper>>();

  current(key: string): number {
    return this.generation.get(key) ?? 0;
  }

  bump(key: string): void {
    this.generation.set(key, this.current(key) + 1);
    const set = this.sleepers.get(key);
    if (set === undefined) return;
    this.sleepers.delete(key);
    for (const sleeper of set) sleeper.wake();
  }
}

interface Listener {
  stop(): Promise<void>;
}

/** What the handles reach of a store. */
export interface StoreCore {
  readonly sql: SqlNames;
  readonly leaseMs: number;
  readonly retryMs: number;
  readonly pollMs: number;
  /** Whether a notification will wake waiters (else they poll briskly). */
  listening(): boolean;
  /**
   * Runs `text`, retrying while the database does not answer (unless
   * `once`: a lease renewal tries again at its next beat instead).
   */
  call(
    text: string,
    params: unknown[],
    once?: boolean,
  ): Promise<Record<string, unknown>[]>;
  /** Runs the setup statement once per store. */
  setup(): Promise<void>;
  /** The wake-up count of `kind` on `channel`, to pass to `sleep`. */
  generation(channel: string, kind: WakeKind): number;
  /** Wakes this process's handles waiting for `kind` on `channel`. */
  wake(channel: string, kind: WakeKind): void;
  /**
   * Sleeps until a wake-up of `kind` on `channel` after `generation`, or
   * `ms` pass, or `signal` aborts (rejects with its reason).
   */
  sleep(
    channel: string,
    kind: WakeKind,
    generation: number,
    ms: number,
    signal: AbortSignal | undefined,
  ): Promise<void>;
  /** Starts listening if the client can, once; never rejects. */
  listen(): Promise<void>;
}

const cores = new WeakMap<PgStore, StoreCore>();

/** The store's internals, for `remote.ts` only. */
export function coreOf(store: unknown, action: string): StoreCore {
  const core = typeof store === "object" && store !== null
    ? cores.get(store as PgStore)
    : undefined;
  if (core === undefined) {
    throw new TypeError(
      `${action}: store must be a PgStore made by pgStore(), received ${
        describe(store)
      }`,
    );
  }
  return core;
}

/**
 * Where remote channels live: a PostgreSQL client and the schema and prefix
 * of their tables. Made by {@linkcode pgStore}; one store serves any number
 * of channels and handles. Closing it stops listening; it never closes the
 * client, which stays yours.
 *
 * @example Closing a store with `await using`
 * ```ts
 * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
 * import { createRemoteChannel, pgStore } from "@seed/mpsc/remote";
 * import { assertEquals } from "@std/assert";
 *
 * const db = new PGlite();
 * {
 *   await using store = pgStore(db);
 *   await createRemoteChannel(store, "jobs", { capacity: 8 });
 *   assertEquals(store.schema, "public");
 * }
 * await db.close();
 * ```
 */
export class PgStore {
  #stop: () => Promise<void>;

  /** The schema of the tables. */
  readonly schema: string;
  /** The prefix of the table names. */
  readonly prefix: string;

  /**
   * Not for users: stores come from {@linkcode pgStore}.
   *
   * @internal
   */
  constructor(
    schema: string,
    prefix: string,
    core: StoreCore,
    stop: () => Promise<void>,
  ) {
    this.schema = schema;
    this.prefix = prefix;
    this.#stop = stop;
    cores.set(this, core);
  }

  /**
   * Stops listening for notifications (idempotent). Handles made from this
   * store keep working, polling instead; dispose them first.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { pgStore } from "@seed/mpsc/remote";
   * import { assertEquals } from "@std/assert";
   *
   * const db = new PGlite();
   * const store = pgStore(db);
   * await store.close();
   * assertEquals(store.prefix, "mpsc_");
   * await db.close();
   * ```
   */
  close(): Promise<void> {
    return this.#stop();
  }

  /**
   * The same as {@linkcode PgStore.close}, for `await using`.
   *
   * @example Usage
   * ```ts
   * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
   * import { pgStore } from "@seed/mpsc/remote";
   *
   * const db = new PGlite();
   * {
   *   await using _store = pgStore(db);
   * }
   * await db.close();
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#stop();
  }
}

/**
 * Makes a store of remote channels from a PostgreSQL client: `pg`'s `Pool`
 * or `Client`, PGlite, or anything with {@linkcode PgClient}'s `query`.
 *
 * Nothing is sent to the database until a channel is created or a handle
 * connects; then the store creates its tables and functions if they are
 * missing (in `options.schema`, named from `options.prefix`).
 *
 * @param client The client; the store never closes it.
 * @param options Where the tables live, leases, retries and polling.
 * @returns The store.
 * @throws {TypeError} If `client` has no `query` method, or a name in
 * `options` does not match its pattern.
 * @throws {RangeError} If a number in `options` is out of range.
 *
 * @example With PGlite, in process
 * ```ts
 * import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
 * import { connectReceiver, connectSender, createRemoteChannel, pgStore } from "@seed/mpsc/remote";
 * import { assertEquals } from "@std/assert";
 *
 * const db = new PGlite();
 * const store = pgStore(db, { schema: "queues" });
 * await createRemoteChannel(store, "jobs", { capacity: 16 });
 * {
 *   await using tx = await connectSender<string>(store, "jobs", { id: "web-1" });
 *   await using rx = await connectReceiver<string>(store, "jobs");
 *   await tx.send("resize photo 42");
 *   assertEquals(await rx.recv(), "resize photo 42");
 * }
 * await store.close();
 * await db.close();
 * ```
 */
export function pgStore(client: PgClient, options?: PgStoreOptions): PgStore {
  const action = "Cannot create store";
  if (
    typeof client !== "object" || client === null ||
    typeof (client as { query?: unknown }).query !== "function"
  ) {
    throw new TypeError(
      `${action}: client must have a query(text, params) method, received ${
        describe(client)
      }`,
    );
  }
  const o = checkOptions(action, options);
  const schema = checkPattern(
    action,
    "options.schema",
    o.schema ?? "public",
    SCHEMA_PATTERN,
    "1 to 30 lower-case letters, digits or _, not starting with a digit",
  );
  const prefix = checkPattern(
    action,
    "options.prefix",
    o.prefix ?? "mpsc_",
    PREFIX_PATTERN,
    "1 to 20 lower-case letters, digits or _, not starting with a digit",
  );
  const leaseMs = checkNumber(
    action,
    "options.leaseMs",
    o.leaseMs ?? DEFAULT_LEASE_MS,
    100,
    3_600_000,
  );
  const retryMs = checkNumber(
    action,
    "options.retryMs",
    o.retryMs ?? DEFAULT_RETRY_MS,
    0,
    3_600_000,
  );
  const pollMs = checkNumber(
    action,
    "options.pollMs",
    o.pollMs ?? DEFAULT_POLL_MS,
    1,
    60_000,
  );
  const mayListen = o.listen ?? true;
  if (typeof mayListen !== "boolean") {
    throw new TypeError(
      `${action}: options.listen must be a boolean, received ${
        describe(mayListen)
      }`,
    );
  }
  const sql = sqlNames(schema, prefix);
  const board = new WakeBoard();
  let ready: Promise<void> | undefined;
  let listener: Promise<Listener | undefined> | undefined;
  let stopped = false;
  /** Whether a LISTEN is in place now. */
  let active = false;

  const onNotify = (payload: unknown) => {
    if (typeof payload !== "string" || payload.length < 2) return;
    board.bump(payload);
  };

  const core: StoreCore = {
    sql,
    leaseMs,
    retryMs,
    pollMs,
    listening: () => active && !stopped,
    async call(text, params, once = false) {
      const deadline = once ? 0 : Date.now() + retryMs;
      let pause = 25;
      for (;;) {
        try {
          return (await client.query(text, params)).rows;
        } catch (error) {
          if (!retryable(error)) throw error;
          if (Date.now() + pause > deadline) throw new Unanswered(error);
          await new Promise((resolve) => setTimeout(resolve, pause));
          pause = Math.min(pause * 2, 1_000);
        }
      }
    },
    setup() {
      ready ??= core.call(sql.setup, []).then(() => {}, (error) => {
        ready = undefined;
        throw error;
      });
      return ready;
    },
    generation: (channel, kind) => board.current(kind + channel),
    wake: (channel, kind) => board.bump(kind + channel),
    sleep(channel, kind, generation, ms, signal) {
      const key = kind + channel;
      if (board.current(key) !== generation) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        let set = board.sleepers.get(key);
        if (set === undefined) board.sleepers.set(key, set = new Set());
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          set.delete(sleeper);
        };
        const sleeper: Sleeper = {
          wake() {
            done();
            resolve();
          },
        };
        const onAbort = () => {
          done();
          reject(signal!.reason);
        };
        const timer = setTimeout(sleeper.wake, ms);
        signal?.addEventListener("abort", onAbort, { once: true });
        set.add(sleeper);
      });
    },
    listen() {
      if (!mayListen || stopped) return Promise.resolve();
      // A listening connection that breaks (a restarted server) is dropped;
      // waiters poll until the next wait listens again.
      const broken = () => {
        listener = undefined;
        active = false;
      };
      listener ??= startListening(client, sql.wake, onNotify, broken).then(
        (l) => {
          active = l !== undefined;
          return l;
        },
        () => undefined,
      );
      return listener.then(() => {});
    },
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const l = await listener;
    await l?.stop().catch(() => {});
  };
  return new PgStore(schema, prefix, core, stop);
}

/** pg's `Client` and `Pool`, as far as listening goes. */
interface PgEmitter {
  on(event: string, listener: (message: unknown) => void): unknown;
  off?(event: string, listener: (message: unknown) => void): unknown;
  removeListener?(
    event: string,
    listener: (message: unknown) => void,
  ): unknown;
  query(text: string): Promise<unknown>;
}

/**
 * Starts listening on `channel` with what the client offers: PGlite's
 * `listen`, a `pg` `Client`'s notification events, or one connection taken
 * from a `pg` `Pool`. Resolves `undefined` for a client that cannot listen.
 */
async function startListening(
  client: PgClient,
  channel: string,
  onNotify: (payload: unknown) => void,
  onBroken: () => void,
): Promise<Listener | undefined> {
  const c = client as unknown as Record<string, unknown>;
  if (typeof c.listen === "function") {
    // PGlite: quotes the name itself when it is not lower-case; ours is.
    const unlisten = await (c.listen as (
      channel: string,
      callback: (payload: string) => void,
    ) => Promise<() => Promise<void>>).call(client, channel, onNotify);
    return { stop: () => unlisten() };
  }
  if (typeof c.on !== "function") return undefined;
  const isPool = typeof c.connect === "function" && "totalCount" in c;
  let emitter = client as unknown as PgEmitter;
  let release: (() => void) | undefined;
  if (isPool) {
    // Listening keeps one connection: a pool of one would have none left.
    const max = (c.options as { max?: unknown } | undefined)?.max;
    if (typeof max === "number" && max < 2) return undefined;
    const pooled = await (c.connect as () => Promise<
      PgEmitter & { release(error?: unknown): void }
    >).call(client);
    emitter = pooled;
    // A broken listening connection must not crash the process; waiters
    // then poll at `pollMs`.
    pooled.on("error", () => {
      onBroken();
      pooled.release(true);
    });
    release = () => pooled.release(true);
  }
  const handler = (message: unknown) => {
    const m = message as { channel?: unknown; payload?: unknown };
    if (m.channel === channel) onNotify(m.payload);
  };
  emitter.on("notification", handler);
  await emitter.query(`LISTEN "${channel}"`);
  return {
    async stop() {
      (emitter.off ?? emitter.removeListener)?.call(
        emitter,
        "notification",
        handler,
      );
      try {
        if (release === undefined) await emitter.query(`UNLISTEN "${channel}"`);
      } finally {
        release?.();
      }
    },
  };
}

/** The first pause of a polled wait. */
export function firstPause(core: StoreCore): number {
  return core.listening() ? core.pollMs : Math.min(FIRST_POLL_MS, core.pollMs);
}
