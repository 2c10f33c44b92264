// Copyright 2026 the @seed/mpsc authors. MIT license.
// What a promise branch costs `select`: next to a ready channel (the
// target: at most 2x a ready `recv()`), and in a select that waits.

import { channel, select } from "../mod.ts";

const MESSAGES = 100_000;

Deno.bench({
  name: "recv() of a ready message",
  group: "select_promise/ready_channel",
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
  name: "select() over one ready receiver",
  group: "select_promise/ready_channel",
  async fn(b) {
    const [tx, rx] = channel<number>(MESSAGES);
    for (let i = 0; i < MESSAGES; i++) tx.trySend(i);
    const branches = { rx };
    b.start();
    for (let i = 0; i < MESSAGES; i++) await select(branches);
    b.end();
    tx.dispose();
  },
});

Deno.bench({
  name: "select() over a ready receiver and a pending promise (a deadline)",
  group: "select_promise/ready_channel",
  async fn(b) {
    const [tx, rx] = channel<number>(MESSAGES);
    for (let i = 0; i < MESSAGES; i++) tx.trySend(i);
    const deadline = new Promise<void>(() => {});
    const branches = { rx, deadline };
    b.start();
    for (let i = 0; i < MESSAGES; i++) await select(branches);
    b.end();
    tx.dispose();
  },
});

Deno.bench({
  name: "select() over a ready receiver and a branch switched off",
  group: "select_promise/ready_channel",
  async fn(b) {
    const [tx, rx] = channel<number>(MESSAGES);
    for (let i = 0; i < MESSAGES; i++) tx.trySend(i);
    const branches = { rx, off: undefined };
    b.start();
    for (let i = 0; i < MESSAGES; i++) await select(branches);
    b.end();
    tx.dispose();
  },
});

Deno.bench({
  name: "select() over a ready receiver and a new promise each time",
  group: "select_promise/ready_channel",
  async fn(b) {
    const [tx, rx] = channel<number>(MESSAGES);
    for (let i = 0; i < MESSAGES; i++) tx.trySend(i);
    const never = () => {};
    b.start();
    for (let i = 0; i < MESSAGES; i++) {
      await select({ rx, reply: new Promise<void>(never) });
    }
    b.end();
    tx.dispose();
  },
});

Deno.bench({
  name: "recv() waiting for each message",
  group: "select_promise/waiting",
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
  name:
    "select() over a receiver and a pending promise, waiting for each message",
  group: "select_promise/waiting",
  async fn(b) {
    const [tx, rx] = channel<number>(64);
    const deadline = new Promise<void>(() => {});
    const branches = { rx, deadline };
    b.start();
    const consumer = (async () => {
      for (let i = 0; i < MESSAGES; i++) await select(branches);
    })();
    for (let i = 0; i < MESSAGES; i++) await tx.send(i);
    await consumer;
    b.end();
    tx.dispose();
  },
});
