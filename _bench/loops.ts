// Copyright 2026 the @seed/mpsc authors. MIT license.
// The plain loops a user writes, verbatim, once per library through its own
// API: the report's SPSC, MPSC and burst rows run these.
//
//   // consumer first, as a real program's consumer usually is
//   const consumer = (async () => {
//     for (;;) {
//       const v = await rx.recv();
//       if (v === undefined) break;
//       sum += v; // and a check that each producer's numbers arrive in order
//     }
//   })();
//   for (let i = 0; i < N; i++) await tx.send(i);
//   tx.dispose();
//   await consumer;
//
// Producer first starts the same producer loop before the consumer loop.
// MPSC: each of 16 producers sends through its own `tx.clone()` (N / 16
// numbers, then disposes it), and the original is disposed once the clones
// exist; a library without clones shares one object and is closed once
// every producer is done (std's `Channel`, the ring floor). Burst: fill an
// unbounded channel, then drain it, both timed.
//
// Every library's loops are written out separately, so that each call site
// sees one class only, as in a program that uses one library. The order
// check counts numbers that arrive out of order instead of throwing, so a
// broken channel fails the run at its end rather than leaving a producer
// waiting for room forever.

import { channel, type Sender, unboundedChannel } from "../mod.ts";
import { Channel, ChannelClosedError } from "@std/async/channel";
// deno-lint-ignore no-import-prefix
import { pushable } from "npm:it-pushable@3.2.4";
// deno-lint-ignore no-import-prefix
import {
  Channel as AsyncChannel,
  ChannelClosedError as AsyncChannelClosedError,
} from "npm:async-channel@0.2.0";
import { inOrder, type Order, type Run } from "./harness.ts";
import { RingChannel } from "./floors.ts";

/** One library's plain loops. A missing shape is one it cannot do. */
export interface Loops {
  /** One producer, one consumer; `capacity` undefined means unbounded. */
  spsc(
    messages: number,
    capacity: number | undefined,
    order: Order,
  ): Run | undefined;
  /** `producers` producers, one consumer, a bounded channel. */
  mpsc?(
    producers: number,
    messages: number,
    capacity: number,
    order: Order,
  ): Run | undefined;
  /** Fill an unbounded channel with every message, then drain it. */
  burst?(messages: number): Run | undefined;
}

/**
 * The order check's verdict: the sum, or an error if any producer's numbers
 * arrived out of order.
 */
function checked(sum: number, disordered: number, library: string): number {
  if (disordered > 0) {
    throw new Error(
      `Cannot trust ${library}: ${disordered} numbers arrived out of their producer's order`,
    );
  }
  return sum;
}

/** Each producer's next number: producer `p` sends p, p + P, p + 2P, ... */
function firstNumbers(producers: number): number[] {
  const next: number[] = [];
  for (let p = 0; p < producers; p++) next.push(p);
  return next;
}

// -- @seed/mpsc, bounded --

function seedBoundedSpsc(n: number, capacity: number, order: Order): Run {
  return async () => {
    const [tx, rx] = channel<number>(capacity);
    let sum = 0;
    let next = 0;
    let disordered = 0;
    if (order === "consumer-first") {
      const consumer = (async () => {
        for (;;) {
          const v = await rx.recv();
          if (v === undefined) break;
          if (v !== next) disordered++;
          next = v + 1;
          sum += v;
        }
      })();
      for (let i = 0; i < n; i++) await tx.send(i);
      tx.dispose();
      await consumer;
    } else {
      const producer = (async () => {
        for (let i = 0; i < n; i++) await tx.send(i);
        tx.dispose();
      })();
      for (;;) {
        const v = await rx.recv();
        if (v === undefined) break;
        if (v !== next) disordered++;
        next = v + 1;
        sum += v;
      }
      await producer;
    }
    return checked(sum, disordered, "@seed/mpsc channel()");
  };
}

function seedBoundedMpsc(
  producers: number,
  n: number,
  capacity: number,
  order: Order,
): Run {
  return async () => {
    const [tx, rx] = channel<number>(capacity);
    const clones: Sender<number>[] = [];
    for (let p = 0; p < producers; p++) clones.push(tx.clone());
    tx.dispose();
    let sum = 0;
    const next = firstNumbers(producers);
    let disordered = 0;
    await inOrder(order, async () => {
      for (;;) {
        const v = await rx.recv();
        if (v === undefined) break;
        const p = v % producers;
        if (v !== next[p]) disordered++;
        next[p] = v + producers;
        sum += v;
      }
      return 0;
    }, () =>
      Promise.all(clones.map(async (tx, p) => {
        for (let i = p; i < n; i += producers) await tx.send(i);
        tx.dispose();
      })));
    return checked(sum, disordered, "@seed/mpsc channel() clones");
  };
}

