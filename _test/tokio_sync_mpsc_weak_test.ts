// Copyright 2026 the @seed/mpsc authors. MIT license.
// A port of Tokio's `tokio/tests/sync_mpsc_weak.rs`: weak senders and the
// strong and weak counts, under Tokio's own names.

import {
  assert,
  assertNotStrictEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { setImmediate } from "node:timers/promises";
import { channel, SendError, unboundedChannel } from "../mod.ts";
import type {
  Receiver,
  UnboundedReceiver,
  WeakSender,
  WeakUnboundedSender,
} from "../mod.ts";

// -- Helpers --

/**
 * Tokio's `tokio::spawn` on a current-thread runtime: the task starts only
 * once the caller yields.
 */
async function spawn<T>(task: () => Promise<T>): Promise<T> {
  await setImmediate();
  return await task();
}

/** Tokio's `oneshot` channel, as far as these tests use it. */
function oneshot<T>(): { send: (value: T) => void; recv: Promise<T> } {
  let send: (value: T) => void = () => {};
  const recv = new Promise<T>((resolve) => {
    send = resolve;
  });
  return { send, recv };
}

/**
 * Stands in for Rust's `Drop` counters: runs a full garbage collection and
 * asserts that nothing keeps the tracked objects alive. Needs
 * `--v8-flags=--expose-gc`.
 */
async function assertCollected(
  refs: readonly WeakRef<object>[],
  what: string,
): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert(gc, "run the tests with --v8-flags=--expose-gc");
  // A WeakRef keeps its target alive until the end of the current job.
  await setImmediate();
  gc();
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  assertStrictEquals(
    alive,
    0,
    `${alive} of ${refs.length} ${what} still reachable`,
  );
}

/** Tokio's `Msg`, whose drops the test counts. */
function tracked(refs: WeakRef<object>[]): object {
  const message = { tracked: refs.length };
  refs.push(new WeakRef(message));
  return message;
}

// -- Bounded --

Deno.test("weak_sender: WeakSender.upgrade() works while a sender lives and fails after the last one is gone", async () => {
  const [tx, rx] = channel<number>(11);

  const txWeak = await spawn(async () => {
    const clone = tx.clone();
    const weak = clone.downgrade();
    clone.dispose();

    for (let i = 0; i < 10; i++) {
      try {
        await tx.send(i);
      } catch {
        return undefined;
      }
    }

    const tx2 = weak.upgrade();
    assert(tx2, "expected to be able to upgrade txWeak");
    await tx2.send(20);
    const weak2 = tx2.downgrade();

    // The task owned these: they go when it ends.
    tx.dispose();
    tx2.dispose();
    weak.dispose();
    return weak2;
  });

  let received = 0;
  for (let i = 0; i < 12; i++) {
    const message = await rx.recv();
    if (message === undefined) {
      assertStrictEquals(i, 11);
      break;
    }
    received++;
    if (i === 10) assertStrictEquals(message, 20);
  }
  assertStrictEquals(received, 11);

  assert(txWeak);
  assertStrictEquals(txWeak.upgrade(), undefined);
});

type ActorMessage =
  | { kind: "getUniqueId"; respondTo: (id: number) => void }
  | { kind: "selfMessage" };

