// Copyright 2026 the @seed/mpsc authors. MIT license.
// The databases the remote suite runs on: PGlite in process always, and a
// real PostgreSQL through `pg` when MPSC_PG_URL names one (.ci/run starts a
// throwaway cluster and sets it).

import { PGlite } from "npm:@electric-sql/pglite@0.5.16";
import { pool } from "./pool.ts";
import {
  connectReceiver,
  connectSender,
  createRemoteChannel,
  type PgClient,
  type PgStore,
  pgStore,
  type PgStoreOptions,
} from "../../remote.ts";

/** The URL of a real server, if the environment names one. */
export const PG_URL: string | undefined = Deno.env.get("MPSC_PG_URL") ||
  undefined;

/** What a test gets: a store in a schema of its own, and raw SQL access. */
export interface Ctx {
  readonly backend: "pglite" | "postgres";
  readonly schema: string;
  readonly client: PgClient;
  store(options?: PgStoreOptions): PgStore;
  /** Runs SQL on the test's own schema's tables (`$t` is the prefix). */
  rows(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

let shared: PGlite | undefined;
let counter = 0;

// Booted and put through one cycle before any test runs: PGlite arms a
// timer of its own the first time it creates functions, which the op
// sanitizer would blame on the first test.
{
  const db = await pglite();
  await run("pglite", db, async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "warm-up", { capacity: 1 });
    const tx = await connectSender(store, "warm-up", { id: "a" });
    const rx = await connectReceiver(store, "warm-up");
    await tx.send(1);
    await rx.recv();
    await tx.dispose();
    await rx.dispose();
  });
}

/**
 * One PGlite for the whole file: booting one takes seconds. Statistics are
 * off because PostgreSQL 15 arms a timer to flush them when a session goes
 * idle, which the op sanitizer would blame on whichever test ran last.
 */
async function pglite(): Promise<PGlite> {
  if (shared === undefined) {
    shared = new PGlite();
    await shared.query("SET track_counts = off", []);
  }
  await shared.waitReady;
  return shared;
}

/**
 * Runs `fn` against each backend: a `Deno.test` per backend, named
 * `title [backend]`.
 */
export function remoteTest(
  title: string,
  fn: (ctx: Ctx) => Promise<void>,
): void {
  Deno.test(`${title} [pglite]`, async () => {
    const db = await pglite();
    await run("pglite", db, fn);
  });
  if (PG_URL !== undefined) {
    Deno.test(`${title} [postgres]`, async () => {
      const p = pool(PG_URL);
      try {
        await run("postgres", p, fn);
      } finally {
        await p.end();
      }
    });
  }
}

async function run(
  backend: "pglite" | "postgres",
  client: PgClient,
  fn: (ctx: Ctx) => Promise<void>,
): Promise<void> {
  const schema = `t${Date.now().toString(36)}_${++counter}_${
    Math.floor(Math.random() * 1e6)
  }`;
  const stores: PgStore[] = [];
  const ctx: Ctx = {
    backend,
    schema,
    client,
    store(options) {
      const store = pgStore(client, { schema, ...options });
      stores.push(store);
      return store;
    },
    async rows(text, params = []) {
      const sql = text.replaceAll("$t", `"${schema}".mpsc_`);
      return (await client.query(sql, params)).rows;
    },
  };
  try {
    await fn(ctx);
  } finally {
    for (const store of stores) await store.close();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`, []);
  }
}
