// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Internal: the tables and functions of remote channels, as SQL text built
// from validated schema and prefix names only.
//
// Every operation of a handle is one call of one of these functions, so it
// runs as one statement in one transaction: no transaction stays open across
// an `await` of ours, and one connection can serve many handles. Values
// (channel names, sender ids, messages) are always parameters; the only
// names spliced into SQL text are the schema and the table prefix, checked
// against a strict pattern by `remote_store.ts` before they get here.
//
// The channel's row is the one place where its state changes, under its row
// lock:
// - `tail` is the position of the last message added, `head` the last one
//   acknowledged (deleted). Positions are taken from `tail` under the lock,
//   so they have no gaps and follow commit order; `tail - head` is the exact
//   count the capacity limits (delivered but unacknowledged messages still
//   count).
// - The hot paths (a send that fits, a receive that finds messages) write
//   the channel's row once, with `UPDATE ... RETURNING`: `prev_head`,
//   `rx_was` and `tx_was` are set from the old values in the same UPDATE
//   (SET expressions read the row as it was), which is how the function
//   learns what it changed without a `SELECT ... FOR UPDATE` first (a row
//   lock is a write of its own).
// - `epoch` fences receivers: connecting one increments it, and every call
//   of an older receiver finds a different number and fails.
// - `rx_waiting` / `tx_waiting` say that a receiver found nothing, or a
//   sender found no room, so that the other side sends a NOTIFY only when
//   someone listens for it (a NOTIFY serializes commits in PostgreSQL).
// A sender's row keeps its last sequence number (what makes a retried send
// idempotent), its own fencing epoch (a second process connecting with the
// same id replaces the first) and its lease (NULL once disposed).
//
// Lock order, to keep deadlocks out: a sender's row before its channel's
// row. Inside these functions each statement takes a fresh snapshot (READ
// COMMITTED), so what a function reads after taking a row lock includes
// every commit that released it.

/** Names of the SQL objects for one schema and prefix (already validated). */
export interface SqlNames {
  /** The schema, as given. */
  readonly schema: string;
  /** The table prefix, as given. */
  readonly prefix: string;
  /** The NOTIFY channel that wakes waiters (an identifier). */
  readonly wake: string;
  /** `SELECT ... FROM` calls of each function, with their parameters. */
  readonly connectSender: string;
  readonly send: string;
  readonly renewSender: string;
  readonly releaseSender: string;
  readonly connectReceiver: string;
  readonly recv: string;
  readonly renewReceiver: string;
  readonly releaseReceiver: string;
  readonly close: string;
  readonly status: string;
  readonly createChannel: string;
  /** The one statement that creates the tables and functions if missing. */
  readonly setup: string;
}

/** Double-quotes an identifier that already matched the strict pattern. */
function ident(name: string): string {
  return `"${name}"`;
}

