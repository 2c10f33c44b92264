// Copyright 2026 the @seed/mpsc authors. MIT license.
// How the driver writes a real call's outcome, in the words the model
// uses, and a tally of the outcomes that came up (for coverage checks).

import {
  SendError,
  SendTimeoutError,
  TryRecvError,
  TrySendError,
} from "../../mod.ts";
import type { Outcome } from "./model.ts";

/**
 * How often each kind of select and merge outcome came up, so that a test
 * can prove its programs reach them ("select permit waited": a select that
 * waited, then won room on a sender branch).
 */
export const coverage: Map<string, number> = new Map();

export function tally(what: string): void {
  coverage.set(what, (coverage.get(what) ?? 0) + 1);
}

// "rx0 value 3" -> "value"; "p1 value 101" -> "value"; "aborted #4" ->
// "aborted".
export function kindOf(outcome: Outcome): string {
  const words = outcome.split(" ");
  return /^(rx|tx|p)\d/.test(words[0]!) ? words[1]! : words[0]!;
}

export class AbortReason {
  constructor(readonly id: number) {}
}

/** What promise `p` of a program's pool rejects with. */
export class PromiseRejection {
  constructor(readonly p: number) {}
}

// Hostile messages: objects that stand for a message number.
export const messageIds = new WeakMap<object, number>();

/** The number a real message stands for. */
export function idOf(value: unknown): unknown {
  return typeof value === "object" && value !== null && messageIds.has(value)
    ? messageIds.get(value)
    : value;
}

function describeValue(value: unknown, handle?: unknown): string {
  if (handle !== undefined && value === handle) return "the sender";
  return String(idOf(value));
}

export function describeError(e: unknown, handle?: unknown): Outcome {
  if (e instanceof AbortReason) return `aborted #${e.id}`;
  if (e instanceof PromiseRejection) return `rejected p${e.p}`;
  if (e instanceof TrySendError) {
    return `TrySendError(${e.kind}, ${describeValue(e.value, handle)})`;
  }
  if (e instanceof SendTimeoutError) {
    return `SendTimeoutError(${e.kind}, ${describeValue(e.value)})`;
  }
  if (e instanceof SendError) return `SendError(${describeValue(e.value)})`;
  if (e instanceof TryRecvError) return `TryRecvError(${e.kind})`;
  if (e instanceof ReferenceError) return "ReferenceError";
  if (e instanceof TypeError && e.message.includes("switched on")) {
    return "TypeError(off)"; // every branch of a select is switched off
  }
  if (e instanceof TypeError) {
    // The argument the message names is what the model predicts.
    const named = ["signal", "buffer"].find((x) => e.message.includes(x));
    if (named !== undefined) {
      tally(`TypeError(${named})`);
      return `TypeError(${named})`;
    }
  }
  const error = e as Error;
  return `unexpected ${error?.constructor?.name}: ${error?.message}`;
}