Deno.test("actor_weak_sender: WeakSender lets an actor message itself without keeping its channel open", async () => {
  class MyActor {
    receiver: Receiver<ActorMessage>;
    sender: WeakSender<ActorMessage>;
    nextId = 0;
    receivedSelfMsg = false;

    constructor(
      receiver: Receiver<ActorMessage>,
      sender: WeakSender<ActorMessage>,
    ) {
      this.receiver = receiver;
      this.sender = sender;
    }

    handleMessage(msg: ActorMessage): void {
      if (msg.kind === "getUniqueId") {
        this.nextId += 1;
        msg.respondTo(this.nextId);
      } else {
        this.receivedSelfMsg = true;
      }
    }

    async sendMessageToSelf(): Promise<void> {
      const weak = this.sender.clone();
      const sender = weak.upgrade();
      weak.dispose();
      if (sender !== undefined) {
        await sender.send({ kind: "selfMessage" });
        this.sender.dispose();
        this.sender = sender.downgrade();
        sender.dispose();
      }
    }

    async run(): Promise<void> {
      let i = 0;
      for (;;) {
        const msg = await this.receiver.recv();
        if (msg === undefined) break;
        this.handleMessage(msg);
        if (i === 0) await this.sendMessageToSelf();
        i++;
      }
      assert(this.receivedSelfMsg);
      this.sender.dispose();
    }
  }

  const [sender, receiver] = channel<ActorMessage>(8);
  const weak = sender.clone();
  const actor = new MyActor(receiver, weak.downgrade());
  weak.dispose();

  async function getUniqueId(): Promise<number> {
    const { send, recv } = oneshot<number>();
    await sender.send({ kind: "getUniqueId", respondTo: send });
    return await recv;
  }

  const actorTask = spawn(() => actor.run());

  const id = await spawn(async () => {
    const id = await getUniqueId();
    sender.dispose();
    return id;
  });
  assertStrictEquals(id, 1);

  // The actor stops once the handle is gone, its weak sender
  // notwithstanding; run() asserts it got its own message.
  await actorTask;
  assertStrictEquals(actor.receivedSelfMsg, true);
});

Deno.test("test_msgs_dropped_on_rx_drop: Receiver.dispose() releases buffered messages and later sends keep nothing", async () => {
  const refs: WeakRef<object>[] = [];
  const [tx, rx] = channel<object>(3);

  // Each phase runs in its own function, so no stale reference to a
  // message survives in this function's frame.
  async function fill(): Promise<void> {
    await tx.send(tracked(refs));
    await tx.send(tracked(refs));

    // In Rust the future is lazy: this send happens after the two receives.
    const third = tracked(refs);
    assertNotStrictEquals(await rx.recv(), undefined);
    assertNotStrictEquals(await rx.recv(), undefined);
    await tx.send(third);
  }
  await fill();

  rx.dispose();
  await assertCollected(refs, "messages");

  async function sendLate(): Promise<void> {
    await assertRejects(() => tx.send(tracked(refs)), SendError);
  }
  await sendLate();
  await assertCollected(refs, "messages");
  assertStrictEquals(refs.length, 4);
  tx.dispose();
});

Deno.test("downgrade_upgrade_sender_success: WeakSender.upgrade() succeeds while a Sender exists", () => {
  const [tx, rx] = channel<number>(1);
  const weakTx = tx.downgrade();
  const upgraded = weakTx.upgrade();
  assertNotStrictEquals(upgraded, undefined);
  upgraded?.dispose();
  tx.dispose();
  rx.dispose();
});

Deno.test("downgrade_upgrade_sender_failure: WeakSender.upgrade() returns undefined once no Sender exists", () => {
  const [tx, rx] = channel<number>(1);
  const weakTx = tx.downgrade();
  tx.dispose();
  assertStrictEquals(weakTx.upgrade(), undefined);
  rx.dispose();
});

Deno.test("downgrade_drop_upgrade: WeakSender.upgrade() fails after the Sender it came from is disposed", () => {
  const [tx, rx] = channel<number>(1);

  // The clone goes right away.
  const clone = tx.clone();
  const weakTx = clone.downgrade();
  clone.dispose();
  tx.dispose();
  assertStrictEquals(weakTx.upgrade(), undefined);
  rx.dispose();
});

Deno.test("downgrade_get_permit_upgrade_no_senders: WeakSender.upgrade() succeeds while an OwnedPermit holds the only sender", async () => {
  const [tx, rx] = channel<number>(1);
  using _rx = rx;
  const weakTx = tx.downgrade();
  using _permit = await tx.reserveOwned();
  using upgraded = weakTx.upgrade();
  assertNotStrictEquals(upgraded, undefined);
});

Deno.test("downgrade_upgrade_get_permit_no_senders: Sender.downgrade() of the last free sender upgrades while an OwnedPermit lives", async () => {
  const [tx, rx] = channel<number>(1);
  const tx2 = tx.clone();
  const permit = await tx.reserveOwned();
  const weakTx = tx2.downgrade();
  tx2.dispose();
  const upgraded = weakTx.upgrade();
  assertNotStrictEquals(upgraded, undefined);
  upgraded?.dispose();
  permit.dispose();
  rx.dispose();
});