/** Builds every SQL text for `schema` and `prefix`. */
export function sqlNames(schema: string, prefix: string): SqlNames {
  const s = ident(schema);
  const t = (name: string) => `${s}.${ident(prefix + name)}`;
  const channels = t("channels");
  const senders = t("senders");
  const messages = t("messages");
  const wake = `${schema}_${prefix}wake`;
  const fn = (name: string) => t(name);
  // The functions' qualified names, as single tokens so the SQL stays whole.
  const fClose = fn("close");
  const fConnectReceiver = fn("connect_receiver");
  const fConnectSender = fn("connect_sender");
  const fCreate = fn("create");
  const fRecv = fn("recv");
  const fReleaseReceiver = fn("release_receiver");
  const fReleaseSender = fn("release_sender");
  const fSend = fn("send");
  // Whether any sender still counts: not disposed and its lease not expired.
  const liveSenders =
    `EXISTS (SELECT 1 FROM ${senders} WHERE channel = p_channel AND lease_until > clock_timestamp())`;
  const lease =
    `clock_timestamp() + make_interval(secs => p_lease_ms / 1000.0)`;
  const setup = `DO $mpsc$
BEGIN
  -- One setup at a time: concurrent CREATE OR REPLACE FUNCTION calls fail.
  PERFORM pg_advisory_xact_lock(hashtext(${lit(`mpsc:${schema}.${prefix}`)}));
  IF to_regprocedure(${
    lit(`${s}.${ident(prefix + "recv")}(text,bigint,bigint,integer,integer)`)
  }) IS NOT NULL THEN
    RETURN;
  END IF;
  CREATE SCHEMA IF NOT EXISTS ${s};
  CREATE TABLE IF NOT EXISTS ${channels} (
    name text PRIMARY KEY,
    capacity bigint NOT NULL,
    max_bytes integer NOT NULL,
    keep_open boolean NOT NULL,
    tail bigint NOT NULL DEFAULT 0,
    head bigint NOT NULL DEFAULT 0,
    prev_head bigint NOT NULL DEFAULT 0,
    closed boolean NOT NULL DEFAULT false,
    had_sender boolean NOT NULL DEFAULT false,
    epoch bigint NOT NULL DEFAULT 0,
    lease_until timestamptz,
    rx_waiting boolean NOT NULL DEFAULT false,
    tx_waiting boolean NOT NULL DEFAULT false,
    rx_was boolean NOT NULL DEFAULT false,
    tx_was boolean NOT NULL DEFAULT false
  );
  CREATE TABLE IF NOT EXISTS ${senders} (
    channel text NOT NULL,
    id text NOT NULL,
    epoch bigint NOT NULL,
    seq bigint NOT NULL DEFAULT 0,
    lease_until timestamptz,
    PRIMARY KEY (channel, id)
  );
  CREATE TABLE IF NOT EXISTS ${messages} (
    channel text NOT NULL,
    pos bigint NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (channel, pos)
  );

  CREATE OR REPLACE FUNCTION ${fCreate}(p_channel text, p_capacity bigint, p_max_bytes integer, p_keep_open boolean)
  RETURNS TABLE (o_state text, o_capacity bigint, o_max_bytes integer, o_keep_open boolean)
  LANGUAGE plpgsql AS $f$
  DECLARE c record;
  BEGIN
    INSERT INTO ${channels} (name, capacity, max_bytes, keep_open)
      VALUES (p_channel, p_capacity, p_max_bytes, p_keep_open)
      ON CONFLICT (name) DO NOTHING;
    SELECT * INTO c FROM ${channels} WHERE name = p_channel;
    RETURN QUERY SELECT 'ok'::text, c.capacity, c.max_bytes, c.keep_open;
  END $f$;

  CREATE OR REPLACE FUNCTION ${fConnectSender}(p_channel text, p_id text, p_lease_ms integer)
  RETURNS TABLE (o_state text, o_epoch bigint, o_seq bigint, o_capacity bigint, o_max_bytes integer)
  LANGUAGE plpgsql AS $f$
  DECLARE c record; s record;
  BEGIN
    PERFORM 1 FROM ${senders} WHERE channel = p_channel AND id = p_id FOR UPDATE;
    SELECT * INTO c FROM ${channels} WHERE name = p_channel FOR UPDATE;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'missing'::text, 0::bigint, 0::bigint, 0::bigint, 0; RETURN;
    END IF;
    -- Ended for good: closed, or every sender gone and the queue drained.
    IF c.closed OR (c.had_sender AND NOT c.keep_open AND c.head = c.tail AND NOT ${liveSenders}) THEN
      UPDATE ${channels} SET closed = true WHERE name = p_channel AND NOT closed;
      RETURN QUERY SELECT 'closed'::text, 0::bigint, 0::bigint, c.capacity, c.max_bytes; RETURN;
    END IF;
    INSERT INTO ${senders} AS x (channel, id, epoch, seq, lease_until)
      VALUES (p_channel, p_id, 1, 0, ${lease})
      ON CONFLICT (channel, id) DO UPDATE SET epoch = x.epoch + 1, lease_until = ${lease}
      RETURNING x.epoch, x.seq INTO s;
    IF NOT c.had_sender THEN
      UPDATE ${channels} SET had_sender = true WHERE name = p_channel;
    END IF;
    RETURN QUERY SELECT 'ok'::text, s.epoch, s.seq, c.capacity, c.max_bytes;
  END $f$;

  -- A scalar result: the hot path skips the tuple store of RETURN QUERY.
  CREATE OR REPLACE FUNCTION ${fSend}(p_channel text, p_id text, p_epoch bigint, p_first bigint, p_bodies text[], p_lease_ms integer, p_wait boolean)
  RETURNS text
  LANGUAGE plpgsql AS $f$
  DECLARE c record; s record; r record; n integer := coalesce(cardinality(p_bodies), 0);
  BEGIN
    -- The hot path in one statement: the sender's row first (the lock
    -- order) takes the batch's numbers, then the channel's row takes the
    -- positions if the batch fits, then the messages go in. Later CTEs run
    -- only on what earlier ones returned, so nothing moves unless all do.
    WITH took AS (
      UPDATE ${senders} SET seq = p_first + n - 1, lease_until = ${lease}
        WHERE channel = p_channel AND id = p_id AND epoch = p_epoch AND seq = p_first - 1
        RETURNING 1
    ), moved AS (
      UPDATE ${channels} SET tail = tail + n, rx_was = rx_waiting, rx_waiting = false
        WHERE name = p_channel AND NOT closed AND tail - head + n <= capacity
          AND NOT EXISTS (SELECT 1 FROM unnest(p_bodies) AS b WHERE octet_length(b) > max_bytes)
          AND EXISTS (SELECT 1 FROM took)
        RETURNING tail - n AS start, rx_was
    ), added AS (
      INSERT INTO ${messages} (channel, pos, body)
        SELECT p_channel, moved.start + o, b FROM moved, unnest(p_bodies) WITH ORDINALITY AS u(b, o)
    )
    SELECT (SELECT count(*) FROM took) AS took, moved.start, moved.rx_was
      FROM (VALUES (1)) AS one LEFT JOIN moved ON true
      INTO r;
    IF r.start IS NOT NULL THEN
      IF r.rx_was THEN
        PERFORM pg_notify(${lit(wake)}, 'r' || p_channel);
      END IF;
      RETURN 'ok';
    END IF;
    IF r.took = 0 THEN
      SELECT epoch, seq INTO s FROM ${senders} WHERE channel = p_channel AND id = p_id;
      -- A retry of a batch that was committed (its reply was lost).
      IF FOUND AND s.epoch = p_epoch AND s.seq >= p_first + n - 1 THEN
        RETURN 'dup';
      END IF;
      RETURN 'fenced';
    END IF;
    -- Not enqueued: the sender keeps these numbers for its next try.
    UPDATE ${senders} SET seq = p_first - 1 WHERE channel = p_channel AND id = p_id;
    SELECT * INTO c FROM ${channels} WHERE name = p_channel FOR UPDATE;
    IF NOT FOUND THEN
      RETURN 'missing';
    END IF;
    IF c.closed THEN
      RETURN 'closed';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_bodies) AS b WHERE octet_length(b) > c.max_bytes) THEN
      RETURN 'too_large';
    END IF;
    IF p_wait AND NOT c.tx_waiting THEN
      UPDATE ${channels} SET tx_waiting = true WHERE name = p_channel;
    END IF;
    RETURN 'full';
  END $f$;

  CREATE OR REPLACE FUNCTION ${fReleaseSender}(p_channel text, p_id text, p_epoch bigint)
  RETURNS TABLE (o_state text)
  LANGUAGE plpgsql AS $f$
  DECLARE c record;
  BEGIN
    UPDATE ${senders} SET lease_until = NULL
      WHERE channel = p_channel AND id = p_id AND epoch = p_epoch;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'fenced'::text; RETURN;
    END IF;
    -- Under the channel's lock, so a receiver that is about to wait sees
    -- this sender gone, or is woken.
    SELECT rx_waiting INTO c FROM ${channels} WHERE name = p_channel FOR UPDATE;
    IF FOUND AND c.rx_waiting THEN
      UPDATE ${channels} SET rx_waiting = false WHERE name = p_channel;
      PERFORM pg_notify(${lit(wake)}, 'r' || p_channel);
    END IF;
    RETURN QUERY SELECT 'ok'::text;
  END $f$;

  CREATE OR REPLACE FUNCTION ${fConnectReceiver}(p_channel text, p_lease_ms integer)
  RETURNS TABLE (o_state text, o_epoch bigint, o_head bigint)
  LANGUAGE plpgsql AS $f$
  DECLARE c record;
  BEGIN
    SELECT * INTO c FROM ${channels} WHERE name = p_channel FOR UPDATE;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'missing'::text, 0::bigint, 0::bigint; RETURN;
    END IF;
    IF c.lease_until IS NOT NULL AND c.lease_until > clock_timestamp() THEN
      RETURN QUERY SELECT 'held'::text, 0::bigint, 0::bigint; RETURN;
    END IF;
    UPDATE ${channels} SET epoch = epoch + 1, lease_until = ${lease}
      WHERE name = p_channel;
    RETURN QUERY SELECT 'ok'::text, c.epoch + 1, c.head;
  END $f$;

  CREATE OR REPLACE FUNCTION ${fRecv}(p_channel text, p_epoch bigint, p_ack bigint, p_limit integer, p_lease_ms integer)
  RETURNS TABLE (o_state text, o_bodies text[])
  LANGUAGE plpgsql AS $f$
  DECLARE c record; got text[]; k integer; ended boolean; was boolean;
  BEGIN
    -- Asking for the next acknowledges what came before (never past tail).
    UPDATE ${channels} SET prev_head = head,
        head = greatest(head, least(p_ack, tail)),
        tx_was = tx_waiting,
        tx_waiting = tx_waiting AND NOT least(p_ack, tail) > head,
        lease_until = ${lease}
      WHERE name = p_channel AND epoch = p_epoch
      RETURNING prev_head, head, tx_was, closed, had_sender, keep_open INTO c;
    IF NOT FOUND THEN
      PERFORM 1 FROM ${channels} WHERE name = p_channel;
      RETURN QUERY SELECT CASE WHEN FOUND THEN 'fenced' ELSE 'missing' END, NULL::text[];
      RETURN;
    END IF;
    IF c.head > c.prev_head THEN
      DELETE FROM ${messages} WHERE channel = p_channel AND pos > c.prev_head AND pos <= c.head;
      IF c.tx_was THEN
        PERFORM pg_notify(${lit(wake)}, 's' || p_channel);
      END IF;
    END IF;
    IF p_limit > 0 THEN
      SELECT array_agg(body ORDER BY pos) INTO got FROM (
        SELECT pos, body FROM ${messages} WHERE channel = p_channel AND pos > c.head
        ORDER BY pos LIMIT p_limit
      ) AS m;
    END IF;
    k := coalesce(cardinality(got), 0);
    IF k > 0 THEN
      RETURN QUERY SELECT 'ok'::text, got; RETURN;
    END IF;
    -- Nothing to hand out: the stream ended, or the receiver will wait.
    ended := c.closed OR (c.had_sender AND NOT c.keep_open AND NOT ${liveSenders});
    UPDATE ${channels} SET rx_waiting = NOT ended, closed = closed OR ended,
        tx_was = tx_waiting, tx_waiting = tx_waiting AND NOT ended
      WHERE name = p_channel
      RETURNING tx_was INTO was;
    IF ended AND was THEN
      PERFORM pg_notify(${lit(wake)}, 's' || p_channel);
    END IF;
    RETURN QUERY SELECT CASE WHEN ended THEN 'ended' ELSE 'empty' END, NULL::text[];
  END $f$;

  CREATE OR REPLACE FUNCTION ${fReleaseReceiver}(p_channel text, p_epoch bigint, p_ack bigint)
  RETURNS TABLE (o_state text)
  LANGUAGE plpgsql AS $f$
  DECLARE c record; ack bigint;
  BEGIN
    SELECT * INTO c FROM ${channels} WHERE name = p_channel FOR UPDATE;
    IF NOT FOUND OR c.epoch <> p_epoch THEN
      RETURN QUERY SELECT 'fenced'::text; RETURN;
    END IF;
    ack := greatest(c.head, least(p_ack, c.tail));
    IF ack > c.head THEN
      DELETE FROM ${messages} WHERE channel = p_channel AND pos > c.head AND pos <= ack;
    END IF;
    UPDATE ${channels} SET head = ack, lease_until = NULL,
        rx_waiting = false, tx_waiting = tx_waiting AND NOT ack > c.head
      WHERE name = p_channel;
    IF c.tx_waiting AND ack > c.head THEN
      PERFORM pg_notify(${lit(wake)}, 's' || p_channel);
    END IF;
    RETURN QUERY SELECT 'ok'::text;
  END $f$;

  CREATE OR REPLACE FUNCTION ${fClose}(p_channel text, p_epoch bigint)
  RETURNS TABLE (o_state text)
  LANGUAGE plpgsql AS $f$
  BEGIN
    UPDATE ${channels} SET closed = true, tx_waiting = false
      WHERE name = p_channel AND epoch = p_epoch;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'fenced'::text; RETURN;
    END IF;
    -- Closing is rare: wake every waiting sender and every closed() call.
    PERFORM pg_notify(${lit(wake)}, 's' || p_channel);
    RETURN QUERY SELECT 'ok'::text;
  END $f$;
END
$mpsc$`;
  return {
    schema,
    prefix,
    wake,
    setup,
    createChannel:
      `SELECT o_state AS state, o_capacity::text AS capacity, o_max_bytes AS max_bytes, o_keep_open AS keep_open FROM ${fCreate}($1, $2, $3, $4)`,
    connectSender:
      `SELECT o_state AS state, o_epoch::text AS epoch, o_seq::text AS seq, o_capacity::text AS capacity, o_max_bytes AS max_bytes FROM ${fConnectSender}($1, $2, $3)`,
    send: `SELECT ${fSend}($1, $2, $3, $4, $5::text[], $6, $7) AS state`,
    renewSender:
      `UPDATE ${senders} SET lease_until = clock_timestamp() + make_interval(secs => $4 / 1000.0) WHERE channel = $1 AND id = $2 AND epoch = $3 AND lease_until IS NOT NULL RETURNING 1 AS ok`,
    releaseSender: `SELECT o_state AS state FROM ${fReleaseSender}($1, $2, $3)`,
    connectReceiver:
      `SELECT o_state AS state, o_epoch::text AS epoch, o_head::text AS head FROM ${fConnectReceiver}($1, $2)`,
    recv:
      `SELECT o_state AS state, o_bodies AS bodies FROM ${fRecv}($1, $2, $3, $4, $5)`,
    renewReceiver:
      `UPDATE ${channels} SET lease_until = clock_timestamp() + make_interval(secs => $3 / 1000.0) WHERE name = $1 AND epoch = $2 RETURNING 1 AS ok`,
    releaseReceiver:
      `SELECT o_state AS state FROM ${fReleaseReceiver}($1, $2, $3)`,
    close: `SELECT o_state AS state FROM ${fClose}($1, $2)`,
    status: `SELECT closed FROM ${channels} WHERE name = $1`,
  };
}

/** A SQL string literal of text that matched the strict name pattern. */
function lit(text: string): string {
  return `'${text}'`;
}
