// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Remote channels: senders on many processes or hosts feed one receiver through PostgreSQL.
//
// How this relates to the in-process channel: the queue, the capacity count
// and the end of the stream live in the database (`remote_sql.ts`), changed
// only by one function call per operation under the channel's row lock; the
// store (`remote_store.ts`) runs those calls and wakes waiters. The handles
// keep only their own place: a sender (`remote_sender.ts`) its next
// sequence number (and a batch whose commit went unanswered, resent first
// with the same numbers), the receiver (`remote_receiver.ts`) the position
// of the last message it handed out (acknowledged by its next call) and the
// messages it fetched but has not handed out. `remote_common.ts` holds what
// both share. This file creates channels and is the public entry point.
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

import { describe } from "./_args.ts";
import {
  checkName,
  checkNumber,
  coreOf,
  type PgStore,
} from "./remote_store.ts";
import {
  databaseError,
  DEFAULT_MESSAGE_BYTES,
  firstRow,
  MAX_MESSAGE_BYTES,
} from "./remote_common.ts";

export {
  type PgClient,
  PgStore,
  pgStore,
  type PgStoreOptions,
} from "./remote_store.ts";
export type { RemoteCodec, RemoteWaitOptions } from "./remote_common.ts";
export {
  connectSender,
  RemoteSender,
  type RemoteSenderOptions,
} from "./remote_sender.ts";
export {
  connectReceiver,
  RemoteReceiver,
  type RemoteReceiverOptions,
} from "./remote_receiver.ts";

// -- Options --

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
