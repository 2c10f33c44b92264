// Copyright 2026 the @seed/mpsc authors. MIT license.
// How late a 1 ms interval ticks while a run keeps the thread busy: the
// measure of whether a loop of messages starves timers and I/O.

import type { Run } from "./harness.ts";

/** One run timed against a 1 ms `setInterval`. */
export interface TimedRun {
  /** The run's sum. */
  readonly sum: number;
  /** How long the run took, in milliseconds. */
  readonly ms: number;
  /**
   * The gaps between the interval's ticks, in milliseconds, from the start
   * of the run to the first tick after its end. A run that never lets the
   * interval fire leaves one gap as long as itself.
   */
  readonly gaps: number[];
}

/**
 * Runs `run` while a 1 ms interval ticks, and records the gaps.
 *
 * @param run The timed part of a scenario.
 * @returns Its sum, its time and the interval's gaps.
 */
export async function withInterval(run: Run): Promise<TimedRun> {
  const gaps: number[] = [];
  let last = 0;
  let wake: (() => void) | undefined;
  const id = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
    wake?.();
  }, 1);
  const started = performance.now();
  last = started;
  try {
    const sum = await run();
    const ms = performance.now() - started;
    // The gap still open when the run ends closes at the next tick.
    await new Promise<void>((resolve) => wake = resolve);
    return { sum, ms, gaps };
  } finally {
    clearInterval(id);
  }
}

/**
 * The gaps of an idle event loop: what a 1 ms interval does with nothing
 * else to run, the baseline of every other row.
 *
 * @param ms How long to watch.
 * @returns The gaps, in milliseconds.
 */
export async function idleGaps(ms: number): Promise<number[]> {
  const gaps: number[] = [];
  let last = performance.now();
  const end = last + ms;
  await new Promise<void>((resolve) => {
    const id = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
      if (now >= end) {
        clearInterval(id);
        resolve();
      }
    }, 1);
  });
  return gaps;
}