// -- @seed/mpsc, unbounded --

function seedUnboundedSpsc(n: number, order: Order): Run {
  return async () => {
    const [tx, rx] = unboundedChannel<number>();
    let sum = 0;
    let next = 0;
    let disordered = 0;
    if (order === "consumer-first") {
      const consumer = (async () => {
        for (;;) {
          const v = await rx.recv();
          if (v === undefined) break;
          if (v !== next) disordered++;
          next = v + 1;
          sum += v;
        }
      })();
      // `send()` returns nothing here; awaiting it anyway is the loop users
      // write, and gives the consumer its turn.
      for (let i = 0; i < n; i++) await tx.send(i);
      tx.dispose();
      await consumer;
    } else {
      const producer = (async () => {
        // `send()` returns nothing here; awaiting it anyway is the loop users
        // write, and gives the consumer its turn.
        for (let i = 0; i < n; i++) await tx.send(i);
        tx.dispose();
      })();
      for (;;) {
        const v = await rx.recv();
        if (v === undefined) break;
        if (v !== next) disordered++;
        next = v + 1;
        sum += v;
      }
      await producer;
    }
    return checked(sum, disordered, "@seed/mpsc unboundedChannel()");
  };
}

function seedUnboundedBurst(n: number): Run {
  return async () => {
    const [tx, rx] = unboundedChannel<number>();
    for (let i = 0; i < n; i++) tx.send(i);
    tx.dispose();
    let sum = 0;
    let next = 0;
    let disordered = 0;
    for (;;) {
      const v = await rx.recv();
      if (v === undefined) break;
      if (v !== next) disordered++;
      next = v + 1;
      sum += v;
    }
    return checked(sum, disordered, "@seed/mpsc burst");
  };
}

/** @seed/mpsc: `channel()` when bounded, `unboundedChannel()` when not. */
export const seedLoops: Loops = {
  spsc(messages, capacity, order) {
    return capacity === undefined
      ? seedUnboundedSpsc(messages, order)
      : seedBoundedSpsc(messages, capacity, order);
  },
  mpsc: seedBoundedMpsc,
  burst: seedUnboundedBurst,
};

// -- @std/async Channel --

/** The capacity std's `Channel` gets for "unbounded" (integers only). */
const STD_UNBOUNDED = Number.MAX_SAFE_INTEGER;

function stdSpsc(n: number, capacity: number | undefined, order: Order): Run {
  return async () => {
    const ch = new Channel<number>({ capacity: capacity ?? STD_UNBOUNDED });
    let sum = 0;
    let next = 0;
    let disordered = 0;
    if (order === "consumer-first") {
      const consumer = (async () => {
        // `receive()` rejects once the channel is closed and empty.
        try {
          for (;;) {
            const v = await ch.receive();
            if (v !== next) disordered++;
            next = v + 1;
            sum += v;
          }
        } catch (error) {
          if (!(error instanceof ChannelClosedError)) throw error;
        }
      })();
      for (let i = 0; i < n; i++) await ch.send(i);
      ch.close();
      await consumer;
    } else {
      const producer = (async () => {
        for (let i = 0; i < n; i++) await ch.send(i);
        ch.close();
      })();
      // `receive()` rejects once the channel is closed and empty.
      try {
        for (;;) {
          const v = await ch.receive();
          if (v !== next) disordered++;
          next = v + 1;
          sum += v;
        }
      } catch (error) {
        if (!(error instanceof ChannelClosedError)) throw error;
      }
      await producer;
    }
    return checked(sum, disordered, "@std/async Channel");
  };
}

function stdMpsc(
  producers: number,
  n: number,
  capacity: number | undefined,
  order: Order,
): Run {
  return async () => {
    const ch = new Channel<number>({ capacity: capacity ?? STD_UNBOUNDED });
    let sum = 0;
    const next = firstNumbers(producers);
    let disordered = 0;
    await inOrder(order, async () => {
      // `receive()` rejects once the channel is closed and empty.
      try {
        for (;;) {
          const v = await ch.receive();
          const p = v % producers;
          if (v !== next[p]) disordered++;
          next[p] = v + producers;
          sum += v;
        }
      } catch (error) {
        if (!(error instanceof ChannelClosedError)) throw error;
      }
      return 0;
    }, async () => {
      const tasks: Promise<void>[] = [];
      for (let p = 0; p < producers; p++) {
        tasks.push((async () => {
          for (let i = p; i < n; i += producers) await ch.send(i);
        })());
      }
      await Promise.all(tasks);
      ch.close();
    });
    return checked(sum, disordered, "@std/async Channel");
  };
}