Deno.test("test_tx_count_weak_sender: Sender.downgrade() does not count as a sender", () => {
  const [tx, rx] = channel<number>(1);
  const txWeak = tx.downgrade();
  const txWeak2 = tx.downgrade();
  tx.dispose();

  assertStrictEquals(txWeak.upgrade(), undefined);
  assertStrictEquals(txWeak2.upgrade(), undefined);
  rx.dispose();
});

// -- Unbounded --

Deno.test("weak_unbounded_sender: WeakUnboundedSender.upgrade() works while a sender lives and fails after the last one is gone", async () => {
  const [tx, rx] = unboundedChannel<number>();

  const txWeak = await spawn(() => {
    const clone = tx.clone();
    const weak = clone.downgrade();
    clone.dispose();

    for (let i = 0; i < 10; i++) {
      try {
        tx.send(i);
      } catch {
        return Promise.resolve(undefined);
      }
    }

    const tx2 = weak.upgrade();
    assert(tx2, "expected to be able to upgrade txWeak");
    tx2.send(20);
    const weak2 = tx2.downgrade();

    tx.dispose();
    tx2.dispose();
    weak.dispose();
    return Promise.resolve(weak2);
  });

  let received = 0;
  for (let i = 0; i < 12; i++) {
    const message = await rx.recv();
    if (message === undefined) {
      assertStrictEquals(i, 11);
      break;
    }
    received++;
    if (i === 10) assertStrictEquals(message, 20);
  }
  assertStrictEquals(received, 11);

  assert(txWeak);
  assertStrictEquals(txWeak.upgrade(), undefined);
});

Deno.test("actor_weak_unbounded_sender: WeakUnboundedSender lets an actor message itself without keeping its channel open", async () => {
  class MyActor {
    receiver: UnboundedReceiver<ActorMessage>;
    sender: WeakUnboundedSender<ActorMessage>;
    nextId = 0;
    receivedSelfMsg = false;

    constructor(
      receiver: UnboundedReceiver<ActorMessage>,
      sender: WeakUnboundedSender<ActorMessage>,
    ) {
      this.receiver = receiver;
      this.sender = sender;
    }

    handleMessage(msg: ActorMessage): void {
      if (msg.kind === "getUniqueId") {
        this.nextId += 1;
        msg.respondTo(this.nextId);
      } else {
        this.receivedSelfMsg = true;
      }
    }

    sendMessageToSelf(): void {
      const weak = this.sender.clone();
      const sender = weak.upgrade();
      weak.dispose();
      if (sender !== undefined) {
        sender.send({ kind: "selfMessage" });
        this.sender.dispose();
        this.sender = sender.downgrade();
        sender.dispose();
      }
    }

    async run(): Promise<void> {
      let i = 0;
      for (;;) {
        const msg = await this.receiver.recv();
        if (msg === undefined) break;
        this.handleMessage(msg);
        if (i === 0) this.sendMessageToSelf();
        i++;
      }
      assert(this.receivedSelfMsg);
      this.sender.dispose();
    }
  }

  const [sender, receiver] = unboundedChannel<ActorMessage>();
  const weak = sender.clone();
  const actor = new MyActor(receiver, weak.downgrade());
  weak.dispose();

  function getUniqueId(): Promise<number> {
    const { send, recv } = oneshot<number>();
    sender.send({ kind: "getUniqueId", respondTo: send });
    return recv;
  }

  const actorTask = spawn(() => actor.run());

  const id = await spawn(async () => {
    const id = await getUniqueId();
    sender.dispose();
    return id;
  });
  assertStrictEquals(id, 1);

  await actorTask;
  assertStrictEquals(actor.receivedSelfMsg, true);
});

