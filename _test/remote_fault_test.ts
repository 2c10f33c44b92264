// Copyright 2026 the @seed/mpsc authors. MIT license.
// Remote channels under faults, against a real PostgreSQL 15 that this file
// starts (initdb, as in .ci/run) so that it can kill it: the server killed
// mid-stream, a sender process killed mid-sendMany, a receiver process
// killed between receiving and asking for the next, a crashed sender's lease
// expiring, a second receiver while the lease is live. Each ends with every
// committed message received, in per-sender order, repeats only where
// at-least-once delivery allows them, and nothing that was not sent.

import { assert, assertEquals, assertRejects } from "@std/assert";
import { TextLineStream } from "jsr:@std/streams@1.1.2/text-line-stream";
import {
  connectReceiver,
  connectSender,
  createRemoteChannel,
  pgStore,
} from "../remote.ts";
import { pool } from "./remote/pool.ts";
import { canMakeCluster, Cluster } from "./remote/cluster.ts";

// Skipped only where no cluster can be made (no initdb, or as root without
// an unprivileged user to run it): these faults need a server to kill.
const ignore = !canMakeCluster();
const WORKER = new URL("./remote/worker.ts", import.meta.url).pathname;
const LEASE_MS = 1_000;

/** Runs `fn` with a fresh cluster, destroyed afterwards. */
async function withCluster(fn: (cluster: Cluster) => Promise<void>) {
  const cluster = await Cluster.create();
  try {
    await fn(cluster);
  } finally {
    await cluster.destroy();
  }
}

/** A worker process, with its output as lines. */
class Worker {
  readonly child: Deno.ChildProcess;
  readonly lines: string[] = [];
  readonly done: Promise<void>;
  #waiters: (() => void)[] = [];

