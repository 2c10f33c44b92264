// Copyright 2026 the @seed/mpsc authors. MIT license.
// Helpers shared by the handle tests (not a test file itself).

import { setImmediate as nextMacrotask } from "node:timers/promises";

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
