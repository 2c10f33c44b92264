// Copyright 2026 the @seed/mpsc authors. MIT license.
// The contenders that are not @seed/mpsc: the peers a TypeScript developer
// could pick instead, and the floors (what the engine allows at best).
//
// Every contender offers the same scenarios. A scenario method is called
// outside the timed part to build its inputs, and returns the timed part: a
// function that moves the messages and resolves with their sum, so the work
// cannot be optimized away and every run checks that nothing was lost.

// The peers are pinned here, inline, so that benchmarks add nothing to the
// package's own dependencies.
// deno-lint-ignore no-import-prefix
import { Effect, Queue } from "npm:effect@4.1.0";
// deno-lint-ignore no-import-prefix
import { FixedBuffer, Repeater } from "npm:@repeaterjs/repeater@3.1.0";
// deno-lint-ignore no-import-prefix
import { pushable } from "npm:it-pushable@3.2.4";
// deno-lint-ignore no-import-prefix
import { Channel as AsyncChannel } from "npm:async-channel@0.2.0";

export { AsyncChannel };

/** The timed part of one run: resolves with the sum of the messages. */
export type Run = () => Promise<number> | number;

/** Who a contender is, for the report's ratios. */
export type Kind = "module" | "peer" | "floor";

/**
 * One contender. A missing method means it has no way to do that scenario
 * (no backpressure, no batch receive, ...); the report prints "n/a".
 */
export interface Contender {
  /** The name shown in the tables (and the npm specifier's version). */
  readonly name: string;
  /** Whether it is the module, a peer or a floor. */
  readonly kind: Kind;
  /**
   * One producer awaiting each send, one consumer awaiting each receive.
   * `capacity` undefined means unbounded.
   */
  spsc?(messages: number, capacity?: number): Run | undefined;
  /** `producers` producers share `messages` into a bounded channel. */
  mpsc?(producers: number, messages: number, capacity: number): Run;
  /** Like unbounded `spsc`, the consumer using `for await`. */
  iterate?(messages: number): Run;
  /** Buffers `messages` (untimed), then the timed part receives them all. */
  drain?(messages: number): Run;
  /**
   * Buffers `backlog` messages (untimed), then the timed part sends and
   * receives `messages` more one by one, so the queue keeps its length.
   */
  steady?(backlog: number, messages: number): Run;
}

/** The sum of the messages 0 .. n - 1, which every run must produce. */
export function expectedSum(messages: number): number {
  return messages * (messages - 1) / 2;
}

// -- Web Streams (built in) --

/** WHATWG streams: `ReadableStream` unbounded, `TransformStream` bounded. */
export const webStreams: Contender = {
  name: "Web Streams (built in)",
  kind: "peer",
  spsc(messages, capacity) {
    if (capacity === undefined) {
      return async () => {
        let controller!: ReadableStreamDefaultController<number>;
        const readable = new ReadableStream<number>({
          start(c) {
            controller = c;
          },
        });
        const produced = (async () => {
          for (let i = 0; i < messages; i++) {
            controller.enqueue(i);
            await undefined;
          }
          controller.close();
        })();
        const sum = await readAll(readable.getReader());
        await produced;
        return sum;
      };
    }
    return async () => {
      const { readable, writable } = boundedStream(capacity);
      const writer = writable.getWriter();
      const produced = (async () => {
        for (let i = 0; i < messages; i++) {
          await writer.ready;
          void writer.write(i);
        }
        await writer.close();
      })();
      const sum = await readAll(readable.getReader());
      await produced;
      return sum;
    };
  },
  mpsc(producers, messages, capacity) {
    return async () => {
      const { readable, writable } = boundedStream(capacity);
      const writer = writable.getWriter();
      const tasks: Promise<void>[] = [];
      for (let p = 0; p < producers; p++) {
        tasks.push((async () => {
          for (let i = p; i < messages; i += producers) {
            await writer.ready;
            void writer.write(i);
          }
        })());
      }
      const closed = Promise.all(tasks).then(() => writer.close());
      const sum = await readAll(readable.getReader());
      await closed;
      return sum;
    };
  },
  iterate(messages) {
    return async () => {
      let controller!: ReadableStreamDefaultController<number>;
      const readable = new ReadableStream<number>({
        start(c) {
          controller = c;
        },
      });
      const produced = (async () => {
        for (let i = 0; i < messages; i++) {
          controller.enqueue(i);
          await undefined;
        }
        controller.close();
      })();
      let sum = 0;
      for await (const value of readable) sum += value;
      await produced;
      return sum;
    };
  },
  drain(messages) {
    let controller!: ReadableStreamDefaultController<number>;
    const readable = new ReadableStream<number>({
      start(c) {
        controller = c;
      },
    });
    for (let i = 0; i < messages; i++) controller.enqueue(i);
    controller.close();
    const reader = readable.getReader();
    return () => readAll(reader);
  },
};

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

