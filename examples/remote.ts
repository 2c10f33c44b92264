// Copyright 2026 the @seed/mpsc authors. MIT license.
// Several `deno run` processes send to one receiver through one database:
// PGlite in a directory by default, any PostgreSQL when DATABASE_URL is set.
//
//   deno run -A examples/remote.ts            # the receiver starts 3 senders
//   DATABASE_URL=postgres://user@host/db deno run -A examples/remote.ts
//
// The receiver spawns the senders as child processes running this same file
// with `send ID`. With PGlite, the database is a directory that only one
// process may open at a time, so there the senders run one after another;
// with PostgreSQL they run at once.

import {
  connectReceiver,
  connectSender,
  createRemoteChannel,
  type PgClient,
  pgStore,
} from "../remote.ts";

const url = Deno.env.get("DATABASE_URL");
const [role, id, dirArg, nameArg] = Deno.args;
// PGlite's directory (a fresh one per run) and the channel's name (fresh per
// run too: a channel whose stream ended stays ended), handed to the senders.
const DIR = dirArg ??
  (url ? "" : Deno.makeTempDirSync({ prefix: "mpsc_example_" }));
const NAME = nameArg ?? `jobs-${Date.now()}`;

/** Opens the database: PostgreSQL through `pg`, or PGlite in `DIR`. */
async function open(): Promise<{ client: PgClient; close(): Promise<void> }> {
  if (url) {
    const { default: pg } = await import("npm:pg@8.23.1");
    const pool = new pg.Pool({ connectionString: url, max: 3 });
    return { client: pool, close: () => pool.end() };
  }
  const { PGlite } = await import("npm:@electric-sql/pglite@0.5.16");
  const db = new PGlite(DIR);
  return { client: db, close: () => db.close() };
}

const db = await open();
const store = pgStore(db.client, { schema: "example" });

if (role === "send") {
  // A sender process: five jobs, then dispose (the stream ends when the
  // last sender has disposed and the queue is drained).
  await using tx = await connectSender<{ from: string; job: number }>(
    store,
    NAME,
    { id: id! },
  );
  await tx.sendMany([1, 2, 3, 4, 5].map((job) => ({ from: id!, job })));
  console.log(`${id}: sent 5 jobs`);
} else {
  // Created once and kept open without senders, so that the receiver can
  // wait for senders that have not started yet; closed at the end.
  await createRemoteChannel(store, NAME, { capacity: 100, keepOpen: true });
  const senders = ["api-1", "api-2", "cron"];
  const run = (sender: string) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", import.meta.filename!, "send", sender, DIR, NAME],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
  await using rx = await connectReceiver<{ from: string; job: number }>(
    store,
    NAME,
    { prefetch: 16 },
  );
  if (url) {
    await Promise.all(senders.map(run));
  } else {
    // PGlite: one process at a time, so the receiver steps aside.
    await rx.dispose();
    await store.close();
    await db.close();
    for (const sender of senders) await run(sender);
  }
  const db2 = url ? db : await open();
  const store2 = url ? store : pgStore(db2.client, { schema: "example" });
  const reader = url
    ? rx
    : await connectReceiver<{ from: string; job: number }>(store2, NAME, {
      prefetch: 16,
    });
  let received = 0;
  while (received < senders.length * 5) {
    const message = await reader.recv();
    if (message === undefined) break;
    received++;
    console.log(`received job ${message.job} from ${message.from}`);
  }
  await reader.close(); // the queue ends here, for every process
  await reader.dispose();
  await store2.close();
  await db2.close();
  console.log(`received ${received} jobs`);
  if (!url) await Deno.remove(DIR, { recursive: true });
}
if (role === "send") {
  await store.close();
  await db.close();
}
