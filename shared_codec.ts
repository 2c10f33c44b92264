// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Codecs: how a shared channel turns a message into the bytes of its slot and back.
//
// The one-thread channel (`block.ts`, `list.ts`) stores references to the
// values themselves; across Workers only bytes can be shared, so a shared
// channel's slots hold each message encoded by a codec, written straight
// into the slot and read straight out of it.

/**
 * Turns messages of type `T` into the bytes of a shared channel's slot and
 * back. A codec writes into the slot itself (no buffer in between) and must
 * not write more than `limit` bytes from `offset`: the bytes after belong to
 * the next slot. Give `byteLength` when every value encodes to the same
 * size (a fixed-size struct): the channel then checks it against
 * `slotBytes` once, when it is created.
 *
 * The codec runs on the sending thread (`encode`) and on the receiving
 * thread (`decode`); pass the same codec on both sides (the built-in ones
 * are found again from the token).
 *
 * @typeParam T The type of the messages.
 *
 * @example A codec for a fixed-size struct
 * ```ts
 * import { type Codec, sharedChannel } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * interface Point {
 *   x: number;
 *   y: number;
 * }
 * const point: Codec<Point> = {
 *   byteLength: 16,
 *   encode(value, _bytes, view, offset) {
 *     view.setFloat64(offset, value.x, true);
 *     view.setFloat64(offset + 8, value.y, true);
 *     return 16;
 *   },
 *   decode(_bytes, view, offset) {
 *     return { x: view.getFloat64(offset, true), y: view.getFloat64(offset + 8, true) };
 *   },
 * };
 * const [tx, rx] = sharedChannel(4, { codec: point });
 * tx.trySend({ x: 1, y: 2 });
 * assertEquals(rx.tryRecv(), { x: 1, y: 2 });
 * tx.dispose();
 * rx.dispose();
 * ```
 */
export interface Codec<T> {
  /**
   * The size of every encoding, if fixed: a channel whose `slotBytes` is
   * smaller is refused when created.
   */
  readonly byteLength?: number | undefined;
  /**
   * The size of `value`'s encoding, if the codec can tell it cheaply. When
   * given, a sender calls it before it takes any room, so a value too large
   * for its slot fails without using a slot; without it, such a value fails
   * in `encode`, and its slot comes back when the receiver passes it. It may
   * also throw a `TypeError` for a value of the wrong type.
   *
   * @param value The message.
   * @returns The number of bytes `encode` will need.
   */
  byteLengthOf?(value: T): number;
  /**
   * Writes `value` into `bytes` (and `view`, over the same memory) from
   * `offset`, using at most `limit` bytes.
   *
   * @param value The message.
   * @param bytes The shared memory, as bytes.
   * @param view The same memory, as a `DataView`.
   * @param offset Where the slot starts.
   * @param limit The slot's size (`slotBytes`).
   * @returns How many bytes the encoding takes. If that is more than
   * `limit`, the send fails with a `RangeError` and what was written is
   * ignored.
   */
  encode(
    value: T,
    bytes: Uint8Array,
    view: DataView,
    offset: number,
    limit: number,
  ): number;
  /**
   * Reads a message back from the `length` bytes at `offset`.
   *
   * @param bytes The shared memory, as bytes.
   * @param view The same memory, as a `DataView`.
   * @param offset Where the slot starts.
   * @param length How many bytes `encode` said it took.
   * @returns The message.
   */
  decode(bytes: Uint8Array, view: DataView, offset: number, length: number): T;
}

/**
 * The JSON codec's type: it encodes any JSON value and decodes to the type
 * the channel was created with.
 *
 * @example Usage
 * ```ts
 * import { codecs, type JsonCodec } from "@seed/mpsc/shared";
 * import { assert } from "@std/assert";
 *
 * const codec: JsonCodec = codecs.json;
 * assert(typeof codec.encode === "function");
 * ```
 */
export interface JsonCodec {
  /** Always undefined: JSON text has no fixed size. */
  readonly byteLength?: undefined;
  /**
   * Writes `JSON.stringify(value)` as UTF-8 (nothing at all for
   * `undefined`).
   *
   * @param value The message.
   * @param bytes The shared memory, as bytes.
   * @param view The same memory, as a `DataView`.
   * @param offset Where the slot starts.
   * @param limit The slot's size.
   * @returns How many bytes the text takes.
   */
  encode(
    value: unknown,
    bytes: Uint8Array,
    view: DataView,
    offset: number,
    limit: number,
  ): number;
  /**
   * Parses the text back (no bytes: `undefined`).
   *
   * @typeParam T The type of the messages.
   * @param bytes The shared memory, as bytes.
   * @param view The same memory, as a `DataView`.
   * @param offset Where the slot starts.
   * @param length The text's length in bytes.
   * @returns The message.
   */
  decode<T>(
    bytes: Uint8Array,
    view: DataView,
    offset: number,
    length: number,
  ): T;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes `text` as UTF-8; returns its length, or more than `limit`. */
function encodeText(
  text: string,
  bytes: Uint8Array,
  offset: number,
  limit: number,
): number {
  // Short ASCII text (the common case) is copied without a view.
  if (text.length <= limit && text.length <= 64) {
    let i = 0;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) break;
      bytes[offset + i] = c;
    }
    if (i === text.length) return i;
  }
  const { read, written } = encoder.encodeInto(
    text,
    bytes.subarray(offset, offset + limit),
  );
  return read === text.length ? written : encoder.encode(text).length;
}

