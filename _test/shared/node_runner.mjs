// Copyright 2026 the @seed/mpsc authors. MIT license.
// Runs the shared channel checks under Node.js with worker_threads: the bundle arrives on standard input, the results leave as JSON on standard output.

import { Buffer } from "node:buffer";
import process from "node:process";
import { Worker } from "node:worker_threads";

// The Worker's code: CommonJS, loading the same bundle from a data: URL.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.url).then((m) => {
  const { op, token, count, id } = workerData;
  if (op === "send") {
    const tx = m.SharedSender.from(token);
    for (let i = 0; i < count; i++) tx.blockingSend(id * 1e6 + i);
    tx.dispose();
    parentPort.postMessage({ ok: true });
  } else {
    const rx = m.SharedReceiver.from(token);
    const values = [];
    for (let v = rx.blockingRecv(); v !== undefined; v = rx.blockingRecv()) {
      values.push(v);
    }
    rx.dispose();
    parentPort.postMessage({ ok: true, values });
  }
}).catch((error) => parentPort.postMessage({ ok: false, error: String(error?.stack ?? error) }));
`;

function ok(condition, message) {
  if (!condition) throw new Error(`Check failed: ${message}`);
}

function start(url, data) {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { url, ...data },
  });
  const reply = new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return { worker, reply };
}

function checkOrder(values, senders, count) {
  const next = new Array(senders).fill(0);
  for (const v of values) {
    const id = Math.floor(v / 1e6);
    ok(v % 1e6 === next[id], `sender ${id}'s values arrive in order`);
    next[id]++;
  }
  ok(next.every((n) => n === count), "every value arrives once");
}

const unhandled = [];
process.on("unhandledRejection", (reason) => {
  unhandled.push(String(reason?.stack ?? reason));
});

const results = [];
let report;
try {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const url = `data:text/javascript;base64,${
    Buffer.concat(chunks).toString("base64")
  }`;
  const m = await import(url);
  const checks = [
    ["Atomics.waitAsync is available", () => {
      ok(typeof Atomics.waitAsync === "function", "Atomics.waitAsync exists");
    }],
    [
      "blocking_send: a Worker's blockingSend reaches an async recv()",
      async () => {
        const [tx, rx] = m.sharedChannel(4, { codec: m.codecs.number });
        const { worker, reply } = start(url, {
          op: "send",
          token: tx.share(),
          count: 20000,
          id: 0,
        });
        tx.dispose();
        try {
          const values = [];
          for await (const v of rx) values.push(v);
          ok((await reply).ok, "the Worker finished");
          checkOrder(values, 1, 20000);
        } finally {
          await worker.terminate();
        }
      },
    ],
    [
      "blocking_recv: a Worker's blockingRecv gets what the main thread sends",
      async () => {
        const [tx, rx] = m.sharedChannel(2, { codec: m.codecs.number });
        const { worker, reply } = start(url, { op: "recv", token: rx.share() });
        try {
          for (let i = 0; i < 1000; i++) await tx.send(i);
          tx.dispose();
          const { values } = await reply;
          checkOrder(values, 1, 1000);
        } finally {
          await worker.terminate();
        }
      },
    ],
    [
      "two Workers blockingSend at once: every value once, each in order",
      async () => {
        const [tx, rx] = m.sharedChannel(8, { codec: m.codecs.number });
        const started = [0, 1].map((id) =>
          start(url, { op: "send", token: tx.share(), count: 20000, id })
        );
        tx.dispose();
        try {
          const values = [];
          while ((await rx.recvMany(values, 256)) > 0);
          for (const { reply } of started) {
            ok((await reply).ok, "a Worker finished");
          }
          checkOrder(values, 2, 20000);
        } finally {
          for (const { worker } of started) {
            await worker.terminate();
          }
        }
      },
    ],
    [
      "select() waits on a Worker's results or a local stop channel",
      async () => {
        const [tx, results] = m.sharedChannel(16, { codec: m.codecs.number });
        const [stop, stopRx] = m.channel(1);
        const { worker, reply } = start(url, {
          op: "send",
          token: tx.share(),
          count: 5000,
          id: 0,
        });
        tx.dispose();
        try {
          const values = [];
          let ended = false;
          for (;;) {
            const outcome = await m.select({
              results: !ended && results,
              stop: stopRx,
            });
            if (outcome.key === "stop") break;
            if (outcome.done) {
              ended = true;
              await stop.send("now");
            } else values.push(outcome.value);
          }
          ok((await reply).ok, "the Worker finished");
          checkOrder(values, 1, 5000);
        } finally {
          await worker.terminate();
          results.dispose();
          stopRx.dispose();
          stop.dispose();
        }
      },
    ],
    [
      "merge(), toReadableStream() and values({ signal }) read shared receivers fed by Workers",
      async () => {
        const [atx, arx] = m.sharedChannel(16, { codec: m.codecs.number });
        const [btx, brx] = m.sharedChannel(16, { codec: m.codecs.number });
        const a = start(url, {
          op: "send",
          token: atx.share(),
          count: 3000,
          id: 1,
        });
        const b = start(url, {
          op: "send",
          token: btx.share(),
          count: 3000,
          id: 2,
        });
        atx.dispose();
        btx.dispose();
        try {
          const fromB = (async () => {
            const values = [];
            for await (const v of m.toReadableStream(brx)) values.push(v);
            return values;
          })();
          const fromA = [];
          for await (const item of m.merge({ a: arx })) fromA.push(item.value);
          ok((await a.reply).ok && (await b.reply).ok, "the Workers finished");
          checkOrder(fromA.map((v) => v - 1e6), 1, 3000);
          checkOrder((await fromB).map((v) => v - 2e6), 1, 3000);
        } finally {
          await a.worker.terminate();
          await b.worker.terminate();
          arx.dispose();
        }
        const [tx, rx] = m.sharedChannel(2, { codec: m.codecs.number });
        const controller = new AbortController();
        const step = rx.values({ signal: controller.signal }).next();
        controller.abort(new Error("stop"));
        let error;
        try {
          await step;
        } catch (e) {
          error = e;
        }
        ok(error?.message === "stop", "the aborted step rejects");
        tx.trySend(4);
        ok((await rx.recv()) === 4, "the aborted step took nothing");
        tx.dispose();
        rx.dispose();
      },
    ],
    [
      "the main thread may block: blockingRecv times out with TryRecvError",
      () => {
        const [tx, rx] = m.sharedChannel(1);
        let error;
        try {
          rx.blockingRecv({ timeout: 1 });
        } catch (e) {
          error = e;
        }
        ok(error instanceof m.TryRecvError && error.kind === "empty", "empty");
        tx.dispose();
        rx.dispose();
      },
    ],
  ];
  for (const [name, check] of checks) {
    try {
      await check();
      results.push({ name, ok: true });
    } catch (error) {
      results.push({ name, ok: false, error: String(error?.stack ?? error) });
    }
  }
  report = { runtime: `Node.js ${process.version}`, results, unhandled };
} catch (error) {
  report = {
    runtime: `Node.js ${process.version}`,
    fatal: String(error?.stack ?? error),
  };
}
await new Promise((resolve) => setImmediate(resolve));
process.stdout.write(JSON.stringify(report));
