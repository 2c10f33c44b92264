// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// A ticking source for select loops: Tokio's `interval`, as a receiver.

import { checkNumber, CREATE_INTERVAL } from "./_args.ts";
import { channel, type Receiver } from "./bounded.ts";

/** The longest period a timer can wait: the largest 32-bit signed delay. */
export const MAX_PERIOD = 2_147_483_647;

/**
 * Creates a receiver that yields a tick every `period` milliseconds, for
 * `select` loops and `merge`. Tokio's `tokio::time::interval` with
 * `MissedTickBehavior::Skip`: the first tick is ready at once, then one
 * every `period`; a tick nobody took before the next one was due is skipped,
 * not queued, so a slow loop never sees a burst of stale ticks.
 *
 * A tick is the `performance.now()` time at which it fired. Because the
 * ticks come through an ordinary {@linkcode Receiver} of capacity 1, the
 * receiver works wherever a receiver does: `recv()`, `tryRecv()`,
 * `for await`, {@linkcode select} and {@linkcode merge}.
 *
 * Disposing the receiver (or closing it) stops the timer; `using` does it
 * at the end of the block. Until then the timer keeps the program alive, as
 * any `setInterval` does.
 *
 * For a one-off deadline, no interval is needed: pass
 * `AbortSignal.timeout(ms)` as the `signal` of the wait (it rejects with a
 * `TimeoutError`), or give `select` a promise branch such as
 * `delay(ms)` from `@std/async`, which wins as an ordinary outcome.
 *
 * @param period The time between ticks, in milliseconds.
 * @returns A receiver of tick times.
 * @throws {TypeError} If `period` is not a number.
 * @throws {RangeError} If `period` is not from 1 to
 * {@linkcode MAX_PERIOD}.
 *
 * @example A select loop with a tick
 * ```ts
 * import { channel, interval, select } from "@seed/mpsc";
 * import { assert } from "@std/assert";
 *
 * const [jobs, jobsRx] = channel<string>(8);
 * using ticks = interval(5);
 * setTimeout(() => jobs.send("work"), 12);
 *
 * let ticked = 0;
 * for (;;) {
 *   const next = await select({ ticks, job: jobsRx });
 *   if (next.key === "ticks") ticked++;
 *   else break;
 * }
 * assert(ticked >= 1); // the first tick is ready at once
 * jobs.dispose();
 * ```
 *
 * @example Ticks until a deadline (a promise branch)
 * ```ts
 * import { interval, select } from "@seed/mpsc";
 * import { delay } from "@std/async/delay";
 * import { assert } from "@std/assert";
 *
 * using ticks = interval(5);
 * const deadline = delay(30); // made once, before the loop
 * let ticked = 0;
 * for (;;) {
 *   const next = await select({ ticks, deadline });
 *   if (next.key === "deadline") break;
 *   ticked++;
 * }
 * assert(ticked >= 1);
 * ```
 *
 * @example Missed ticks are skipped
 * ```ts
 * import { interval } from "@seed/mpsc";
 * import { delay } from "@std/async/delay";
 * import { assertEquals } from "@std/assert";
 *
 * using ticks = interval(2);
 * await delay(30); // about fifteen periods pass unread
 * assertEquals(ticks.len(), 1); // one tick waits, the rest were skipped
 * ```
 */
export function interval(period: number): Receiver<number> {
  checkNumber(CREATE_INTERVAL, "period", period, 1, MAX_PERIOD);
  const [tx, rx] = channel<number>(1);
  // The first tick is ready at once, as Tokio's is.
  tx.trySend(performance.now());
  const timer = setInterval(() => {
    // Full means the last tick is still unread: skip this one. Closed means
    // the receiver is gone, and `closed()` below stops the timer.
    if (!tx.isClosed() && tx.capacity() > 0) tx.trySend(performance.now());
  }, period);
  // The sender lives as long as the timer: when the receiver closes or is
  // disposed, the timer stops and the sender goes, so the stream ends.
  tx.closed().then(() => {
    clearInterval(timer);
    tx.dispose();
  });
  return rx;
}
