/**
 * Structural fingerprints of worlds: a 128-bit hash of a world's JSON structure computed bottom-up, one
 * hash per object, cached per object. A step of the model copies only the path it changes and shares every
 * other object with the parent world (model/step.ts), so fingerprinting a successor hashes only the objects
 * the step created (about a dozen of a world's 80-170) and looks the shared ones up in the cache.
 *
 * What is hashed. For every object, in `Object.keys` order (the order JSON.stringify writes): each key and
 * its value; a value is tagged by its JSON type (number, string, boolean, null, array, object) and, for a
 * number, its IEEE-754 bits. Two worlds with the same JSON text therefore have the same fingerprint, so
 * deduplication by fingerprint never keeps a state twice that the JSON encoding would merge (except -0,
 * which JSON writes as 0: such a world would only be kept twice, never missed; the model stores no -0).
 * Two different worlds share a fingerprint only by a hash collision. The hash is MurmurHash3's x86 128-bit
 * mixing (four 32-bit lanes, the same body and finalisation constants) applied to the words above, with a
 * child object contributing its own four finalised words; it is not cryptographic, but the inputs are model
 * states, not adversarial data. For n distinct states the collision probability of an ideal 128-bit hash is
 * about n²/2¹²⁹ (below 10⁻²⁴ for 10⁷ states); checker/fingerprint.test.ts checks on every state of the
 * complete lifecycle graphs and of large nvme-hvm prefixes that distinct JSON texts get distinct fingerprints.
 *
 * The world's `audit` (the history variable of the last step, model/world.ts) is hashed as an empty array,
 * as the explorer's state encoding does (explore-core.ts `stateEncoding`).
 *
 * The fingerprint is a 16-character one-byte ('binary') string, like the SHA-1 fingerprints it replaces (20
 * characters), so it can be a Set key, a Map key, or packed into bytes.
 */
import type { World } from '../model/world.ts';

type H = readonly [number, number, number, number];

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

