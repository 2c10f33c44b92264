// Copyright 2026 the @seed/mpsc authors. MIT license.
// A Worker for the order test: it frees room only when told, then says so, then drains.

import { SharedReceiver, type SharedReceiverToken } from "../../shared.ts";

/** The Worker's global scope, as far as this file uses it. */
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<OrderCommand>) => void) | null;
  postMessage(message: unknown): void;
};

/** What the test posts. */
export interface OrderCommand {
  token: SharedReceiverToken<number>;
  /** Word 0: the main thread's send waits; word 1: the Worker took 2. */
  flags: SharedArrayBuffer;
}

scope.onmessage = ({ data }: MessageEvent<OrderCommand>) => {
  try {
    using rx = SharedReceiver.from(data.token);
    const flags = new Int32Array(data.flags);
    Atomics.wait(flags, 0, 0);
    // Frees two slots: one granted to the waiting send, one free.
    const values = [rx.blockingRecv(), rx.blockingRecv()];
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    for (let v = rx.blockingRecv(); v !== undefined; v = rx.blockingRecv()) {
      values.push(v);
    }
    scope.postMessage({ ok: true, values });
  } catch (error) {
    scope.postMessage({ ok: false, error: String((error as Error)?.stack) });
  }
};
