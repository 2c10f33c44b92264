// Copyright 2026 the @seed/mpsc authors. MIT license.
// The Worker that _bench/shared_bench.ts drives: it moves numbers through shared channels or with postMessage.

import {
  SharedReceiver,
  type SharedReceiverToken,
  SharedSender,
  type SharedSenderToken,
} from "../../shared.ts";

/** The benchmark commands. */
export type BenchCommand =
  | { op: "post"; count: number }
  | { op: "postBatch"; count: number; batch: number }
  | { op: "send"; token: SharedSenderToken<number>; count: number }
  | {
    op: "sendMany";
    token: SharedSenderToken<number>;
    count: number;
    batch: number;
  }
  | {
    op: "ping";
    out: SharedSenderToken<number>;
    in: SharedReceiverToken<number>;
    count: number;
  }
  | {
    op: "pong";
    in: SharedReceiverToken<number>;
    out: SharedSenderToken<number>;
  }
  | { op: "pingPost"; port: MessagePort; count: number }
  | { op: "pongPost"; port: MessagePort };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<BenchCommand>) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
};

scope.onmessage = ({ data }) => {
  switch (data.op) {
    case "post":
      for (let i = 0; i < data.count; i++) scope.postMessage(i);
      break;
    case "postBatch":
      for (let i = 0; i < data.count; i += data.batch) {
        const batch = new Float64Array(Math.min(data.batch, data.count - i));
        for (let j = 0; j < batch.length; j++) batch[j] = i + j;
        scope.postMessage(batch, [batch.buffer]);
      }
      break;
    case "send": {
      const tx = SharedSender.from(data.token);
      for (let i = 0; i < data.count; i++) tx.blockingSend(i);
      tx.dispose();
      break;
    }
    case "sendMany": {
      const tx = SharedSender.from(data.token);
      const batch: number[] = [];
      for (let i = 0; i < data.count; i += data.batch) {
        batch.length = 0;
        const end = Math.min(i + data.batch, data.count);
        for (let j = i; j < end; j++) batch.push(j);
        tx.blockingSendMany(batch);
      }
      tx.dispose();
      break;
    }
    case "ping": {
      const tx = SharedSender.from(data.out);
      const rx = SharedReceiver.from(data.in);
      for (let i = 0; i < data.count; i++) {
        tx.blockingSend(i);
        if (rx.blockingRecv() !== i) throw new Error("ping: wrong reply");
      }
      tx.dispose();
      rx.dispose();
      scope.postMessage("done");
      break;
    }
    case "pong": {
      const rx = SharedReceiver.from(data.in);
      const tx = SharedSender.from(data.out);
      for (let v = rx.blockingRecv(); v !== undefined; v = rx.blockingRecv()) {
        tx.blockingSend(v);
      }
      tx.dispose();
      rx.dispose();
      break;
    }
    case "pingPost": {
      const { port, count } = data;
      let i = 0;
      port.onmessage = ({ data: reply }) => {
        if (reply !== i) throw new Error("pingPost: wrong reply");
        if (++i === count) {
          port.close();
          scope.postMessage("done");
        } else {
          port.postMessage(i);
        }
      };
      port.postMessage(0);
      break;
    }
    case "pongPost": {
      const { port } = data;
      port.onmessage = ({ data: value }) => port.postMessage(value);
      break;
    }
  }
};
