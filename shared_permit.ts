// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The shared channel's permit: room for one message, held.

import { inspectAs } from "./_inspect.ts";
import { internals } from "./_internals.ts";
import { SharedCore } from "./shared_chan.ts";

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
  #core: SharedCore<T> | undefined;
  // The sender whose use this permit holds. Reached through `internals`
  // rather than an import, so the sender's file can import this one.
  #sender: object | undefined;

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
    if (
      !(core instanceof SharedCore) || typeof sender !== "object" ||
      sender === null
    ) {
      throw new TypeError("Illegal constructor");
    }
    this.#core = core as SharedCore<T>;
    this.#sender = sender;
  }

  #finish(): void {
    const sender = this.#sender!;
    this.#core = undefined;
    this.#sender = undefined;
    internals.releaseSharedSenderUse(sender);
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
