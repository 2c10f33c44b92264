// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The errors channels throw and reject with; each hands back what was unsent.

/**
 * Defines `value` as a read-only, non-enumerable own property, so that
 * `console.log(error)` and `Deno.inspect(error)` never print a message.
 */
function hideValue(error: Error, value: unknown): void {
  Object.defineProperty(error, "value", {
    value,
    enumerable: false,
    writable: false,
    configurable: true,
  });
}

/**
 * The channel is closed (the receiver was closed or disposed), or
 * `reserveMany(n)` asked for more than `maxCapacity()`. Carries the value
 * that could not be sent, so nothing is lost.
 *
 * Thrown by {@linkcode UnboundedSender.send}; the rejection of
 * `Sender.send()` and of the `reserve*()` methods (whose `value` is
 * `undefined`).
 *
 * @typeParam T The type of the unsent value.
 *
 * @example Getting the value back
 * ```ts
 * import { channel, SendError } from "@seed/mpsc";
 * import { assertRejects, assertStrictEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<string>(1);
 * rx.dispose();
 * const error = await assertRejects(() => tx.send("hello"), SendError);
 * assertStrictEquals(error.value, "hello");
 * ```
 */
export class SendError<T> extends Error {
  /** The value that was not sent. Not enumerable, so never printed. */
  declare readonly value: T;

  /**
   * Creates the error for an unsent `value`.
   *
   * @param value The value that was not sent.
   * @param message What happened, when it is more than a closed channel.
   */
  constructor(value: T, message = "Cannot send value: channel is closed") {
    super(message);
    this.name = "SendError";
    hideValue(this, value);
  }
}

/**
 * A `try*` send or reservation failed without waiting: the channel was
 * `"full"` (or someone was already waiting for room), or `"closed"`.
 *
 * Thrown by `trySend` (value: the message), `tryReserve` and
 * `tryReserveMany` (value: `undefined`) and `tryReserveOwned` (value: the
 * sender, handed back unconsumed).
 *
 * @typeParam T The type of the value handed back.
 *
 * @example Telling full from closed
 * ```ts
 * import { channel, TrySendError } from "@seed/mpsc";
 * import { assertStrictEquals, assertThrows } from "@std/assert";
 *
 * const [tx, rx] = channel<number>(1);
 * tx.trySend(1);
 * const error = assertThrows(() => tx.trySend(2), TrySendError);
 * assertStrictEquals(error.kind, "full");
 * assertStrictEquals(error.value, 2);
 * rx.dispose();
 * ```
 */
export class TrySendError<T> extends Error {
  /** Why the call failed: `"full"` or `"closed"`. */
  readonly kind: "full" | "closed";
  /** The value handed back. Not enumerable, so never printed. */
  declare readonly value: T;

  /**
   * Creates the error.
   *
   * @param kind Why the call failed.
   * @param value The value handed back.
   */
  constructor(kind: "full" | "closed", value: T) {
    super(
      kind === "full"
        ? "Cannot send value: channel is full"
        : "Cannot send value: channel is closed",
    );
    this.name = "TrySendError";
    this.kind = kind;
    hideValue(this, value);
  }
}

/**
 * `tryRecv()` found no message: the channel is `"empty"` for now, or
 * `"disconnected"` (closed and drained) for good.
 *
 * @example Polling a receiver
 * ```ts
 * import { TryRecvError, unboundedChannel } from "@seed/mpsc";
 * import { assertStrictEquals, assertThrows } from "@std/assert";
 *
 * const [tx, rx] = unboundedChannel<number>();
 * const empty = assertThrows(() => rx.tryRecv(), TryRecvError);
 * assertStrictEquals(empty.kind, "empty");
 * tx.dispose();
 * const closed = assertThrows(() => rx.tryRecv(), TryRecvError);
 * assertStrictEquals(closed.kind, "disconnected");
 * ```
 */
export class TryRecvError extends Error {
  /** Why no message came: `"empty"` or `"disconnected"`. */
  readonly kind: "empty" | "disconnected";

  /**
   * Creates the error.
   *
   * @param kind Why no message came.
   */
  constructor(kind: "empty" | "disconnected") {
    super(
      kind === "empty"
        ? "Cannot receive value: channel is empty"
        : "Cannot receive value: channel is disconnected",
    );
    this.name = "TryRecvError";
    this.kind = kind;
  }
}

/**
 * `sendTimeout()` failed: no room came before the time limit (`"timeout"`),
 * or the channel is `"closed"`. Carries the unsent value.
 *
 * @typeParam T The type of the unsent value.
 *
 * @example A timed-out send hands its value back
 * ```ts
 * import { channel, SendTimeoutError } from "@seed/mpsc";
 * import { assertRejects, assertStrictEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<string>(1);
 * await tx.send("first");
 * const error = await assertRejects(
 *   () => tx.sendTimeout("second", 5),
 *   SendTimeoutError,
 * );
 * assertStrictEquals(error.kind, "timeout");
 * assertStrictEquals(error.value, "second");
 * rx.dispose();
 * ```
 */
export class SendTimeoutError<T> extends Error {
  /** Why the send failed: `"timeout"` or `"closed"`. */
  readonly kind: "timeout" | "closed";
  /** The value that was not sent. Not enumerable, so never printed. */
  declare readonly value: T;

  /**
   * Creates the error.
   *
   * @param kind Why the send failed.
   * @param value The value that was not sent.
   */
  constructor(kind: "timeout" | "closed", value: T) {
    super(
      kind === "timeout"
        ? "Cannot send value: timed out waiting for capacity"
        : "Cannot send value: channel is closed",
    );
    this.name = "SendTimeoutError";
    this.kind = kind;
    hideValue(this, value);
  }
}
