// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.

/**
 * Multi-producer, single-consumer channels for sending values between
 * asynchronous tasks: Tokio's `tokio::sync::mpsc`, with its semantics, in
 * TypeScript.
 *
 * {@linkcode channel} creates a bounded channel, whose senders wait when it
 * is full: the backpressure that keeps a producer from outrunning its
 * consumer. {@linkcode unboundedChannel} creates one whose `send` never
 * waits. Both return a sender, which can be cloned for many producers, and
 * the one receiver.
 *
 * ```ts
 * import { channel } from "@seed/mpsc";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = channel<string>(16);
 * for (const name of ["a", "b"]) {
 *   using producer = tx.clone();
 *   await producer.send(`hello from ${name}`);
 * }
 * tx.dispose(); // the last sender: the receiver sees the end after draining
 *
 * const got: string[] = [];
 * for await (const message of rx) got.push(message);
 * assertEquals(got, ["hello from a", "hello from b"]);
 * ```
 *
 * ## Disconnection
 *
 * When every strong sender has been disposed, the receiver still gets every
 * queued message, then `recv()` resolves `undefined` (and `for await` ends).
 * A sender counts until it is disposed and nothing it started (a pending
 * call, a permit) is left. Weak senders never keep a channel open. When the
 * receiver is disposed, every later send fails with an error that hands the
 * value back, and `closed()` resolves on every sender.
 *
 * ## Clean shutdown
 *
 * To stop without losing anything, call `close()` on the receiver, then
 * keep receiving until `recv()` resolves `undefined`: `close()` refuses new
 * sends but keeps queued messages, and messages sent through permits that
 * were already held still arrive.
 *
 * ## Cancellation
 *
 * Every method that can wait takes `{ signal }`, an `AbortSignal`. An
 * aborted call changes nothing: a `recv` took no message, a `send` sent
 * nothing, a `reserve` holds no permit and hands on what it had collected.
 * For a time limit use `AbortSignal.timeout(ms)` (or `sendTimeout`); to
 * stop a loop, iterate `rx.values({ signal })`. Do not wrap `recv()` in
 * `Promise.race`: the losing `recv()` is still pending and takes the next
 * message, which is then lost. With a signal, the abort removes the call
 * from the channel instead.
 *
 * ## Waiting on several channels
 *
 * {@linkcode select} is Tokio's `select!`: it waits on several receivers
 * (for a message), senders (for room) and promises (for a value), and takes
 * exactly one thing from exactly one of them; the others keep theirs. A
 * branch set to `undefined`, `null` or `false` is switched off (Tokio's
 * `, if cond`), and its outcome leaves the result's type. With
 * {@linkcode interval} for ticks and a promise such as `delay(ms)` for a
 * deadline, a Tokio event loop ports branch for branch (see `select`'s
 * example). {@linkcode merge} is Tokio's `StreamMap`: one `for await` over
 * several receivers.
 *
 * `reserve()` makes sending two-phase: wait for room first, then send
 * synchronously through the {@linkcode Permit}, which cannot fail. Nothing
 * is lost if the wait is cancelled, because the message was never handed
 * over.
 *
 * ## Fairness and the cooperative budget
 *
 * Waiting senders are served first come, first served, and concurrent
 * receive calls in call order; `tryRecv()` does not overtake a waiting
 * receive, nor `trySend()` a waiting send. Operations that complete at once
 * (bounded sends, reservations, receives, `closed()`, a `select`; not the
 * `try*` methods nor the synchronous unbounded `send`) are counted, and
 * every 128th looks at the clock: once the current turn of the event loop
 * has run 1 ms, this and every later operation of the turn first yield a
 * macrotask, in call order. So neither a consumer draining a full channel
 * nor a producer and a consumer passing messages back and forth through
 * promises can starve timers and I/O, and a busy loop pays for about one
 * macrotask per millisecond. A wait that a promise settles does not end
 * the turn; a macrotask does.
 *
 * ## Allocation behavior
 *
 * Messages are stored in blocks of 32 slots. A channel allocates one block
 * when created and more as its queue grows; blocks the receiver has drained
 * are reused (up to three are kept) or given to the garbage collector, so
 * memory follows the queue's length, not the capacity. A send or receive
 * that completes at once allocates at most the promise it returns. A plain
 * `recv()` (or `for await` step) that waits allocates only its promise: the
 * channel holds its resolve function. Other calls that wait allocate one
 * waiter object besides; a waiting `select` one small node per branch.
 *
 * ## Not ported
 *
 * Tokio's `blocking_send`, `blocking_recv` and `blocking_recv_many` have no
 * counterpart on these channels: blocking the only thread would deadlock.
 * Channels shared between Workers have them (`@seed/mpsc/shared`). Its
 * `poll_recv` is `[Symbol.asyncIterator]()`.
 *
 * @module
 */

export * from "./bounded.ts";
export * from "./error.ts";
export * from "./interval.ts";
export * from "./select.ts";
export * from "./shared.ts";
export * from "./stream.ts";
export * from "./unbounded.ts";