  constructor(args: string[]) {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net=127.0.0.1,localhost",
        "--allow-env",
        "--allow-read",
        "--allow-sys",
        WORKER,
        ...args,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.child = child;
    this.done = (async () => {
      const lines = child.stdout
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new TextLineStream());
      for await (const line of lines) {
        this.lines.push(line);
        for (const wake of this.#waiters.splice(0)) wake();
      }
      for (const wake of this.#waiters.splice(0)) wake();
    })();
  }

  /** Waits until `test` holds for the lines so far (or output ends). */
  async until(test: (lines: string[]) => boolean): Promise<void> {
    while (!test(this.lines)) {
      const more = new Promise<void>((resolve) => this.#waiters.push(resolve));
      const ended = await Promise.race([
        more.then(() => false),
        this.done.then(() => true),
      ]);
      if (ended && !test(this.lines)) {
        throw new Error(`worker ended early: ${this.lines.slice(-3)}`);
      }
    }
  }

  /** Kills it with SIGKILL and waits for it to be gone. */
  async kill(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.child.status;
    await this.done;
  }
}

/** How many messages a sender worker reported committed. */
function committed(lines: string[]): number {
  const last = lines.filter((l) => l.startsWith("sent ")).at(-1);
  return last === undefined ? 0 : Number(last.slice(5));
}

/** Checks one sender's messages: `id:0`, `id:1`, ... with no gap or repeat. */
function assertPrefix(got: string[], id: string, atLeast: number) {
  const mine = got.filter((m) => m.startsWith(`${id}:`));
  assertEquals(mine, mine.map((_, i) => `${id}:${i}`), `${id} in order`);
  assert(
    mine.length >= atLeast,
    `${id}: ${mine.length} < ${atLeast} committed`,
  );
}

Deno.test({
  name:
    "Remote channel: the server killed with SIGKILL mid-stream and restarted loses nothing",
  ignore,
  async fn() {
    await withCluster(async (cluster) => {
      const client = pool(cluster.url);
      const options = { leaseMs: 5_000, retryMs: 60_000, pollMs: 100 };
      const store = pgStore(client, options);
      await createRemoteChannel(store, "c", { capacity: 256 });
      const rx = await connectReceiver<string>(store, "c", { prefetch: 32 });
      const tx = await connectSender<string>(store, "c", { id: "a" });
      const total = 3_008; // 188 batches of 16
      const sending = (async () => {
        for (let i = 0; i < total; i += 16) {
          await tx.sendMany(
            Array.from({ length: 16 }, (_, j) => `a:${i + j}`),
          );
        }
        await tx.dispose();
      })();
      const got: string[] = [];
      const receiving = (async () => {
        for await (const m of rx) got.push(m);
      })();
      while (got.length < 500) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await cluster.kill();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await cluster.start();
      await sending;
      await receiving;
      // One receiver that never crashed: each message exactly once.
      assertEquals(got.length, total);
      assertPrefix(got, "a", total);
      await rx.dispose();
      await store.close();
      await client.end();
    });
  },
});

Deno.test({
  name:
    "Remote channel: a sender process killed mid-sendMany; its lease expires and the stream ends",
  ignore,
  async fn() {
    await withCluster(async (cluster) => {
      const client = pool(cluster.url);
      const store = pgStore(client, { leaseMs: LEASE_MS, pollMs: 100 });
      await createRemoteChannel(store, "c", { capacity: 100_000 });
      const steady = new Worker([
        "send",
        cluster.url,
        "c",
        "b",
        "500",
        "16",
        String(LEASE_MS),
      ]);
      const doomed = new Worker([
        "send",
        cluster.url,
        "c",
        "a",
        "1000000",
        "64",
        String(LEASE_MS),
      ]);
      await doomed.until((lines) => committed(lines) >= 640);
      await doomed.kill();
      const sentByA = committed(doomed.lines);
      await steady.done;
      assertEquals((await steady.child.status).code, 0);
      const rx = await connectReceiver<string>(store, "c", { prefetch: 256 });
      const got: string[] = [];
      // Ends once b disposed and a's lease expired.
      for await (const m of rx) got.push(m);
      assertPrefix(got, "a", sentByA);
      assertPrefix(got, "b", 500);
      assertEquals(got.filter((m) => m.startsWith("b:")).length, 500);
      assertEquals(got.filter((m) => !/^[ab]:\d+$/.test(m)), []);
      await rx.dispose();
      await store.close();
      await client.end();
    });
  },
});

Deno.test({
  name:
    "Remote channel: a receiver process killed between receiving and asking for the next; a second receiver waits for its lease",
  ignore,
  async fn() {
    await withCluster(async (cluster) => {
      const client = pool(cluster.url);
      const store = pgStore(client, { leaseMs: LEASE_MS, pollMs: 100 });
      await createRemoteChannel(store, "c", { capacity: 1_000 });
      const tx = await connectSender<string>(store, "c", { id: "a" });
      const total = 300;
      for (let i = 0; i < total; i += 50) {
        await tx.sendMany(Array.from({ length: 50 }, (_, j) => `a:${i + j}`));
      }
      await tx.dispose();
      const doomed = new Worker([
        "recv",
        cluster.url,
        "c",
        String(LEASE_MS),
        "30",
      ]);
      await doomed.until((lines) => lines.length > 40);
      // A second receiver while the lease is live is refused.
      await assertRejects(
        () => connectReceiver(store, "c"),
        Error,
        'a live receiver holds channel "c"',
      );
      await doomed.kill();
      const first = doomed.lines.filter((l) => l !== "connected");
      let rx;
      for (;;) {
        try {
          rx = await connectReceiver<string>(store, "c");
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      const rest: string[] = [];
      for await (const m of rx) rest.push(m);
      // At most the last message handed out before the kill comes again.
      const resumeAt = first.length - (rest[0] === first.at(-1) ? 1 : 0);
      assert(resumeAt >= first.length - 1);
      assertEquals([...first.slice(0, resumeAt), ...rest].length, total);
      assertPrefix([...first.slice(0, resumeAt), ...rest], "a", total);
      await rx.dispose();
      await store.close();
      await client.end();
    });
  },
});
