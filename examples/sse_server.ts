// Copyright 2026 the @seed/mpsc authors. MIT license.
// An example server-sent events server: producers feed one bounded channel per client, streamed with toReadableStream.
//
// Run it with `deno task serve` (or `deno run --allow-net=127.0.0.1
// examples/sse_server.ts [--port 8000] [--producers 3] [--buffer 8]
// [--interval 1000]`; `--help` lists the flags) and watch the events with
// `curl -N http://127.0.0.1:8000/events`.
//
// Each request to `/events` gets its own bounded channel and a few
// producers. The response body is `toReadableStream(rx)` piped through
// @std/http's `ServerSentEventStream`, which frames each event, so it pulls
// a message only when the connection can take more: a
// slow client leaves the channel full, and its producers wait in
// `reserve()` instead of piling events up in memory. When the client goes
// away, the body stream is cancelled, which disposes the receiver; the
// producers' reservations fail, they drop their permits and senders, and
// nothing of the connection is left.

import { delay } from "@std/async/delay";
import { parseArgs } from "@std/cli/parse-args";
import {
  type ServerSentEventMessage,
  ServerSentEventStream,
} from "@std/http/server-sent-event-stream";
import {
  channel,
  type Permit,
  type Receiver,
  type Sender,
  type WeakSender,
} from "../mod.ts";
import { toReadableStream } from "../stream.ts";

/** Options for {@linkcode startServer}. */
export interface ServerOptions {
  /** The address to listen on. Loopback only by default. */
  hostname?: string;
  /** The port to listen on; `0` picks a free one. Defaults to 8000. */
  port?: number;
  /** Producers per client. Defaults to 3. */
  producers?: number;
  /** The channel's buffer per client. Defaults to 8. */
  buffer?: number;
  /**
   * Milliseconds each producer holds its permit before sending, standing
   * for the work of building an event. Defaults to 1000.
   */
  interval?: number;
  /**
   * Characters of filler added to each event, to make a stalled client
   * fill the connection's buffers sooner. Defaults to 0.
   */
  padding?: number;
  /** Aborting it shuts the server down and releases every channel. */
  signal?: AbortSignal;
}

/** What the server holds right now, to watch it release everything. */
export interface ServerStats {
  /** Requests to `/events` served so far. */
  connections: number;
  /** Receivers that are not yet disposed. */
  openReceivers: number;
  /** Strong senders still alive, permits included, over all channels. */
  openSenders: number;
  /** Producer loops still running. */
  runningProducers: number;
  /** Producers waiting in `reserve()` for room in their channel. */
  waitingProducers: number;
  /** Events buffered in the open channels, waiting for their client. */
  queued: number;
  /** Permits reserved and neither used nor given back. */
  heldPermits: number;
  /** Events sent into the channels so far. */
  sent: number;
}

/** A running server, as returned by {@linkcode startServer}. */
export interface SseServer {
  /** Where the server listens. */
  addr: Deno.NetAddr;
  /** The URL of the event stream. */
  url: string;
  /** Reports what the server holds now. */
  stats(): ServerStats;
  /** Resolves once the server has stopped and every stream has ended. */
  finished: Promise<void>;
  /** Stops the server, ending every stream; resolves with `finished`. */
  shutdown(): Promise<void>;
}

// A page that shows the stream in a browser, through EventSource.
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>@seed/mpsc server-sent events</title>
<p>Events from <code>/events</code> (counters at <a href="/stats">/stats</a>):</p>
<pre id="log"></pre>
<script>
  const log = document.getElementById("log");
  const source = new EventSource("/events");
  source.addEventListener("tick", (event) => {
    log.textContent = event.data + "\\n" + log.textContent.slice(0, 4000);
  });