Deno.test("test_msgs_dropped_on_unbounded_rx_drop: UnboundedReceiver.dispose() releases buffered messages and later sends keep nothing", async () => {
  const refs: WeakRef<object>[] = [];
  const [tx, rx] = unboundedChannel<object>();

  async function fill(): Promise<void> {
    tx.send(tracked(refs));
    tx.send(tracked(refs));
    // Unlike a bounded send, this one happens at once.
    tx.send(tracked(refs));
    assertNotStrictEquals(await rx.recv(), undefined);
    assertNotStrictEquals(await rx.recv(), undefined);
  }
  await fill();

  rx.dispose();
  await assertCollected(refs, "messages");

  function sendLate(): void {
    assertThrows(() => tx.send(tracked(refs)), SendError);
  }
  sendLate();
  await assertCollected(refs, "messages");
  assertStrictEquals(refs.length, 4);
  tx.dispose();
});

Deno.test("downgrade_upgrade_unbounded_sender_success: WeakUnboundedSender.upgrade() succeeds while an UnboundedSender exists", () => {
  const [tx, rx] = unboundedChannel<number>();
  const weakTx = tx.downgrade();
  const upgraded = weakTx.upgrade();
  assertNotStrictEquals(upgraded, undefined);
  upgraded?.dispose();
  tx.dispose();
  rx.dispose();
});

Deno.test("downgrade_upgrade_unbounded_sender_failure: WeakUnboundedSender.upgrade() returns undefined once no UnboundedSender exists", () => {
  const [tx, rx] = unboundedChannel<number>();
  const weakTx = tx.downgrade();
  tx.dispose();
  assertStrictEquals(weakTx.upgrade(), undefined);
  rx.dispose();
});

Deno.test("downgrade_drop_upgrade_unbounded: WeakUnboundedSender.upgrade() fails after the UnboundedSender it came from is disposed", () => {
  const [tx, rx] = unboundedChannel<number>();

  const clone = tx.clone();
  const weakTx = clone.downgrade();
  clone.dispose();
  tx.dispose();
  assertStrictEquals(weakTx.upgrade(), undefined);
  rx.dispose();
});

Deno.test("test_tx_count_weak_unbounded_sender: UnboundedSender.downgrade() does not count as a sender", () => {
  const [tx, rx] = unboundedChannel<number>();
  const txWeak = tx.downgrade();
  const txWeak2 = tx.downgrade();
  tx.dispose();

  assertStrictEquals(txWeak.upgrade(), undefined);
  assertStrictEquals(txWeak2.upgrade(), undefined);
  rx.dispose();
});

// -- Closing with only weak senders left --

Deno.test("test_rx_is_closed_when_dropping_all_senders_except_weak_senders: Receiver.isClosed() ignores weak senders", () => {
  const [tx, rx] = channel<null>(10);
  const clone = tx.clone();
  const weakSender = clone.downgrade();
  clone.dispose();
  tx.dispose();
  assertStrictEquals(rx.isClosed(), true);
  weakSender.dispose();
});

Deno.test("test_rx_unbounded_is_closed_when_dropping_all_senders_except_weak_senders: UnboundedReceiver.isClosed() ignores weak senders", () => {
  const [tx, rx] = unboundedChannel<null>();
  const clone = tx.clone();
  const weakSender = clone.downgrade();
  clone.dispose();
  tx.dispose();
  assertStrictEquals(rx.isClosed(), true);
  weakSender.dispose();
});

// -- Counts --

Deno.test("sender_strong_count_when_cloned: Sender.strongCount() counts clones", () => {
  const [tx, rx] = channel<null>(1);
  const tx2 = tx.clone();

  assertStrictEquals(tx.strongCount(), 2);
  assertStrictEquals(tx2.strongCount(), 2);
  assertStrictEquals(rx.senderStrongCount(), 2);
  tx.dispose();
  tx2.dispose();
});

