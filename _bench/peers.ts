// Copyright 2026 the @seed/mpsc authors. MIT license.
// The peers: the channels and queues a TypeScript developer could pick
// instead of @seed/mpsc, each driven through its own idiomatic loops.

import { Channel, ChannelClosedError } from "@std/async/channel";
// The npm peers are pinned here, inline, so that benchmarks add nothing to
// the package's own dependencies.
// deno-lint-ignore no-import-prefix
import { Effect, Queue } from "npm:effect@4.1.0";
// deno-lint-ignore no-import-prefix
import { FixedBuffer, Repeater } from "npm:@repeaterjs/repeater@3.1.0";
// deno-lint-ignore no-import-prefix
import { type Pushable, pushable } from "npm:it-pushable@3.2.4";
// deno-lint-ignore no-import-prefix
import {
  Channel as AsyncChannel,
  ChannelClosedError as AsyncChannelClosedError,
} from "npm:async-channel@0.2.0";
import {
  type Adapter,
  type Contender,
  fromAdapter,
  type Order,
  range,
  TURN,
} from "./harness.ts";

export { AsyncChannel, Channel };

// -- @std/async Channel --

/**
 * The capacity std's `Channel` gets for "unbounded": it takes only
 * integers (0 is a rendezvous), so unbounded is the largest one.
 */
const STD_UNBOUNDED = Number.MAX_SAFE_INTEGER;

/**
 * Receives until std's `Channel` is closed and empty: its `receive()` then
 * rejects with `ChannelClosedError`, which ends the loop. A `try` around the
 * whole loop costs nothing per message.
 */
async function stdReceiveAll(channel: Channel<number>): Promise<number> {
  let sum = 0;
  try {
    for (;;) sum += await channel.receive();
  } catch (error) {
    if (!(error instanceof ChannelClosedError)) throw error;
  }
  return sum;
}

const stdChannelAdapter: Adapter<Channel<number>> = {
  open(capacity) {
    return new Channel<number>({ capacity: capacity ?? STD_UNBOUNDED });
  },
  async produce(channel, start, end, step) {
    for (let i = start; i < end; i += step) await channel.send(i);
  },
  close(channel) {
    channel.close();
  },
  consume: stdReceiveAll,
  async iterate(channel) {
    let sum = 0;
    for await (const value of channel) sum += value;
    return sum;
  },
  fill(channel, messages) {
    for (let i = 0; i < messages; i++) channel.trySend(i);
  },
  async pingPong(messages) {
    const ping = new Channel<number>({ capacity: 1 });
    const pong = new Channel<number>({ capacity: 1 });
    const echoed = (async () => {
      for (let i = 0; i < messages; i++) await pong.send(await ping.receive());
    })();
    let sum = 0;
    for (let i = 0; i < messages; i++) {
      await ping.send(i);
      sum += await pong.receive();
    }
    await echoed;
    return sum;
  },
};

/** `@std/async`'s `Channel` (jsr, pinned in deno.json). */
export const stdChannel: Contender = fromAdapter(
  "@std/async@1.5.0 Channel",
  "peer",
  stdChannelAdapter,
);

// -- async-channel --

/** Receives until async-channel's `get()` rejects: closed and empty. */
async function asyncChannelGetAll(
  channel: AsyncChannel<number>,
): Promise<number> {
  let sum = 0;
  try {
    for (;;) sum += await channel.get();
  } catch (error) {
    if (!(error instanceof AsyncChannelClosedError)) throw error;
  }
  return sum;
}

const asyncChannelAdapter: Adapter<AsyncChannel<number>> = {
  open(capacity) {
    return new AsyncChannel<number>(capacity ?? Infinity);
  },
  async produce(channel, start, end, step) {
    for (let i = start; i < end; i += step) await channel.push(i);
  },
  close(channel) {
    channel.close();
  },
  consume: asyncChannelGetAll,
  async iterate(channel) {
    let sum = 0;
    for await (const value of channel) sum += value;
    return sum;
  },
  fill(channel, messages) {
    for (let i = 0; i < messages; i++) void channel.push(i);
  },
  async pingPong(messages) {
    const ping = new AsyncChannel<number>(1);
    const pong = new AsyncChannel<number>(1);
    const echoed = (async () => {
      for (let i = 0; i < messages; i++) await pong.push(await ping.get());
    })();
    let sum = 0;
    for (let i = 0; i < messages; i++) {
      await ping.push(i);
      sum += await pong.get();
    }
    await echoed;
    return sum;
  },
};

/**
 * `async-channel`'s `Channel` (capacity `Infinity` for unbounded). Its
 * buffer and its waiting senders are arrays read with `shift()`, which is
 * quadratic once they are long: the report caps its drain.
 */
export const asyncChannel: Contender = fromAdapter(
  "async-channel@0.2.0",
  "peer",
  asyncChannelAdapter,
);

// -- Web Streams --

/**
 * A stream pair: unbounded, a `ReadableStream` fed through its controller;
 * bounded, a `TransformStream` whose writable side holds `capacity` chunks.
 */
