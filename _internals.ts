// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The one door to the handles' private state for the other files of the
// module (`select`, the stream adapters, a permit's sibling handles): a
// typed object that each handle class fills in its `static {}` block, where
// it can read its own private fields. No public accessor is needed, and a
// user's object can never pass for a handle.
// Internal: not exported from the package.

import type { Chan, TxRef } from "./chan.ts";
import type { BatchSemaphore } from "./semaphore.ts";

/** What a lookup returns for a value that is no handle of its class. */
export const NOT_A_HANDLE = false;

/**
 * Reads one handle class's private state: the state, `undefined` if the
 * handle is disposed, or {@linkcode NOT_A_HANDLE} if `value` is not one of
 * that class's handles.
 */
export type Lookup<R> = (value: object) => R | undefined | typeof NOT_A_HANDLE;

/** What {@linkcode SharedSenderSide.take} returns when the room went. */
export const NOT_READY = 0;
/** What {@linkcode SharedSenderSide.take} returns when the channel closed. */
export const SIDE_CLOSED = 1;

/**
 * A `SharedSender` as a `select` branch waits on it: for room, granted as
 * a `SharedPermit`. Room is shared with other threads, so it can go between
 * `ready()` and `take()`: `take()` then says so, and the select looks again
 * or waits.
 */
export interface SharedSenderSide {
  /**
   * Whether `take()` would succeed or find the channel closed now: no call
   * of the handle waits (it would go first), and room is free or the
   * channel is closed.
   */
  ready(): boolean;
  /**
   * Takes room now: a `SharedPermit` (it holds a use of the handle),
   * {@linkcode SIDE_CLOSED}, or {@linkcode NOT_READY} (a call of the
   * handle waits, or another thread took the room).
   */
  take(): unknown;
  /** Keeps the handle's count while a select holds its place, parked. */
  hold(): void;
  /** Ends a {@linkcode SharedSenderSide.hold}. */
  unhold(): void;
  /**
   * Waits for room as a call in the handle's line of sends (call order):
   * `granted` gets the permit, `closed` runs if the channel closes first;
   * either may run before `wait` returns. Returns the function that
   * withdraws the wait: it took nothing (room granted meanwhile is given
   * back) and calls neither callback.
   */
  wait(granted: (permit: unknown) => void, closed: () => void): () => void;
}

/** A bounded sender's hold on its channel. */
export type BoundedRef = TxRef<unknown, BatchSemaphore>;

/** The slots, each filled by the class it names. */
export interface Internals {
  /** `Receiver` (bounded.ts): its channel. */
  receiverChan: Lookup<Chan<unknown>>;
  /** `UnboundedReceiver` (unbounded.ts): its channel. */
  unboundedReceiverChan: Lookup<Chan<unknown>>;
  /**
   * `SharedReceiver` (shared_receiver.ts): its channel, the same receive
   * engine over the shared storage.
   */
  sharedReceiverChan: Lookup<Chan<unknown>>;
  /**
   * `SharedSender` (shared_sender.ts): its side for `select`, one per
   * handle.
   */
  sharedSenderSide: Lookup<SharedSenderSide>;
  /**
   * `SharedSender` (shared_sender.ts): gives back one use of the handle (a
   * permit's, when it is used or disposed); its count goes with the last.
   * Returns `false` if `value` is no shared sender.
   */
  releaseSharedSenderUse(value: object): boolean;
  /** `Sender` (bounded.ts): its hold on the channel. */
  senderRef: Lookup<BoundedRef>;
  /**
   * `Permit` (bounded.ts): a permit that owns one use of `ref` and one slot
   * already acquired.
   */
  newPermit(ref: BoundedRef): unknown;
}

function notOurs(): typeof NOT_A_HANDLE {
  return NOT_A_HANDLE;
}

/**
 * The handles' private state. Until a class's file is loaded its slots
 * answer "not a handle": nobody can hold one of its handles yet.
 */
export const internals: Internals = {
  receiverChan: notOurs,
  unboundedReceiverChan: notOurs,
  sharedReceiverChan: notOurs,
  sharedSenderSide: notOurs,
  releaseSharedSenderUse: notOurs,
  senderRef: notOurs,
  newPermit(): never {
    // Only reachable with a sender's hold, which bounded.ts made.
    throw new Error("Cannot make permit: bounded.ts is not loaded");
  },
};

/**
 * The channel behind a receiver handle of ours, bounded, unbounded or
 * shared: `undefined` if the handle is disposed, {@linkcode NOT_A_HANDLE}
 * if `value` is none.
 */
export function chanOfReceiver(
  value: unknown,
): Chan<unknown> | undefined | typeof NOT_A_HANDLE {
  if (typeof value !== "object" || value === null) return NOT_A_HANDLE;
  let chan = internals.receiverChan(value);
  if (chan !== NOT_A_HANDLE) return chan;
  chan = internals.unboundedReceiverChan(value);
  return chan !== NOT_A_HANDLE ? chan : internals.sharedReceiverChan(value);
}

/**
 * The hold of a bounded sender of ours: `undefined` if the handle is
 * disposed, {@linkcode NOT_A_HANDLE} if `value` is none.
 */
export function refOfSender(
  value: unknown,
): BoundedRef | undefined | typeof NOT_A_HANDLE {
  if (typeof value !== "object" || value === null) return NOT_A_HANDLE;
  return internals.senderRef(value);
}