function stdBurst(n: number): Run {
  return async () => {
    const ch = new Channel<number>({ capacity: STD_UNBOUNDED });
    for (let i = 0; i < n; i++) ch.trySend(i);
    ch.close();
    let sum = 0;
    let next = 0;
    let disordered = 0;
    try {
      for (;;) {
        const v = await ch.receive();
        if (v !== next) disordered++;
        next = v + 1;
        sum += v;
      }
    } catch (error) {
      if (!(error instanceof ChannelClosedError)) throw error;
    }
    return checked(sum, disordered, "@std/async Channel burst");
  };
}

/**
 * `@std/async`'s `Channel`: one shared object, closed once every producer
 * is done.
 */
export const stdLoops: Loops = {
  spsc: stdSpsc,
  mpsc(producers, messages, capacity, order) {
    return stdMpsc(producers, messages, capacity, order);
  },
  burst: stdBurst,
};

// -- async-channel --

function asyncChannelSpsc(
  n: number,
  capacity: number | undefined,
  order: Order,
): Run {
  return async () => {
    const ch = new AsyncChannel<number>(capacity ?? Infinity);
    let sum = 0;
    let next = 0;
    let disordered = 0;
    if (order === "consumer-first") {
      const consumer = (async () => {
        // `get()` rejects once the channel is closed and empty.
        try {
          for (;;) {
            const v = await ch.get();
            if (v !== next) disordered++;
            next = v + 1;
            sum += v;
          }
        } catch (error) {
          if (!(error instanceof AsyncChannelClosedError)) throw error;
        }
      })();
      for (let i = 0; i < n; i++) await ch.push(i);
      ch.close();
      await consumer;
    } else {
      const producer = (async () => {
        for (let i = 0; i < n; i++) await ch.push(i);
        ch.close();
      })();
      // `get()` rejects once the channel is closed and empty.
      try {
        for (;;) {
          const v = await ch.get();
          if (v !== next) disordered++;
          next = v + 1;
          sum += v;
        }
      } catch (error) {
        if (!(error instanceof AsyncChannelClosedError)) throw error;
      }
      await producer;
    }
    return checked(sum, disordered, "async-channel");
  };
}

function asyncChannelMpsc(
  producers: number,
  n: number,
  capacity: number | undefined,
  order: Order,
): Run {
  return async () => {
    const ch = new AsyncChannel<number>(capacity ?? Infinity);
    let sum = 0;
    const next = firstNumbers(producers);
    let disordered = 0;
    await inOrder(order, async () => {
      // `get()` rejects once the channel is closed and empty.
      try {
        for (;;) {
          const v = await ch.get();
          const p = v % producers;
          if (v !== next[p]) disordered++;
          next[p] = v + producers;
          sum += v;
        }
      } catch (error) {
        if (!(error instanceof AsyncChannelClosedError)) throw error;
      }
      return 0;
    }, async () => {
      const tasks: Promise<void>[] = [];
      for (let p = 0; p < producers; p++) {
        tasks.push((async () => {
          for (let i = p; i < n; i += producers) await ch.push(i);
        })());
      }
      await Promise.all(tasks);
      ch.close();
    });
    return checked(sum, disordered, "async-channel");
  };
}

function asyncChannelBurst(n: number): Run {
  return async () => {
    const ch = new AsyncChannel<number>(Infinity);
    // `push()` returns a promise of the value's delivery: not awaited in a
    // fill, as a user filling a buffer would not.
    for (let i = 0; i < n; i++) void ch.push(i);
    ch.close();
    let sum = 0;
    let next = 0;
    let disordered = 0;
    try {
      for (;;) {
        const v = await ch.get();
        if (v !== next) disordered++;
        next = v + 1;
        sum += v;
      }
    } catch (error) {
      if (!(error instanceof AsyncChannelClosedError)) throw error;
    }
    return checked(sum, disordered, "async-channel burst");
  };
}

/**
 * `async-channel`: one shared object, closed once every producer is done.
 * Its buffer is an array read with `shift()`: the report caps its burst.
 */
export const asyncChannelLoops: Loops = {
  spsc: asyncChannelSpsc,
  mpsc(producers, messages, capacity, order) {
    return asyncChannelMpsc(producers, messages, capacity, order);
  },
  burst: asyncChannelBurst,
};

