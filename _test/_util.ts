// Copyright 2026 the @seed/mpsc authors. MIT license.
// Helpers shared by the handle tests (not a test file itself).

import { assertRejects, assertStrictEquals, assertThrows } from "@std/assert";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { SendTimeoutError, TryRecvError, TrySendError } from "../mod.ts";

export type State = "pending" | "fulfilled" | "rejected";

/**
 * How `promise` stands once the event loop has had a turn: every microtask
 * and every macrotask queued so far (including a budget yield) has run.
 */
export async function stateOf(promise: Promise<unknown>): Promise<State> {
  let state: State = "pending";
  promise.then(() => state = "fulfilled", () => state = "rejected");
  await nextMacrotask();
  await nextMacrotask();
  return state;
}

/** `signal`, instrumented to count the listeners registered on it. */
export function countListeners(signal: AbortSignal): () => number {
  const active = new Set<unknown>();
  const target: EventTarget = signal;
  const add = target.addEventListener.bind(target);
  const remove = target.removeEventListener.bind(target);
  Object.defineProperties(signal, {
    addEventListener: {
      value(
        type: string,
        listener: EventListenerOrEventListenerObject | null,
        options?: boolean | AddEventListenerOptions,
      ) {
        if (type === "abort" && listener !== null) active.add(listener);
        add(type, listener, options);
      },
    },
    removeEventListener: {
      value(
        type: string,
        listener: EventListenerOrEventListenerObject | null,
        options?: boolean | EventListenerOptions,
      ) {
        if (type === "abort") active.delete(listener);
        remove(type, listener, options);
      },
    },
  });
  return () => active.size;
}

/** Lets pending microtasks (and promise chains) run. */
export async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

/** Asserts that `fn` throws a `TryRecvError` of `kind`. */
export function assertThrowsTryRecvError(
  fn: () => unknown,
  kind: "empty" | "disconnected",
): void {
  const error = assertThrows(fn, TryRecvError);
  assertStrictEquals(error.name, "TryRecvError");
  assertStrictEquals(error.kind, kind);
}

/**
 * Asserts that `fn` throws a `TrySendError` of `expected.kind`, carrying
 * `expected.value` when that is given.
 */
export function assertThrowsTrySendError(
  fn: () => unknown,
  expected: { kind: "full" | "closed"; value?: unknown },
): void {
  const error = assertThrows(fn, TrySendError);
  assertStrictEquals(error.name, "TrySendError");
  assertStrictEquals(error.kind, expected.kind);
  if ("value" in expected) assertStrictEquals(error.value, expected.value);
}

/**
 * Asserts that `promise` rejects with a `SendTimeoutError` of
 * `expected.kind`, carrying `expected.value` when that is given.
 */
export async function assertRejectsSendTimeoutError(
  promise: Promise<unknown>,
  expected: { kind: "timeout" | "closed"; value?: unknown },
): Promise<void> {
  const error = await assertRejects(() => promise, SendTimeoutError);
  assertStrictEquals(error.name, "SendTimeoutError");
  assertStrictEquals(error.kind, expected.kind);
  if ("value" in expected) assertStrictEquals(error.value, expected.value);
}