interface StreamPair {
  readonly readable: ReadableStream<number>;
  readonly controller?: ReadableStreamDefaultController<number>;
  readonly writer?: WritableStreamDefaultWriter<number>;
}

function boundedStream(capacity: number): TransformStream<number, number> {
  return new TransformStream<number, number>(
    undefined,
    new CountQueuingStrategy({ highWaterMark: capacity }),
    new CountQueuingStrategy({ highWaterMark: 0 }),
  );
}

async function readAll(
  reader: ReadableStreamDefaultReader<number>,
): Promise<number> {
  let sum = 0;
  for (;;) {
    const result = await reader.read();
    if (result.done) return sum;
    sum += result.value;
  }
}

async function enqueueEach(
  controller: ReadableStreamDefaultController<number>,
  start: number,
  end: number,
  step: number,
): Promise<void> {
  for (let i = start; i < end; i += step) {
    controller.enqueue(i);
    await TURN;
  }
}

async function writeEach(
  writer: WritableStreamDefaultWriter<number>,
  start: number,
  end: number,
  step: number,
): Promise<void> {
  for (let i = start; i < end; i += step) {
    await writer.ready;
    void writer.write(i);
  }
}

const webStreamsAdapter: Adapter<StreamPair> = {
  open(capacity) {
    if (capacity === undefined) {
      let controller!: ReadableStreamDefaultController<number>;
      const readable = new ReadableStream<number>({
        start(c) {
          controller = c;
        },
      });
      return { readable, controller };
    }
    const { readable, writable } = boundedStream(capacity);
    return { readable, writer: writable.getWriter() };
  },
  produce(pair, start, end, step) {
    return pair.controller !== undefined
      ? enqueueEach(pair.controller, start, end, step)
      : writeEach(pair.writer!, start, end, step);
  },
  close(pair) {
    if (pair.controller !== undefined) pair.controller.close();
    else return pair.writer!.close();
  },
  consume(pair) {
    return readAll(pair.readable.getReader());
  },
  async iterate(pair) {
    let sum = 0;
    for await (const value of pair.readable) sum += value;
    return sum;
  },
  fill(pair, messages) {
    for (let i = 0; i < messages; i++) pair.controller!.enqueue(i);
  },
  async pingPong(messages) {
    const ping = boundedStream(1);
    const pong = boundedStream(1);
    const pingWriter = ping.writable.getWriter();
    const pongWriter = pong.writable.getWriter();
    const pingReader = ping.readable.getReader();
    const pongReader = pong.readable.getReader();
    const echoed = (async () => {
      for (let i = 0; i < messages; i++) {
        const { value } = await pingReader.read();
        await pongWriter.ready;
        void pongWriter.write(value!);
      }
    })();
    let sum = 0;
    for (let i = 0; i < messages; i++) {
      await pingWriter.ready;
      void pingWriter.write(i);
      sum += (await pongReader.read()).value!;
    }
    await echoed;
    return sum;
  },
};

/**
 * WHATWG streams: a `ReadableStream` unbounded, a `TransformStream` with a
 * `CountQueuingStrategy` of the capacity bounded (producers await
 * `writer.ready`, then write).
 */
export const webStreams: Contender = fromAdapter(
  "Web Streams (built in)",
  "peer",
  webStreamsAdapter,
);

// -- it-pushable --

async function nextAll(values: AsyncIterator<number>): Promise<number> {
  let sum = 0;
  for (;;) {
    const result = await values.next();
    if (result.done) return sum;
    sum += result.value;
  }
}

const itPushableAdapter: Adapter<Pushable<number>> = {
  open(capacity) {
    // No backpressure: unbounded only.
    if (capacity !== undefined) return undefined;
    return pushable<number>({ objectMode: true });
  },
  async produce(values, start, end, step) {
    for (let i = start; i < end; i += step) {
      values.push(i);
      await TURN;
    }
  },
  close(values) {
    values.end();
  },
  consume: nextAll,
  async iterate(values) {
    let sum = 0;
    for await (const value of values) sum += value;
    return sum;
  },
  fill(values, messages) {
    for (let i = 0; i < messages; i++) values.push(i);
  },
  async pingPong(messages) {
    // Unbounded, but a ping-pong never holds more than one message.
    const ping = pushable<number>({ objectMode: true });
    const pong = pushable<number>({ objectMode: true });
    const echoed = (async () => {
      for (let i = 0; i < messages; i++) {
        pong.push((await ping.next()).value!);
        await TURN;
      }
    })();
    let sum = 0;
    for (let i = 0; i < messages; i++) {
      ping.push(i);
      sum += (await pong.next()).value!;
    }
    await echoed;
    return sum;
  },
};

/** `it-pushable` in object mode: unbounded only (it has no backpressure). */
export const itPushable: Contender = fromAdapter(
  "it-pushable@3.2.4",
  "peer",
  itPushableAdapter,
);

// -- effect --

/**
 * Runs one Effect program: the producers are forked from the main fiber,
 * which then consumes. For the consumer-first order they start later, once
 * the main fiber waits on the empty queue; for producer-first each starts
 * at once and runs until the queue is full or effect's scheduler yields.
 * (They are forked from the main fiber, which outlives them: a fiber's
 * children are interrupted when it ends.)
 */
