// Copyright 2026 the @seed/mpsc authors. MIT license.
// Starts the shared channel tests' Worker (worker.ts) on one command.

import type { Command } from "./worker.ts";

/** The Worker module, for tests that drive it message by message. */
export const WORKER = new URL("./worker.ts", import.meta.url);

/** A started Worker and its first reply. */
export interface Started {
  readonly worker: Worker;
  /** Resolves with the Worker's first reply; rejects if it throws. */
  readonly done: Promise<unknown>;
}

/** Starts a Worker on one command; `done` resolves with its first reply. */
export function startWorker(command: Command): Started {
  const worker = new Worker(WORKER, { type: "module" });
  const done = new Promise((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
  });
  worker.postMessage(command);
  return { worker, done };
}
