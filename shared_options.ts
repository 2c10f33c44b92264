// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The shared channel's public option and token types.

import type { Codec } from "./shared_codec.ts";

/**
 * Options of {@linkcode sharedChannel}.
 *
 * @typeParam T The type of the messages.
 *
 * @example Numbers in 8-byte slots
 * ```ts
 * import { codecs, sharedChannel, type SharedChannelOptions } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const options: SharedChannelOptions<number> = { codec: codecs.number };
 * const [tx, rx] = sharedChannel(16, options);
 * assertEquals(tx.maxCapacity(), 16);
 * tx.dispose();
 * rx.dispose();
 * ```
 */
export interface SharedChannelOptions<T> {
  /**
   * The size of one slot in bytes: the largest encoded message. An integer
   * from 1 to 16,777,216. Defaults to the codec's `byteLength`, or 256.
   */
  slotBytes?: number | undefined;
  /** Turns messages into bytes and back. Defaults to `codecs.bytes`. */
  codec?: Codec<T> | undefined;
}

/**
 * Options of every method that can wait asynchronously.
 *
 * @example Cancelling a receive
 * ```ts
 * import { sharedChannel } from "@seed/mpsc/shared";
 * import { assertRejects } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(1);
 * const controller = new AbortController();
 * const pending = rx.recv({ signal: controller.signal });
 * controller.abort(new Error("gave up"));
 * await assertRejects(() => pending, Error, "gave up");
 * tx.dispose();
 * rx.dispose();
 * ```
 */
export interface SharedWaitOptions {
  /**
   * Cancels the wait. An already aborted signal rejects at once with
   * `signal.reason` and changes nothing; an abort while waiting rejects with
   * `signal.reason` and takes nothing (unless another thread granted the
   * call first: a granted call completes).
   */
  signal?: AbortSignal | undefined;
}

/**
 * Options of the blocking methods.
 *
 * @example A receive that gives up
 * ```ts
 * import { sharedChannel } from "@seed/mpsc/shared";
 * import { assertThrows } from "@std/assert";
 * import { TryRecvError } from "@seed/mpsc/error";
 *
 * const [tx, rx] = sharedChannel(1);
 * assertThrows(() => rx.blockingRecv({ timeout: 1 }), TryRecvError);
 * tx.dispose();
 * rx.dispose();
 * ```
 */
export interface BlockingOptions {
  /**
   * How long to block at most, in milliseconds: a non-negative number
   * (`Infinity`, the default, means no limit).
   */
  timeout?: number | undefined;
}

/**
 * Options of `SharedSender.from()` and `SharedReceiver.from()`.
 *
 * @typeParam T The type of the messages.
 *
 * @example Passing a custom codec again
 * ```ts
 * import { type Codec, SharedReceiver, sharedChannel } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const byte: Codec<number> = {
 *   byteLength: 1,
 *   encode: (value, bytes, _view, offset) => (bytes[offset] = value, 1),
 *   decode: (bytes, _view, offset) => bytes[offset]!,
 * };
 * const [tx, rx] = sharedChannel(2, { codec: byte });
 * const moved = SharedReceiver.from(rx.share(), { codec: byte });
 * tx.trySend(7);
 * assertEquals(moved.tryRecv(), 7);
 * tx.dispose();
 * moved.dispose();
 * ```
 */
export interface AdoptOptions<T> {
  /**
   * The channel's codec. Needed when the channel was created with a codec
   * of your own (functions cannot cross threads); the built-in codecs are
   * found again from the token.
   */
  codec?: Codec<T> | undefined;
}

/**
 * A sender handle on its way to another thread: a plain, structured-cloneable
 * object (it holds the channel's `SharedArrayBuffer`). It counts as a strong
 * sender from `share()` on, until adopted with `SharedSender.from()` (once).
 *
 * @typeParam T The type of the messages.
 *
 * @example Posting a sender to a Worker
 * ```ts
 * import { sharedChannel, type SharedSenderToken } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(4);
 * const token: SharedSenderToken<Uint8Array> = tx.share();
 * // worker.postMessage(token) would go here.
 * assertEquals(token.kind, "sender");
 * assertEquals(rx.senderStrongCount(), 2);
 * tx.dispose();
 * rx.dispose();
 * ```
 */
export interface SharedSenderToken<T> {
  /** Marks the object as a token of this module. */
  readonly type: "@seed/mpsc/shared";
  /** Which handle the token carries. */
  readonly kind: "sender";
  /** The channel's memory. */
  readonly buffer: SharedArrayBuffer;
  /** The token's serial number. */
  readonly serial: number;
  /** The token's entry in the channel's token table. */
  readonly entry: number;
  /** Never present: carries the message type. */
  readonly messageType?: (value: T) => T;
}

/**
 * A receiver on its way to another thread, made by `SharedReceiver.share()`
 * (which consumes the local receiver); adopt it once with
 * `SharedReceiver.from()`.
 *
 * @typeParam T The type of the messages.
 *
 * @example Moving the receiver
 * ```ts
 * import { SharedReceiver, sharedChannel, type SharedReceiverToken } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(4);
 * const token: SharedReceiverToken<Uint8Array> = rx.share();
 * const moved = SharedReceiver.from(token);
 * tx.trySend(new Uint8Array([1]));
 * assertEquals(moved.tryRecv(), new Uint8Array([1]));
 * tx.dispose();
 * moved.dispose();
 * ```
 */
export interface SharedReceiverToken<T> {
  /** Marks the object as a token of this module. */
  readonly type: "@seed/mpsc/shared";
  /** Which handle the token carries. */
  readonly kind: "receiver";
  /** The channel's memory. */
  readonly buffer: SharedArrayBuffer;
  /** The token's serial number. */
  readonly serial: number;
  /** The token's entry in the channel's token table. */
  readonly entry: number;
  /** Never present: carries the message type. */
  readonly messageType?: (value: T) => T;
}
