// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Internal: what the remote sender and receiver share: codecs, call order,
// leases, and the errors a statement's outcome turns into.

import { describe } from "./_args.ts";
import { type StoreCore, Unanswered, type WakeKind } from "./remote_store.ts";

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

export const JSON_CODEC: RemoteCodec<unknown> = {
  encode: (value) => value === undefined ? "" : JSON.stringify(value),
  decode: (text) => text === "" ? undefined : JSON.parse(text),
};

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

export const MAX_MESSAGE_BYTES = 268_435_456;
export const DEFAULT_MESSAGE_BYTES = 1_048_576;
export const MAX_BATCH = 10_000;
export const ENCODER = new TextEncoder();

/** The error for a call whose handle was replaced by a newer one. */
export function fencedError(action: string, what: string, name: string): Error {
  return new Error(
    `${action}: a newer ${what} holds channel ${JSON.stringify(name)}`,
  );
}

export function missingError(action: string, name: string): Error {
  return new Error(
    `${action}: channel ${
      JSON.stringify(name)
    } does not exist (createRemoteChannel creates it)`,
  );
}

/** Wraps a statement's failure in an error saying what it means for the call. */
export function databaseError(action: string, error: unknown): Error {
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

export function firstRow(
  rows: Record<string, unknown>[],
): Record<string, unknown> {
  const row = rows[0];
  if (row === undefined) throw new Error("the database returned no row");
  return row;
}

/** Runs `op` after every earlier call of the same handle has settled. */
export class Turns {
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
export function heartbeat(
  core: StoreCore,
  renew: () => Promise<unknown>,
): () => Promise<void> {
  let beat: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    // A failed renewal is tried again at the next beat (so it makes one
    // attempt); the calls find out whether the handle was fenced.
    beat = renew().catch(() => {});
  }, Math.max(30, Math.floor(core.leaseMs / 3)));
  // Stopping waits for a beat in flight, so none outlives the handle.
  return () => {
    clearInterval(timer);
    return beat.then(() => {});
  };
}

/**
 * Waits for a wake-up of `kind` (or the next poll, or `deadline`).
 * Resolves `false` when `deadline` passed first.
 */
export async function pause(
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

export function checkCodec<T>(action: string, codec: unknown): RemoteCodec<T> {
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

/** Only `connectSender` and `connectReceiver` make handles. */
export const SECRET: unique symbol = Symbol("remote handle");