function effectRun(
  order: Order,
  open: Effect.Effect<Queue.Queue<number>>,
  producers: number,
  messages: number,
): Promise<number> {
  return Effect.runPromise(Effect.gen(function* () {
    const queue = yield* open;
    for (let p = 0; p < producers; p++) {
      yield* Effect.forkChild(effectProduce(queue, p, messages, producers), {
        startImmediately: order === "producer-first",
      });
    }
    let sum = 0;
    for (let i = 0; i < messages; i++) sum += yield* Queue.take(queue);
    return sum;
  }));
}

function effectProduce(
  queue: Queue.Queue<number>,
  start: number,
  end: number,
  step: number,
): Effect.Effect<void> {
  return Effect.gen(function* () {
    for (let i = start; i < end; i += step) yield* Queue.offer(queue, i);
  });
}

function effectOpen(capacity: number | undefined) {
  return capacity === undefined
    ? Queue.unbounded<number>()
    : Queue.bounded<number>(capacity);
}

/** `effect`'s `Queue`, driven by fibers inside one Effect program. */
export const effectQueue: Contender = {
  name: "effect@4.1.0 Queue",
  kind: "peer",
  spsc(messages, capacity, order) {
    return () => effectRun(order, effectOpen(capacity), 1, messages);
  },
  mpsc(producers, messages, capacity, order) {
    return () => effectRun(order, effectOpen(capacity), producers, messages);
  },
  drain(messages) {
    const queue = Effect.runSync(Queue.unbounded<number>());
    Queue.offerAllUnsafe(queue, range(messages));
    return () =>
      Effect.runPromise(Effect.gen(function* () {
        let sum = 0;
        for (let i = 0; i < messages; i++) sum += yield* Queue.take(queue);
        return sum;
      }));
  },
  pingPong(messages) {
    return () =>
      Effect.runPromise(Effect.gen(function* () {
        const ping = yield* Queue.bounded<number>(1);
        const pong = yield* Queue.bounded<number>(1);
        yield* Effect.forkChild(Effect.gen(function* () {
          for (let i = 0; i < messages; i++) {
            yield* Queue.offer(pong, yield* Queue.take(ping));
          }
        }));
        let sum = 0;
        for (let i = 0; i < messages; i++) {
          yield* Queue.offer(ping, i);
          sum += yield* Queue.take(pong);
        }
        return sum;
      }));
  },
};

/** `effect`'s batch receive: `Queue.takeBetween(queue, 1, 1024)`. */
export const effectQueueBatch: Contender = {
  name: "effect@4.1.0 Queue.takeBetween(1, 1024)",
  kind: "peer",
  drain(messages) {
    const queue = Effect.runSync(Queue.unbounded<number>());
    Queue.offerAllUnsafe(queue, range(messages));
    return () =>
      Effect.runPromise(Effect.gen(function* () {
        let sum = 0;
        let received = 0;
        while (received < messages) {
          const batch = yield* Queue.takeBetween(queue, 1, 1024);
          for (let i = 0; i < batch.length; i++) sum += batch[i]!;
          received += batch.length;
        }
        return sum;
      }));
  },
};

// -- @repeaterjs/repeater --

/**
 * `Repeater` with a `FixedBuffer`: bounded only (an unbounded buffer would
 * be a huge `FixedBuffer`, whose `shift()` queue is quadratic). Its
 * executor starts at the first `next()`, so the consumer always comes
 * first: it has no producer-first order.
 */
export const repeater: Contender = {
  name: "@repeaterjs/repeater@3.1.0 FixedBuffer",
  kind: "peer",
  spsc(messages, capacity, order) {
    if (capacity === undefined || order === "producer-first") return undefined;
    return () => {
      const values = new Repeater<number>(async (push, stop) => {
        for (let i = 0; i < messages; i++) await push(i);
        stop();
      }, new FixedBuffer(capacity));
      return nextAll(values);
    };
  },
  mpsc(producers, messages, capacity, order) {
    if (order === "producer-first") return undefined;
    return () => {
      const values = new Repeater<number>(async (push, stop) => {
        const tasks: Promise<void>[] = [];
        for (let p = 0; p < producers; p++) {
          tasks.push((async () => {
            for (let i = p; i < messages; i += producers) await push(i);
          })());
        }
        await Promise.all(tasks);
        stop();
      }, new FixedBuffer(capacity));
      return nextAll(values);
    };
  },
  iterate(messages, order) {
    if (order === "producer-first") return undefined;
    // Bounded (FixedBuffer(1024)): see spsc.
    return async () => {
      const values = new Repeater<number>(async (push, stop) => {
        for (let i = 0; i < messages; i++) await push(i);
        stop();
      }, new FixedBuffer(1024));
      let sum = 0;
      for await (const value of values) sum += value;
      return sum;
    };
  },
};

/** Every peer, in the order the tables list them. */
export const PEERS: readonly Contender[] = [
  stdChannel,
  asyncChannel,
  webStreams,
  itPushable,
  effectQueue,
  effectQueueBatch,
  repeater,
];
