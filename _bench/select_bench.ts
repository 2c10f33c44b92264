// Copyright 2026 the @seed/mpsc authors. MIT license.
// What `select` costs against a plain `recv()`: one branch ready among two
// (the target: at most 2x a `recv()`), and a select that waits.

import { channel, select } from "../mod.ts";

const MESSAGES = 100_000;

Deno.bench({
  name: "recv() of a ready message",
  group: "select/one_ready_of_two",
  baseline: true,
  async fn(b) {
    const [tx, rx] = channel<number>(MESSAGES);
    for (let i = 0; i < MESSAGES; i++) tx.trySend(i);
    b.start();
    for (let i = 0; i < MESSAGES; i++) await rx.recv();
    b.end();
    tx.dispose();
  },
});

Deno.bench({
  name: "select() over two receivers, one ready",
  group: "select/one_ready_of_two",
  async fn(b) {
    const [tx, rx] = channel<number>(MESSAGES);
    const [idle, idleRx] = channel<number>(1);
    for (let i = 0; i < MESSAGES; i++) tx.trySend(i);
    const branches = { rx, idleRx };
    b.start();
    for (let i = 0; i < MESSAGES; i++) await select(branches);
    b.end();
    tx.dispose();
    idle.dispose();
  },
});

Deno.bench({
  name: "recv() waiting for each message",
  group: "select/waiting",
  baseline: true,
  async fn(b) {
    const [tx, rx] = channel<number>(64);
    b.start();
    const consumer = (async () => {
      for (let i = 0; i < MESSAGES; i++) await rx.recv();
    })();
    for (let i = 0; i < MESSAGES; i++) await tx.send(i);
    await consumer;
    b.end();
    tx.dispose();
  },
});

Deno.bench({
  name: "select() over two receivers waiting for each message",
  group: "select/waiting",
  async fn(b) {
    const [tx, rx] = channel<number>(64);
    const [idle, idleRx] = channel<number>(1);
    const branches = { rx, idleRx };
    b.start();
    const consumer = (async () => {
      for (let i = 0; i < MESSAGES; i++) await select(branches);
    })();
    for (let i = 0; i < MESSAGES; i++) await tx.send(i);
    await consumer;
    b.end();
    tx.dispose();
    idle.dispose();
  },
});