/** Reads `length` bytes of UTF-8 (copied: decoders refuse shared memory). */
function decodeText(bytes: Uint8Array, offset: number, length: number): string {
  return decoder.decode(bytes.slice(offset, offset + length));
}

function typeName(value: unknown): string {
  return value === null ? "null" : typeof value;
}

function checkBytes(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot send value: codecs.bytes sends Uint8Array values, received ${
        typeName(value)
      }`,
    );
  }
}

function checkString(value: unknown): asserts value is string {
  if (typeof value !== "string") {
    throw new TypeError(
      `Cannot send value: codecs.string sends strings, received ${
        typeName(value)
      }`,
    );
  }
}

/** The UTF-8 length of `text`, counted without encoding it. */
function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      length += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        // A surrogate pair: 4 bytes for 2 UTF-16 units.
        length += 2;
        i++;
      } else {
        length += 2;
      }
    } else {
      // Three bytes (a lone surrogate becomes U+FFFD, also three).
      length += 2;
    }
  }
  return length;
}

const bytes: Codec<Uint8Array> = {
  byteLengthOf(value) {
    checkBytes(value);
    return value.length;
  },
  encode(value, target, _view, offset, limit) {
    checkBytes(value);
    if (value.length <= limit) target.set(value, offset);
    return value.length;
  },
  decode(source, _view, offset, length) {
    // A copy on an ordinary ArrayBuffer: the caller owns it.
    return source.slice(offset, offset + length);
  },
};

const number: Codec<number> = {
  byteLength: 8,
  byteLengthOf(value) {
    if (typeof value !== "number") {
      throw new TypeError(
        `Cannot send value: codecs.number sends numbers, received ${
          typeName(value)
        }`,
      );
    }
    return 8;
  },
  encode(value, _bytes, view, offset, limit) {
    if (typeof value !== "number") {
      throw new TypeError(
        `Cannot send value: codecs.number sends numbers, received ${
          typeName(value)
        }`,
      );
    }
    if (limit >= 8) view.setFloat64(offset, value, true);
    return 8;
  },
  decode(_bytes, view, offset) {
    return view.getFloat64(offset, true);
  },
};

const string: Codec<string> = {
  byteLengthOf(value) {
    checkString(value);
    return utf8Length(value);
  },
  encode(value, target, _view, offset, limit) {
    checkString(value);
    return encodeText(value, target, offset, limit);
  },
  decode(source, _view, offset, length) {
    return decodeText(source, offset, length);
  },
};

const json: JsonCodec = {
  encode(value, target, _view, offset, limit) {
    const text = JSON.stringify(value);
    return text === undefined ? 0 : encodeText(text, target, offset, limit);
  },
  decode<T>(
    source: Uint8Array,
    _view: DataView,
    offset: number,
    length: number,
  ): T {
    return (length === 0 ? undefined : JSON.parse(
      decodeText(source, offset, length),
    )) as T;
  },
};

/**
 * The built-in codecs.
 *
 * - `bytes` (the default): `Uint8Array` messages; `recv` returns a copy
 *   the caller owns.
 * - `number`: numbers as 8-byte floats.
 * - `string`: strings as UTF-8.
 * - `json`: any JSON value (and `undefined`), as UTF-8 JSON text.
 *
 * @example Sending strings
 * ```ts
 * import { codecs, sharedChannel } from "@seed/mpsc/shared";
 * import { assertEquals } from "@std/assert";
 *
 * const [tx, rx] = sharedChannel(2, { slotBytes: 32, codec: codecs.string });
 * tx.trySend("héllo");
 * assertEquals(rx.tryRecv(), "héllo");
 * tx.dispose();
 * rx.dispose();
 * ```
 */
export const codecs: {
  readonly bytes: Codec<Uint8Array>;
  readonly number: Codec<number>;
  readonly string: Codec<string>;
  readonly json: JsonCodec;
} = Object.freeze({ bytes, number, string, json });
