// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Shared channels: a bounded channel in one SharedArrayBuffer, whose handles move between Workers.
//
// How this relates to the one-thread channel: `bounded.ts` keeps messages
// as values in `list.ts`'s growing block list and counts room with
// `semaphore.ts`; here the messages are bytes in `shared_list.ts`'s fixed
// ring of blocks (Tokio's block list, sized up front), room is counted by
// `shared_semaphore.ts` in the same memory, and `shared_codec.ts` turns
// values into bytes. The files, as the one-thread channel's are split:
// - `shared.ts` (this file): the public entry, `sharedChannel()`;
// - `shared_sender.ts`, `shared_permit.ts`, `shared_receiver.ts`: the thin
//   handles;
// - `shared_options.ts`: the option and token types;
// - `shared_chan.ts`: the core (one thread's view of the buffer, writing,
//   waiting for room, tokens);
// - `shared_send.ts`: a sender's line of waiting calls;
// - `shared_recv.ts`: the receiver's side on the one receive engine: the
//   storage (`SharedStore`, the shared list read through the codec) that
//   `SharedChan` plugs into `chan.ts`'s `Chan`, whose line of calls, waiter
//   kinds, budget and `select` nodes are the in-process channel's own;
// - `shared_wait.ts`: sleeping on a word, waiting with a signal and a
//   deadline, spinning, blocking checks;
// - `shared_layout.ts`: the memory map, one table for every word;
// - `shared_list.ts`, `shared_semaphore.ts`, `shared_codec.ts`.
//
// Waking costs nothing when nobody sleeps: a sleeping receiver announces
// itself in one word that producers load after each message, and a sleeping
// sender sleeps on its own ticket entry, which only a grant or a close
// changes.

import { checkInteger } from "./_args.ts";
import { type Codec, codecs } from "./shared_codec.ts";
import { checkCodec, createCore } from "./shared_chan.ts";
import { MAX_SHARED_CAPACITY, MAX_SLOT_BYTES } from "./shared_layout.ts";
import type { SharedChannelOptions } from "./shared_options.ts";
import { SharedReceiver } from "./shared_receiver.ts";
import { SharedSender } from "./shared_sender.ts";

export { type Codec, codecs, type JsonCodec } from "./shared_codec.ts";
export type {
  AdoptOptions,
  BlockingOptions,
  SharedChannelOptions,
  SharedReceiverToken,
  SharedSenderToken,
  SharedWaitOptions,
} from "./shared_options.ts";
export { SharedSender } from "./shared_sender.ts";
export { SharedPermit } from "./shared_permit.ts";
export { SharedReceiver } from "./shared_receiver.ts";
// The errors the shared handles throw and reject with.
export {
  SendError,
  SendTimeoutError,
  TryRecvError,
  TrySendError,
} from "./error.ts";

/**
 * Creates a bounded channel in one `SharedArrayBuffer`, whose handles can
 * be moved to Workers with `share()` and `from()`.
 *
 * The buffer is sized up front: `capacity` slots of `slotBytes` bytes (plus
 * one spare block of slots, the block headers and a few counters); nothing
 * grows and nothing is allocated per message. Messages are encoded into
 * their slot by `options.codec`.
 *
 * - Messages of one sender arrive in the order it sent them; nothing is
 *   lost or duplicated, whatever the threads do at the same time.
 * - Senders wait for room (backpressure), served first come, first served.
 * - The last strong sender's `dispose()`, on any thread, ends the stream
 *   after the buffered messages.
 * - A Worker terminated while it holds a sender leaks its count (no code
 *   runs at termination): the receiver's `close()` is the way out. If it
 *   held a `SharedPermit`, or was stopped between claiming a slot and
 *   publishing it, the stream cannot end by itself even after `close()`:
 *   read what `tryRecv()` gives until `"empty"`, then `dispose()` the
 *   receiver (see `SharedReceiver.close()`).
 *
 * Compared with the in-process `channel()`, a shared channel has no
 * `reserveMany` / `tryReserveMany`, `reserveOwned` / `tryReserveOwned`,
 * weak senders (`downgrade`, `weakCount`, `senderWeakCount`), `sameChannel`
 * or `values({ signal })`, and `select`, `merge` and `toReadableStream` do
 * not take its handles yet: a permit is one slot, taken one at a time, and
 * every count lives in shared memory. It adds `blockingSend`,
 * `blockingRecv`, `blockingRecvMany` and `share()` / `from()`.
 *
 * @typeParam T The type of the messages (`Uint8Array` by default).
 * @param capacity How many messages the channel holds: an integer from 1 to
 * 16,777,216.
 * @param options The slot size and the codec.
 * @returns The sender and the receiver.
 * @throws {TypeError} If `capacity` or `slotBytes` is not a number, or
 * `codec` is not a codec, or `SharedArrayBuffer` is not available (a
 * browser page without cross-origin isolation).
 * @throws {RangeError} If `capacity` or `slotBytes` is out of range, or the
 * codec's fixed size is more than `slotBytes`, or the buffer would exceed
 * 2^31 − 1 bytes.
 *
 * @example Producer and consumer on one thread
 * ```ts
 * import { codecs, sharedChannel } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(2, { codec: codecs.number });
 * const producer = (async () => {
 *   using sender = tx;
 *   for (let i = 0; i < 5; i++) await sender.send(i);
 * })();
 * const received: number[] = [];
 * for await (const n of rx) received.push(n);
 * await producer;
 * assertEquals(received, [0, 1, 2, 3, 4]);
 * ```
 *
 * @example A Worker sends, the main thread receives
 * ```ts ignore
 * import { codecs, sharedChannel } from "@seed/mpsc/shared";
 *
 * const [tx, rx] = sharedChannel(1024, { codec: codecs.number });
 * const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
 * worker.postMessage(tx.share());
 * tx.dispose();
 * for await (const n of rx) console.log(n);
 * // worker.ts:
 * // self.onmessage = ({ data }) => {
 * //   using tx = SharedSender.from(data);
 * //   for (let i = 0; i < 1e6; i++) tx.blockingSend(i);
 * // };
 * ```
 */
export function sharedChannel<T = Uint8Array>(
  capacity: number,
  options?: SharedChannelOptions<T>,
): [SharedSender<T>, SharedReceiver<T>] {
  const action = "Cannot create shared channel";
  checkInteger(action, "capacity", capacity, 1, MAX_SHARED_CAPACITY);
  const codec = options?.codec === undefined
    ? codecs.bytes as unknown as Codec<T>
    : checkCodec<T>(action, options.codec);
  const slotBytes = options?.slotBytes === undefined
    ? codec.byteLength ?? 256
    : checkInteger(action, "slotBytes", options.slotBytes, 1, MAX_SLOT_BYTES);
  if (codec.byteLength !== undefined && codec.byteLength > slotBytes) {
    throw new RangeError(
      `${action}: slotBytes must be at least the codec's byteLength (${codec.byteLength}), received ${slotBytes}`,
    );
  }
  const core = createCore(action, capacity, slotBytes, codec);
  return [new SharedSender(core), new SharedReceiver(core)];
}