</script>
`;

/** One event, as a producer builds it. */
interface Tick {
  producer: number;
  seq: number;
  time: string;
  padding?: string;
}

/** The channel state of one client, kept until it is fully released. */
interface Connection {
  rx: Receiver<Tick>;
  weak: WeakSender<Tick>;
}

/**
 * Starts the server.
 *
 * @param options Where to listen, how many producers, how much buffer.
 * @returns The running server.
 */
export function startServer(options: ServerOptions = {}): SseServer {
  const {
    hostname = "127.0.0.1",
    port = 8000,
    producers = 3,
    buffer = 8,
    interval = 1000,
    padding = 0,
  } = options;
  const filler = "x".repeat(padding);
  const counters = {
    connections: 0,
    producers: 0,
    waiting: 0,
    permits: 0,
    sent: 0,
  };
  const live = new Set<Connection>();
  const stopping = new AbortController();
  const onAbort = () => stopping.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  async function reserve(
    tx: Sender<Tick>,
    signal: AbortSignal,
  ): Promise<Permit<Tick>> {
    counters.waiting++;
    try {
      return await tx.reserve({ signal });
    } finally {
      counters.waiting--;
    }
  }

  async function produce(
    id: number,
    tx: Sender<Tick>,
    signal: AbortSignal,
  ): Promise<void> {
    counters.producers++;
    try {
      for (let seq = 0; !signal.aborted; seq++) {
        // Reserve first, then build the event: the slot is ours while we
        // work, and a full channel (a slow client) stops us right here.
        using permit = await reserve(tx, signal);
        counters.permits++;
        try {
          await delay(interval, { signal });
          const tick: Tick = {
            producer: id,
            seq,
            time: new Date().toISOString(),
          };
          if (padding > 0) tick.padding = filler;
          permit.send(tick);
          counters.sent++;
        } finally {
          counters.permits--;
        }
      }
    } catch {
      // The client left (the channel closed) or the server is stopping:
      // either way this producer is done. `using` gave the permit back.
    } finally {
      tx.dispose();
      counters.producers--;
    }
  }

  function events(): Response {
    counters.connections++;
    const [tx, rx] = channel<Tick>(buffer);
    const connection: Connection = { rx, weak: tx.downgrade() };
    live.add(connection);
    // Stops this client's producers, also while they sleep holding a
    // permit, once the channel closes or the server stops.
    const stop = new AbortController();
    for (let i = 0; i < producers; i++) {
      void produce(i, tx.clone(), stop.signal);
    }
    tx.closed({ signal: stopping.signal }).then(
      () => stop.abort(),
      () => stop.abort(),
    ).finally(() => tx.dispose());

    let id = 0;
    const body = toReadableStream(rx)
      .pipeThrough(
        new TransformStream<Tick, ServerSentEventMessage>({
          transform(tick, controller) {
            controller.enqueue({
              id: id++,
              event: "tick",
              data: JSON.stringify(tick),
            });
          },
        }),
      )
      .pipeThrough(new ServerSentEventStream());
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
      },
    });
  }

  function handler(request: Request): Response {
    const { pathname } = new URL(request.url);
    if (pathname === "/events" && request.method === "GET") return events();
    if (pathname === "/stats") return Response.json(stats());
    if (pathname === "/") {
      return new Response(PAGE, {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    }
    return new Response("Not found\n", { status: 404 });
  }

  function isDisposed(rx: Receiver<Tick>): boolean {
    // Any call on a disposed handle throws ReferenceError: that is how we
    // learn that the body stream let go of the receiver.
    try {
      rx.len();
      return false;
    } catch (error) {
      if (error instanceof ReferenceError) return true;
      throw error;
    }
  }

  function stats(): ServerStats {
    let openReceivers = 0;
    let openSenders = 0;
    let queued = 0;
    for (const connection of live) {
      const receiverOpen = !isDisposed(connection.rx);
      const senders = connection.weak.strongCount();
      if (receiverOpen) {
        openReceivers++;
        queued += connection.rx.len();
      }
      openSenders += senders;
      if (!receiverOpen && senders === 0) {
        connection.weak.dispose();
        live.delete(connection);
      }
    }
    return {
      connections: counters.connections,
      openReceivers,
      openSenders,
      runningProducers: counters.producers,
      waitingProducers: counters.waiting,
      queued,
      heldPermits: counters.permits,
      sent: counters.sent,
    };
  }

  const server = Deno.serve({
    hostname,
    port,
    signal: stopping.signal,
    onListen() {},
  }, handler);
  const finished = server.finished.finally(() => {
    options.signal?.removeEventListener("abort", onAbort);
  });
  const addr = server.addr;
  return {
    addr,
    url: `http://${addr.hostname}:${addr.port}/events`,
    stats,
    finished,
    shutdown() {
      stopping.abort();
      return finished;
    },
  };
}

const USAGE = `Serves server-sent events fed by @seed/mpsc channels.

Usage: deno run --allow-net=127.0.0.1 examples/sse_server.ts [options] [port]

Options:
  -p, --port <n>       The port to listen on; 0 picks a free one (default 8000)
      --producers <n>  Producers per client (default 3)
      --buffer <n>     The channel's buffer per client (default 8)
      --interval <ms>  How long each producer takes per event (default 1000)
  -h, --help           Show this help`;

/** Reads a flag that must be a whole number, or exits with the usage. */
function wholeNumber(
  name: string,
  value: string | number | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (String(value).trim() === "" || !Number.isSafeInteger(n) || n < 0) {
    console.error(
      `Cannot start the server: --${name} must be a whole number, received ${value}\n\n${USAGE}`,
    );
    Deno.exit(2);
  }
  return n;
}

if (import.meta.main) {
  const flags = parseArgs(Deno.args, {
    boolean: ["help"],
    string: ["port", "producers", "buffer", "interval"],
    alias: { h: "help", p: "port" },
  });
  if (flags.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  // A bare number is the port too, as in `deno task serve 9000`.
  const server = startServer({
    port: wholeNumber("port", flags.port ?? flags._[0], 8000),
    producers: wholeNumber("producers", flags.producers, 3),
    buffer: wholeNumber("buffer", flags.buffer, 8),
    interval: wholeNumber("interval", flags.interval, 1000),
  });
  console.log(`Serving server-sent events on ${server.url}`);
  console.log(`Watch them with: curl -N ${server.url}`);
  Deno.addSignalListener("SIGINT", () => {
    server.shutdown().then(() => Deno.exit(0));
  });
  await server.finished;
}