/** Running state of one object's hash (reused, one per nesting depth: see `hashOf`). */
class Acc {
  h1 = 0;
  h2 = 0;
  h3 = 0;
  h4 = 0;
  n = 0;
  reset(seed: number): void {
    this.h1 = seed;
    this.h2 = seed ^ 0x5bd1e995;
    this.h3 = seed ^ 0x1b873593;
    this.h4 = seed ^ 0xcc9e2d51;
    this.n = 0;
  }
  /** Feed four 32-bit words (one MurmurHash3 x86_128 block). */
  block(k1: number, k2: number, k3: number, k4: number): void {
    k1 = Math.imul(k1, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, C2);
    let h1 = this.h1 ^ k1;
    h1 = (h1 << 19) | (h1 >>> 13);
    h1 = (h1 + this.h2) | 0;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;

    k2 = Math.imul(k2, C2);
    k2 = (k2 << 16) | (k2 >>> 16);
    k2 = Math.imul(k2, C3);
    let h2 = this.h2 ^ k2;
    h2 = (h2 << 17) | (h2 >>> 15);
    h2 = (h2 + this.h3) | 0;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;

    k3 = Math.imul(k3, C3);
    k3 = (k3 << 17) | (k3 >>> 15);
    k3 = Math.imul(k3, C4);
    let h3 = this.h3 ^ k3;
    h3 = (h3 << 15) | (h3 >>> 17);
    h3 = (h3 + this.h4) | 0;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;

    k4 = Math.imul(k4, C4);
    k4 = (k4 << 18) | (k4 >>> 14);
    k4 = Math.imul(k4, C1);
    let h4 = this.h4 ^ k4;
    h4 = (h4 << 13) | (h4 >>> 19);
    h4 = (h4 + h1) | 0;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;

    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
    this.h4 = h4;
    this.n++;
  }
  finish(): H {
    const len = this.n * 16;
    let h1 = this.h1 ^ len;
    let h2 = this.h2 ^ len;
    let h3 = this.h3 ^ len;
    let h4 = this.h4 ^ len;
    h1 = (h1 + h2 + h3 + h4) | 0;
    h2 = (h2 + h1) | 0;
    h3 = (h3 + h1) | 0;
    h4 = (h4 + h1) | 0;
    h1 = fmix(h1);
    h2 = fmix(h2);
    h3 = fmix(h3);
    h4 = fmix(h4);
    h1 = (h1 + h2 + h3 + h4) | 0;
    h2 = (h2 + h1) | 0;
    h3 = (h3 + h1) | 0;
    h4 = (h4 + h1) | 0;
    return [h1, h2, h3, h4];
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

const enum Tag {
  Number = 1,
  String = 2,
  True = 3,
  False = 4,
  Null = 5,
  Array = 6,
  Object = 7,
  Key = 8,
}

/** Hash of a string (keys and string values): its UTF-16 code units, four per block. */
const stringHashes = new Map<string, H>();
function hashString(s: string): H {
  let h = stringHashes.get(s);
  if (h) return h;
  const a = new Acc();
  a.reset(Tag.String);
  const n = s.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) a.block(s.charCodeAt(i), s.charCodeAt(i + 1), s.charCodeAt(i + 2), s.charCodeAt(i + 3));
  a.block(i < n ? s.charCodeAt(i) : -1, i + 1 < n ? s.charCodeAt(i + 1) : -1, i + 2 < n ? s.charCodeAt(i + 2) : -1, n);
  h = a.finish();
  if (stringHashes.size < 100_000) stringHashes.set(s, h);
  return h;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Per-object hashes. Objects of stored worlds are never changed after the step that made them. */
const cache = new WeakMap<object, H>();

const EMPTY_ARRAY: H = (() => {
  const a = new Acc();
  a.reset(Tag.Array);
  return a.finish();
})();

function feed(a: Acc, v: unknown): void {
  switch (typeof v) {
    case 'number':
      if ((v | 0) === v && !Object.is(v, -0)) a.block(Tag.Number, v, 0, 0);
      else {
        f64[0] = v;
        a.block(Tag.Number, u32[0]!, u32[1]!, 1);
      }
      return;
    case 'string': {
      const h = hashString(v);
      a.block(h[0], h[1], h[2], h[3]);
      return;
    }
    case 'boolean':
      a.block(v ? Tag.True : Tag.False, 0, 0, 0);
      return;
    case 'object': {
      if (v === null) {
        a.block(Tag.Null, 0, 0, 0);
        return;
      }
      const h = hashOf(v);
      a.block(h[0], h[1], h[2], h[3]);
      return;
    }
    default:
      throw new Error(`fingerprint: a world holds a ${typeof v}, which is not JSON data`);
  }
}

/** Accumulators by nesting depth (a child's hash is finished before its parent's resumes). */
const pool: Acc[] = [];
let depth = 0;

/** The hash of a (JSON) object or array, cached. */
function hashOf(o: object): H {
  const c = cache.get(o);
  if (c) return c;
  const a = pool[depth] ?? (pool[depth] = new Acc());
  depth++;
  try {
    return hashFresh(o, a);
  } finally {
    depth--;
  }
}

function hashFresh(o: object, a: Acc): H {
  if (Array.isArray(o)) {
    a.reset(Tag.Array);
    for (let i = 0; i < o.length; i++) feed(a, o[i]);
  } else {
    a.reset(Tag.Object);
    const keys = Object.keys(o);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = (o as Record<string, unknown>)[k];
      if (v === undefined) continue; // JSON.stringify drops it too
      const kh = hashString(k);
      a.block(Tag.Key ^ kh[0], kh[1], kh[2], kh[3]);
      feed(a, v);
    }
  }
  const h = a.finish();
  cache.set(o, h);
  return h;
}

/** The world's hash with its `audit` taken as empty (the root is not cached: it is hashed once). */
function worldHash(w: World): H {
  const a = pool[depth] ?? (pool[depth] = new Acc());
  depth++;
  try {
    return worldHashWith(w, a);
  } finally {
    depth--;
  }
}

function worldHashWith(w: World, a: Acc): H {
  a.reset(Tag.Object);
  const keys = Object.keys(w);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = (w as unknown as Record<string, unknown>)[k];
    if (v === undefined) continue;
    const kh = hashString(k);
    a.block(Tag.Key ^ kh[0], kh[1], kh[2], kh[3]);
    if (k === 'audit') a.block(EMPTY_ARRAY[0], EMPTY_ARRAY[1], EMPTY_ARRAY[2], EMPTY_ARRAY[3]);
    else feed(a, v);
  }
  return a.finish();
}

/** The 16-character one-byte string of a world's structural fingerprint (its audit taken as empty). */
export function worldFingerprint(w: World): string {
  const h = worldHash(w);
  return String.fromCharCode(
    h[0] & 255, (h[0] >>> 8) & 255, (h[0] >>> 16) & 255, h[0] >>> 24,
    h[1] & 255, (h[1] >>> 8) & 255, (h[1] >>> 16) & 255, h[1] >>> 24,
    h[2] & 255, (h[2] >>> 8) & 255, (h[2] >>> 16) & 255, h[2] >>> 24,
    h[3] & 255, (h[3] >>> 8) & 255, (h[3] >>> 16) & 255, h[3] >>> 24,
  );
}