Deno.test("sender_weak_count_when_downgraded: Sender.weakCount() counts weak senders", () => {
  const [tx, rx] = channel<null>(1);
  const weak = tx.downgrade();

  assertStrictEquals(tx.weakCount(), 1);
  assertStrictEquals(weak.weakCount(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("sender_strong_count_when_dropped: Sender.strongCount() drops when a clone is disposed", () => {
  const [tx, rx] = channel<null>(1);
  const tx2 = tx.clone();
  tx2.dispose();

  assertStrictEquals(tx.strongCount(), 1);
  assertStrictEquals(rx.senderStrongCount(), 1);
  tx.dispose();
});

Deno.test("sender_weak_count_when_dropped: Sender.weakCount() drops when a weak sender is disposed", () => {
  const [tx, rx] = channel<null>(1);
  const weak = tx.downgrade();
  weak.dispose();

  assertStrictEquals(tx.weakCount(), 0);
  assertStrictEquals(rx.senderWeakCount(), 0);
  tx.dispose();
});

Deno.test("sender_strong_and_weak_conut: Sender, WeakSender and Receiver agree on both counts", () => {
  const [tx, rx] = channel<null>(1);
  const tx2 = tx.clone();
  const weak = tx.downgrade();
  const weak2 = tx2.downgrade();

  for (const handle of [tx, tx2, weak, weak2]) {
    assertStrictEquals(handle.strongCount(), 2);
    assertStrictEquals(handle.weakCount(), 2);
  }
  assertStrictEquals(rx.senderStrongCount(), 2);
  assertStrictEquals(rx.senderWeakCount(), 2);

  tx2.dispose();
  weak2.dispose();

  for (const handle of [tx, weak]) {
    assertStrictEquals(handle.strongCount(), 1);
    assertStrictEquals(handle.weakCount(), 1);
  }
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(rx.senderWeakCount(), 1);
  tx.dispose();
});

Deno.test("unbounded_sender_strong_count_when_cloned: UnboundedSender.strongCount() counts clones", () => {
  const [tx, rx] = unboundedChannel<null>();
  const tx2 = tx.clone();

  assertStrictEquals(tx.strongCount(), 2);
  assertStrictEquals(tx2.strongCount(), 2);
  assertStrictEquals(rx.senderStrongCount(), 2);
  tx.dispose();
  tx2.dispose();
});

Deno.test("unbounded_sender_weak_count_when_downgraded: UnboundedSender.weakCount() counts weak senders", () => {
  const [tx, rx] = unboundedChannel<null>();
  const weak = tx.downgrade();

  assertStrictEquals(tx.weakCount(), 1);
  assertStrictEquals(weak.weakCount(), 1);
  assertStrictEquals(rx.senderWeakCount(), 1);
  tx.dispose();
});

Deno.test("unbounded_sender_strong_count_when_dropped: UnboundedSender.strongCount() drops when a clone is disposed", () => {
  const [tx, rx] = unboundedChannel<null>();
  const tx2 = tx.clone();
  tx2.dispose();

  assertStrictEquals(tx.strongCount(), 1);
  assertStrictEquals(rx.senderStrongCount(), 1);
  tx.dispose();
});

Deno.test("unbounded_sender_weak_count_when_dropped: UnboundedSender.weakCount() drops when a weak sender is disposed", () => {
  const [tx, rx] = unboundedChannel<null>();
  const weak = tx.downgrade();
  weak.dispose();

  assertStrictEquals(tx.weakCount(), 0);
  assertStrictEquals(rx.senderWeakCount(), 0);
  tx.dispose();
});

Deno.test("unbounded_sender_strong_and_weak_conut: UnboundedSender, WeakUnboundedSender and UnboundedReceiver agree on both counts", () => {
  const [tx, rx] = unboundedChannel<null>();
  const tx2 = tx.clone();
  const weak = tx.downgrade();
  const weak2 = tx2.downgrade();

  for (const handle of [tx, tx2, weak, weak2]) {
    assertStrictEquals(handle.strongCount(), 2);
    assertStrictEquals(handle.weakCount(), 2);
  }
  assertStrictEquals(rx.senderStrongCount(), 2);
  assertStrictEquals(rx.senderWeakCount(), 2);

  tx2.dispose();
  weak2.dispose();

  for (const handle of [tx, weak]) {
    assertStrictEquals(handle.strongCount(), 1);
    assertStrictEquals(handle.weakCount(), 1);
  }
  assertStrictEquals(rx.senderStrongCount(), 1);
  assertStrictEquals(rx.senderWeakCount(), 1);
  tx.dispose();
});

// -- Not ported --
// Every test of sync_mpsc_weak.rs is ported above.