// -- effect --

/** `effect`'s `Queue`, driven by fibers inside one Effect program. */
export const effectQueue: Contender = {
  name: "effect@4.1.0 Queue",
  kind: "peer",
  spsc(messages, capacity) {
    return () =>
      Effect.runPromise(Effect.gen(function* () {
        const queue = yield* (capacity === undefined
          ? Queue.unbounded<number>()
          : Queue.bounded<number>(capacity));
        yield* Effect.forkChild(Effect.gen(function* () {
          for (let i = 0; i < messages; i++) yield* Queue.offer(queue, i);
        }));
        let sum = 0;
        for (let i = 0; i < messages; i++) {
          sum += yield* Queue.take(queue);
        }
        return sum;
      }));
  },
  mpsc(producers, messages, capacity) {
    return () =>
      Effect.runPromise(Effect.gen(function* () {
        const queue = yield* Queue.bounded<number>(capacity);
        for (let p = 0; p < producers; p++) {
          yield* Effect.forkChild(Effect.gen(function* () {
            for (let i = p; i < messages; i += producers) {
              yield* Queue.offer(queue, i);
            }
          }));
        }
        let sum = 0;
        for (let i = 0; i < messages; i++) sum += yield* Queue.take(queue);
        return sum;
      }));
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
 * have to be a huge `FixedBuffer`, whose `shift()` queue is quadratic).
 */
export const repeater: Contender = {
  name: "@repeaterjs/repeater@3.1.0 FixedBuffer",
  kind: "peer",
  spsc(messages, capacity) {
    if (capacity === undefined) return undefined;
    return () => {
      const values = new Repeater<number>(async (push, stop) => {
        for (let i = 0; i < messages; i++) await push(i);
        stop();
      }, new FixedBuffer(capacity));
      return nextAll(values);
    };
  },
  mpsc(producers, messages, capacity) {
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
  iterate(messages) {
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

async function nextAll(values: AsyncIterator<number>): Promise<number> {
  let sum = 0;
  for (;;) {
    const result = await values.next();
    if (result.done) return sum;
    sum += result.value;
  }
}

// -- it-pushable --

/** `it-pushable` in object mode: unbounded only (it has no backpressure). */
export const itPushable: Contender = {
  name: "it-pushable@3.2.4",
  kind: "peer",
  spsc(messages, capacity) {
    if (capacity !== undefined) return undefined;
    return async () => {
      const values = pushable<number>({ objectMode: true });
      const produced = (async () => {
        for (let i = 0; i < messages; i++) {
          values.push(i);
          await undefined;
        }
        values.end();
      })();
      const sum = await nextAll(values);
      await produced;
      return sum;
    };
  },
  iterate(messages) {
    return async () => {
      const values = pushable<number>({ objectMode: true });
      const produced = (async () => {
        for (let i = 0; i < messages; i++) {
          values.push(i);
          await undefined;
        }
        values.end();
      })();
      let sum = 0;
      for await (const value of values) sum += value;
      await produced;
      return sum;
    };
  },
  drain(messages) {
    const values = pushable<number>({ objectMode: true });
    for (let i = 0; i < messages; i++) values.push(i);
    values.end();
    return () => nextAll(values);
  },
};

// -- async-channel --

/** `async-channel`'s `Channel` (capacity `Infinity` for unbounded). */
export const asyncChannel: Contender = {
  name: "async-channel@0.2.0",
  kind: "peer",
  spsc(messages, capacity) {
    return async () => {
      const channel = new AsyncChannel<number>(capacity ?? Infinity);
      const produced = (async () => {
        for (let i = 0; i < messages; i++) await channel.push(i);
        channel.close();
      })();
      let sum = 0;
      for (let i = 0; i < messages; i++) sum += await channel.get();
      await produced;
      return sum;
    };
  },
  mpsc(producers, messages, capacity) {
    return async () => {
      const channel = new AsyncChannel<number>(capacity);
      const tasks: Promise<void>[] = [];
      for (let p = 0; p < producers; p++) {
        tasks.push((async () => {
          for (let i = p; i < messages; i += producers) await channel.push(i);
        })());
      }
      let sum = 0;
      for (let i = 0; i < messages; i++) sum += await channel.get();
      await Promise.all(tasks);
      channel.close();
      return sum;
    };
  },
  iterate(messages) {
    return async () => {
      const channel = new AsyncChannel<number>(Infinity);
      const produced = (async () => {
        for (let i = 0; i < messages; i++) await channel.push(i);
        channel.close();
      })();
      let sum = 0;
      for await (const value of channel) sum += value;
      await produced;
      return sum;
    };
  },
  drain(messages) {
    const channel = new AsyncChannel<number>(Infinity);
    for (let i = 0; i < messages; i++) void channel.push(i);
    channel.close();
    return async () => {
      let sum = 0;
      for (let i = 0; i < messages; i++) sum += await channel.get();
      return sum;
    };
  },
};

/** Every peer, in the order the tables list them. */
export const PEERS: readonly Contender[] = [
  webStreams,
  effectQueue,
  effectQueueBatch,
  repeater,
  itPushable,
  asyncChannel,
];

// -- Floors --

/**
 * The simplest channel one would write by hand: an array with a read index,
 * one pending receiver, and an array of waiting senders when bounded. It
 * checks nothing and supports no cancellation, so it does far less than
 * the module.
 */
export class MinimalChannel {
  #values: number[] = [];
  #head = 0;
  #receiver: ((value: number | undefined) => void) | undefined = undefined;
  #senders: (() => void)[] = [];
  #closed = false;
  readonly #capacity: number;

  constructor(capacity = Infinity) {
    this.#capacity = capacity;
  }

  /** The number of buffered values. */
  get length(): number {
    return this.#values.length - this.#head;
  }

  /** Sends `value`, waiting while the buffer is full. */
  async send(value: number): Promise<void> {
    while (this.length >= this.#capacity) {
      await new Promise<void>((resolve) => this.#senders.push(resolve));
    }
    this.push(value);
  }

  /** Sends `value` without waiting (ignores the capacity). */
  push(value: number): void {
    const receiver = this.#receiver;
    if (receiver !== undefined) {
      this.#receiver = undefined;
      receiver(value);
    } else {
      this.#values.push(value);
    }
  }

  /** Receives the next value, or `undefined` once closed and empty. */
  recv(): Promise<number | undefined> {
    if (this.#head < this.#values.length) {
      return Promise.resolve(this.take());
    }
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#receiver = resolve);
  }

  /** Takes the next value synchronously; the caller checks `length`. */
  take(): number {
    const value = this.#values[this.#head++]!;
    if (this.#head === this.#values.length) {
      this.#values.length = 0;
      this.#head = 0;
    }
    if (this.#senders.length > 0) this.#senders.shift()!();
    return value;
  }

  /** Ends the stream once the buffered values are read. */
  close(): void {
    this.#closed = true;
    const receiver = this.#receiver;
    this.#receiver = undefined;
    receiver?.(undefined);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<number> {
    for (;;) {
      const value = await this.recv();
      if (value === undefined) return;
      yield value;
    }
  }
}

async function recvAll(channel: MinimalChannel): Promise<number> {
  let sum = 0;
  for (;;) {
    const value = await channel.recv();
    if (value === undefined) return sum;
    sum += value;
  }
}

/** The hand-written array queue with one pending resolver. */
export const minimalChannel: Contender = {
  name: "floor: array queue + one resolver",
  kind: "floor",
  spsc(messages, capacity) {
    return async () => {
      const channel = new MinimalChannel(capacity);
      const produced = (async () => {
        for (let i = 0; i < messages; i++) await channel.send(i);
        channel.close();
      })();
      const sum = await recvAll(channel);
      await produced;
      return sum;
    };
  },
  mpsc(producers, messages, capacity) {
    return async () => {
      const channel = new MinimalChannel(capacity);
      const tasks: Promise<void>[] = [];
      for (let p = 0; p < producers; p++) {
        tasks.push((async () => {
          for (let i = p; i < messages; i += producers) await channel.send(i);
        })());
      }
      const closed = Promise.all(tasks).then(() => channel.close());
      const sum = await recvAll(channel);
      await closed;
      return sum;
    };
  },
  iterate(messages) {
    return async () => {
      const channel = new MinimalChannel();
      const produced = (async () => {
        for (let i = 0; i < messages; i++) await channel.send(i);
        channel.close();
      })();
      let sum = 0;
      for await (const value of channel) sum += value;
      await produced;
      return sum;
    };
  },
  drain(messages) {
    const channel = new MinimalChannel();
    for (let i = 0; i < messages; i++) channel.push(i);
    channel.close();
    return () => recvAll(channel);
  },
  steady(backlog, messages) {
    const channel = new MinimalChannel();
    for (let i = 0; i < backlog; i++) channel.push(0);
    return async () => {
      let sum = 0;
      for (let i = 0; i < messages; i++) {
        channel.push(i);
        sum += (await channel.recv())!;
      }
      return sum;
    };
  },
};

/**
 * The engine's limit for any promise-based channel: one promise created,
 * resolved and awaited per message, and nothing else.
 */
export const promiseFloor: Contender = {
  name: "floor: one promise per message",
  kind: "floor",
  spsc(messages) {
    return () => awaitEach(0, messages, 1);
  },
  mpsc(_producers, messages) {
    return () => awaitEach(0, messages, 1);
  },
  iterate(messages) {
    return () => awaitEach(0, messages, 1);
  },
  drain(messages) {
    return () => awaitEach(0, messages, 1);
  },
};

async function awaitEach(
  start: number,
  end: number,
  step: number,
): Promise<number> {
  let sum = 0;
  for (let i = start; i < end; i += step) sum += await Promise.resolve(i);
  return sum;
}

/**
 * The engine's limit without promises: a synchronous array push and pop per
 * message (for a drain: a read of an array already filled).
 */
export const syncFloor: Contender = {
  name: "floor: sync array push/pop",
  kind: "floor",
  spsc(messages) {
    return () => pushPop(messages);
  },
  mpsc(_producers, messages) {
    return () => pushPop(messages);
  },
  iterate(messages) {
    return () => pushPop(messages);
  },
  drain(messages) {
    const values = range(messages);
    return () => {
      let sum = 0;
      for (let i = 0; i < values.length; i++) sum += values[i]!;
      return sum;
    };
  },
  steady(backlog, messages) {
    const values: number[] = new Array(backlog).fill(0);
    let head = 0;
    return () => {
      let sum = 0;
      for (let i = 0; i < messages; i++) {
        values.push(i);
        sum += values[head]!;
        values[head++] = 0;
      }
      return sum;
    };
  },
};

function pushPop(messages: number): number {
  const values: number[] = [];
  let sum = 0;
  for (let i = 0; i < messages; i++) {
    values.push(i);
    sum += values.pop()!;
  }
  return sum;
}

/**
 * Not a floor: a queue built on `Array.prototype.shift`, to show how such a
 * queue's cost grows with its length.
 */
export const shiftQueue: Contender = {
  name: "array with shift() (for contrast)",
  kind: "floor",
  steady(backlog, messages) {
    const values: number[] = new Array(backlog).fill(0);
    return () => {
      let sum = 0;
      for (let i = 0; i < messages; i++) {
        values.push(i);
        sum += values.shift()!;
      }
      return sum;
    };
  },
};

/** Every floor, in the order the tables list them. */
export const FLOORS: readonly Contender[] = [
  minimalChannel,
  promiseFloor,
  syncFloor,
];

/** The numbers 0 .. n - 1 in a packed array. */
export function range(n: number): number[] {
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(i);
  return values;
}