// -- it-pushable --

function itPushableSpsc(n: number, order: Order): Run {
  return async () => {
    const values = pushable<number>({ objectMode: true });
    let sum = 0;
    let next = 0;
    let disordered = 0;
    if (order === "consumer-first") {
      const consumer = (async () => {
        for (;;) {
          const r = await values.next();
          if (r.done) break;
          const v = r.value;
          if (v !== next) disordered++;
          next = v + 1;
          sum += v;
        }
      })();
      // `push()` returns the pushable itself; awaiting it is the loop users
      // write, and gives the consumer its turn.
      for (let i = 0; i < n; i++) await values.push(i);
      values.end();
      await consumer;
    } else {
      const producer = (async () => {
        // `push()` returns the pushable itself; awaiting it is the loop users
        // write, and gives the consumer its turn.
        for (let i = 0; i < n; i++) await values.push(i);
        values.end();
      })();
      for (;;) {
        const r = await values.next();
        if (r.done) break;
        const v = r.value;
        if (v !== next) disordered++;
        next = v + 1;
        sum += v;
      }
      await producer;
    }
    return checked(sum, disordered, "it-pushable");
  };
}

function itPushableBurst(n: number): Run {
  return async () => {
    const values = pushable<number>({ objectMode: true });
    for (let i = 0; i < n; i++) values.push(i);
    values.end();
    let sum = 0;
    let next = 0;
    let disordered = 0;
    for (;;) {
      const r = await values.next();
      if (r.done) break;
      const v = r.value;
      if (v !== next) disordered++;
      next = v + 1;
      sum += v;
    }
    return checked(sum, disordered, "it-pushable burst");
  };
}

/** `it-pushable` in object mode: unbounded only (it has no backpressure). */
export const itPushableLoops: Loops = {
  spsc(messages, capacity, order) {
    return capacity === undefined ? itPushableSpsc(messages, order) : undefined;
  },
  burst: itPushableBurst,
};

// -- The ring floor --

function ringSpsc(n: number, capacity: number | undefined, order: Order): Run {
  return async () => {
    const ch = new RingChannel(capacity);
    let sum = 0;
    let next = 0;
    let disordered = 0;
    if (order === "consumer-first") {
      const consumer = (async () => {
        for (;;) {
          const v = await ch.recv();
          if (v === undefined) break;
          if (v !== next) disordered++;
          next = v + 1;
          sum += v;
        }
      })();
      for (let i = 0; i < n; i++) await ch.send(i);
      ch.close();
      await consumer;
    } else {
      const producer = (async () => {
        for (let i = 0; i < n; i++) await ch.send(i);
        ch.close();
      })();
      for (;;) {
        const v = await ch.recv();
        if (v === undefined) break;
        if (v !== next) disordered++;
        next = v + 1;
        sum += v;
      }
      await producer;
    }
    return checked(sum, disordered, "the ring floor");
  };
}

function ringMpsc(
  producers: number,
  n: number,
  capacity: number | undefined,
  order: Order,
): Run {
  return async () => {
    const ch = new RingChannel(capacity);
    let sum = 0;
    const next = firstNumbers(producers);
    let disordered = 0;
    await inOrder(order, async () => {
      for (;;) {
        const v = await ch.recv();
        if (v === undefined) break;
        const p = v % producers;
        if (v !== next[p]) disordered++;
        next[p] = v + producers;
        sum += v;
      }
      return 0;
    }, async () => {
      const tasks: Promise<void>[] = [];
      for (let p = 0; p < producers; p++) {
        tasks.push((async () => {
          for (let i = p; i < n; i += producers) await ch.send(i);
        })());
      }
      await Promise.all(tasks);
      ch.close();
    });
    return checked(sum, disordered, "the ring floor");
  };
}

function ringBurst(n: number): Run {
  return async () => {
    const ch = new RingChannel();
    for (let i = 0; i < n; i++) ch.send(i);
    ch.close();
    let sum = 0;
    let next = 0;
    let disordered = 0;
    for (;;) {
      const v = await ch.recv();
      if (v === undefined) break;
      if (v !== next) disordered++;
      next = v + 1;
      sum += v;
    }
    return checked(sum, disordered, "the ring floor burst");
  };
}

/** The hand-written ring: one shared object, closed once producers end. */
export const ringLoops: Loops = {
  spsc: ringSpsc,
  mpsc(producers, messages, capacity, order) {
    return ringMpsc(producers, messages, capacity, order);
  },
  burst: ringBurst,
};
