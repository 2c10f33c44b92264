// Copyright 2026 the @seed/mpsc authors. MIT license.
// The two channel kinds, for tests of the behaviour they share (not a test
// file itself): `kindsTest` runs one body over both, each under the title
// the kind's own test file gave it, so `--filter` and `grep` still find it.

import {
  channel,
  type Receiver,
  type Sender,
  unboundedChannel,
  type UnboundedReceiver,
  type UnboundedSender,
} from "../mod.ts";

/** Which kind of channel: `channel(n)` or `unboundedChannel()`. */
export type KindName = "bounded" | "unbounded";

/** The sending half of either kind. */
export type AnySender<T> = Sender<T> | UnboundedSender<T>;

/** The receiving half of either kind. */
export type AnyReceiver<T> = Receiver<T> | UnboundedReceiver<T>;

/** One kind of channel, and how a test makes and fills one. */
export interface Kind {
  readonly name: KindName;
  /**
   * A new channel. A bounded one holds `capacity` messages (16 unless
   * given), room enough for what a shared test queues with `put`.
   */
  make<T>(capacity?: number): [AnySender<T>, AnyReceiver<T>];
  /** Queues `value` without waiting (a bounded channel must have room). */
  put<T>(tx: AnySender<T>, value: T): void;
}

/** `channel(capacity)`, filled with `trySend`. */
export const BOUNDED: Kind = {
  name: "bounded",
  make<T>(capacity = 16): [AnySender<T>, AnyReceiver<T>] {
    return channel<T>(capacity);
  },
  put<T>(tx: AnySender<T>, value: T): void {
    (tx as Sender<T>).trySend(value);
  },
};

/** `unboundedChannel()`, filled with `send`. */
export const UNBOUNDED: Kind = {
  name: "unbounded",
  make<T>(): [AnySender<T>, AnyReceiver<T>] {
    return unboundedChannel<T>();
  },
  put<T>(tx: AnySender<T>, value: T): void {
    (tx as UnboundedSender<T>).send(value);
  },
};

/** Both kinds, bounded first. */
export const KINDS: readonly Kind[] = [BOUNDED, UNBOUNDED];

/**
 * Registers one test per kind running `body`, titled `titles[kind.name]`.
 * Write the titles out at the call: they are the tests' names.
 */
export function kindsTest(
  titles: Readonly<Record<KindName, string>>,
  body: (kind: Kind, t: Deno.TestContext) => void | Promise<void>,
): void {
  for (const kind of KINDS) {
    Deno.test(titles[kind.name], (t) => body(kind, t));
  }
}
