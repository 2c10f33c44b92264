// Copyright 2026 the @seed/mpsc authors. MIT license.
// A Worker for the shared channel tests: it adopts a handle from a token and runs one command.

import {
  SharedReceiver,
  type SharedReceiverToken,
  SharedSender,
  type SharedSenderToken,
} from "../../shared.ts";
import { SendError, SendTimeoutError } from "../../error.ts";

/** The commands the tests post. */
export type Command =
  | {
    /** Send `id * 1e6 + i` for i in [0, count), then dispose. */
    op: "send";
    token: SharedSenderToken<number>;
    id: number;
    count: number;
    /** `batch`: blockingSendMany in batches of 100. */
    mode: "blocking" | "async" | "batch";
    /** Cancel some calls at random (aborts, or timeouts when blocking). */
    cancel?: boolean;
  }
  | {
    /** blockingRecv until the stream ends; post every value back. */
    op: "recv";
    token: SharedReceiverToken<number>;
  }
  | {
    /** blockingSend until the channel closes; post the error's name. */
    op: "flood";
    token: SharedSenderToken<number>;
  }
  | {
    /** Adopt a sender and keep it (the test terminates the Worker). */
    op: "hold";
    token: SharedSenderToken<number>;
    /** Also take a permit and keep it. */
    permit?: boolean;
  }
  | {
    /**
     * Fill the channel (capacity 1) with 0, leave `send(1)` pending, post
     * "ready", then `blockingSend(2)`: the pending send must go first.
     */
    op: "mixed";
    token: SharedSenderToken<number>;
  };

/** The Worker's global scope, as far as this file uses it. */
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Command>) => void) | null;
  postMessage(message: unknown): void;
};

/** A small, seeded random number generator (xorshift). */
function random(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

async function send(command: Extract<Command, { op: "send" }>) {
  const tx = SharedSender.from(command.token);
  const rand = random(command.id * 7919 + 1);
  let cancelled = 0;
  if (command.mode === "batch") {
    for (let i = 0; i < command.count; i += 100) {
      const batch: number[] = [];
      for (let j = i; j < Math.min(i + 100, command.count); j++) {
        batch.push(command.id * 1e6 + j);
      }
      tx.blockingSendMany(batch);
    }
    tx.dispose();
    return { cancelled };
  }
  for (let i = 0; i < command.count; i++) {
    const value = command.id * 1e6 + i;
    for (;;) {
      try {
        if (command.mode === "blocking") {
          if (command.cancel && rand() < 0.05) {
            tx.blockingSend(value, { timeout: rand() < 0.5 ? 0 : 0.05 });
          } else {
            tx.blockingSend(value);
          }
        } else if (command.cancel && rand() < 0.05) {
          const controller = new AbortController();
          const sent = tx.send(value, { signal: controller.signal });
          if (rand() < 0.5) {
            controller.abort(new Error("cancelled"));
          } else {
            queueMicrotask(() => controller.abort(new Error("cancelled")));
          }
          await sent;
        } else {
          await tx.send(value);
        }
        break;
      } catch (error) {
        if (
          error instanceof SendTimeoutError ||
          (error instanceof Error && error.message === "cancelled")
        ) {
          // The cancelled call took nothing: send the same value again.
          cancelled++;
          continue;
        }
        throw error;
      }
    }
  }
  tx.dispose();
  return { cancelled };
}

scope.onmessage = async (event: MessageEvent<Command>) => {
  const command = event.data;
  try {
    switch (command.op) {
      case "send":
        scope.postMessage({ ok: true, ...(await send(command)) });
        break;
      case "recv": {
        using rx = SharedReceiver.from(command.token);
        const values: number[] = [];
        for (
          let v = rx.blockingRecv();
          v !== undefined;
          v = rx.blockingRecv()
        ) {
          values.push(v);
        }
        scope.postMessage({ ok: true, values });
        break;
      }
      case "flood": {
        using tx = SharedSender.from(command.token);
        scope.postMessage({ ok: true, started: true });
        try {
          for (let i = 0;; i++) tx.blockingSend(i);
        } catch (error) {
          scope.postMessage({
            ok: true,
            error: (error as Error).name,
            isSendError: error instanceof SendError,
          });
        }
        break;
      }
      case "hold": {
        const tx = SharedSender.from(command.token);
        if (command.permit) tx.tryReserve();
        scope.postMessage({ ok: true });
        break;
      }
      case "mixed": {
        using tx = SharedSender.from(command.token);
        tx.trySend(0);
        const pending = tx.send(1);
        scope.postMessage({ ok: true, ready: true });
        let error = "";
        try {
          tx.blockingSend(2, { timeout: 3000 });
        } catch (e) {
          error = (e as Error).name;
        }
        await pending;
        scope.postMessage({ ok: true, error });
        break;
      }
    }
  } catch (error) {
    scope.postMessage({ ok: false, error: String((error as Error)?.stack) });
  }
};
