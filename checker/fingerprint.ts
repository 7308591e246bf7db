/**
 * Incremental state fingerprints. A world is JSON data; its fingerprint is the sum, lane by lane modulo 2³², of a
 * 128-bit hash per element of its JSON structure:
 *   - a leaf: (path, value) for every number, string, boolean and null, the path being the keys from the root;
 *   - a shape: (path, kind and ordered key list) for every object, (path, length) for every array.
 * The leaves and shapes determine the JSON text and the JSON text determines them, so two worlds with the same
 * state encoding (explore-core.ts `stateEncoding`: `JSON.stringify` with the last step's `audit` emptied) have
 * the same fingerprint, and two different ones share it only by a hash collision. The sum is what makes it
 * incremental: a step copies only the path it writes and shares every other object with the parent world
 * (model/step.ts, model/cow.ts), so `successorFingerprint` walks the parent and the successor together, descends
 * only where the two hold different objects, and adds the elements the step created and subtracts those it
 * removed: the cost follows the step's changes, not the world's size.
 *
 * Collisions. Element hashes are MurmurHash3 x86_128 mixes of the path hash and the value (with the path hash
 * itself a mix of the parent path's hash and the key); summing them is the additive multiset hash (AdHash). For
 * two different worlds the sums agree with probability about 2⁻¹²⁸ when the element hashes behave as random
 * values, so for n distinct states about n²/2¹²⁹ (below 10⁻²⁴ for 10⁷ states). The inputs are model states, not
 * data chosen to collide. checker/fingerprint.test.ts checks that the fingerprint is a function of the encoding
 * and injective on every state of the complete lifecycle graphs and of large nvme-hvm prefixes, and that the
 * incremental value equals the one computed from scratch at every step of random walks on every scenario.
 */
import type { World } from '../model/world.ts';

/** Four 32-bit lanes. */
export type L = [number, number, number, number];

/** MurmurHash3's 32-bit finaliser (also the reduced identity's, checker/identity.ts). */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** MurmurHash3 x86_128 of one 16-byte block (k1..k4) with seed lanes (s1..s4), into `out`. */
export function mix(s1: number, s2: number, s3: number, s4: number, k1: number, k2: number, k3: number, k4: number, out: L): void {
  let h1 = s1;
  let h2 = s2;
  let h3 = s3;
  let h4 = s4;
  k1 = Math.imul(k1, 0x239b961b);
  k1 = (k1 << 15) | (k1 >>> 17);
  k1 = Math.imul(k1, 0xab0e9789);
  h1 ^= k1;
  h1 = (h1 << 19) | (h1 >>> 13);
  h1 = (h1 + h2) | 0;
  h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
  k2 = Math.imul(k2, 0xab0e9789);
  k2 = (k2 << 16) | (k2 >>> 16);
  k2 = Math.imul(k2, 0x38b34ae5);
  h2 ^= k2;
  h2 = (h2 << 17) | (h2 >>> 15);
  h2 = (h2 + h3) | 0;
  h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
  k3 = Math.imul(k3, 0x38b34ae5);
  k3 = (k3 << 17) | (k3 >>> 15);
  k3 = Math.imul(k3, 0xa1e38b93);
  h3 ^= k3;
  h3 = (h3 << 15) | (h3 >>> 17);
  h3 = (h3 + h4) | 0;
  h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
  k4 = Math.imul(k4, 0xa1e38b93);
  k4 = (k4 << 18) | (k4 >>> 14);
  k4 = Math.imul(k4, 0x239b961b);
  h4 ^= k4;
  h4 = (h4 << 13) | (h4 >>> 19);
  h4 = (h4 + h1) | 0;
  h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  h1 ^= 16;
  h2 ^= 16;
  h3 ^= 16;
  h4 ^= 16;
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
  out[0] = h1;
  out[1] = h2;
  out[2] = (h3 + h1) | 0;
  out[3] = (h4 + h1) | 0;
}

const enum Kind {
  Number = 1,
  String = 2,
  True = 3,
  False = 4,
  Null = 5,
  ArrayShape = 6,
  ObjectShape = 7,
  Key = 8,
  KeyList = 9,
}

/** Hash of a string (a key or a string value), cached: the model uses few distinct strings. */
const strings = new Map<string, L>();
export function stringHash(s: string): Readonly<L> {
  let h = strings.get(s);
  if (h) return h;
  h = [0x9747b28c, 0x85ebca6b, 0xc2b2ae35, s.length];
  const n = s.length;
  for (let i = 0; i < n; i += 4) {
    mix(h[0], h[1], h[2], h[3], s.charCodeAt(i), i + 1 < n ? s.charCodeAt(i + 1) : -1, i + 2 < n ? s.charCodeAt(i + 2) : -1, i + 3 < n ? s.charCodeAt(i + 3) : -1, h);
  }
  if (strings.size < 1 << 16) strings.set(s, h);
  return h;
}

/** The running sum (the fingerprint being computed). */
const sum: L = [0, 0, 0, 0];
const tmp: L = [0, 0, 0, 0];
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function addElement(p: L, kind: number, a: number, b: number, c: number, sign: number): void {
  mix(p[0], p[1], p[2], p[3], kind, a, b, c, tmp);
  if (sign > 0) {
    sum[0] = (sum[0] + tmp[0]) | 0;
    sum[1] = (sum[1] + tmp[1]) | 0;
    sum[2] = (sum[2] + tmp[2]) | 0;
    sum[3] = (sum[3] + tmp[3]) | 0;
  } else {
    sum[0] = (sum[0] - tmp[0]) | 0;
    sum[1] = (sum[1] - tmp[1]) | 0;
    sum[2] = (sum[2] - tmp[2]) | 0;
    sum[3] = (sum[3] - tmp[3]) | 0;
  }
}

function childPath(p: L, key: string): L {
  const k = stringHash(key);
  const out: L = [0, 0, 0, 0];
  mix(p[0] ^ Kind.Key, p[1], p[2], p[3], k[0], k[1], k[2], k[3], out);
  return out;
}

function addLeaf(p: L, v: unknown, sign: number): void {
  switch (typeof v) {
    case 'number':
      if ((v | 0) === v && !Object.is(v, -0)) addElement(p, Kind.Number, v, 0, 0, sign);
      else {
        // JSON writes -0 as 0 and non-finite numbers as null.
        if (!Number.isFinite(v)) addElement(p, Kind.Null, 0, 0, 0, sign);
        else if (v === 0) addElement(p, Kind.Number, 0, 0, 0, sign);
        else {
          f64[0] = v;
          addElement(p, Kind.Number, u32[0]!, u32[1]!, 1, sign);
        }
      }
      return;
    case 'string': {
      const h = stringHash(v);
      addElement(p, Kind.String ^ (h[3] << 4), h[0], h[1], h[2], sign);
      return;
    }
    case 'boolean':
      addElement(p, v ? Kind.True : Kind.False, 0, 0, 0, sign);
      return;
    default:
      if (v === null) {
        addElement(p, Kind.Null, 0, 0, 0, sign);
        return;
      }
      throw new Error(`fingerprint: a world holds a ${typeof v}, which is not JSON data`);
  }
}

/** The shape element of an object: its ordered key list. */
function addObjectShape(p: L, keys: readonly string[], sign: number): void {
  const h: L = [Kind.KeyList, keys.length, 0, 0];
  for (let i = 0; i < keys.length; i++) {
    const k = stringHash(keys[i]!);
    mix(h[0], h[1], h[2], h[3], k[0], k[1], k[2], k[3], h);
  }
  addElement(p, Kind.ObjectShape, h[0], h[1], h[2] ^ h[3], sign);
}

/** Keys JSON writes for a plain object: own enumerable keys whose value is not undefined or a function. */
function jsonKeys(o: object): string[] {
  const ks = Object.keys(o);
  for (let i = 0; i < ks.length; i++) {
    const v = (o as Record<string, unknown>)[ks[i]!];
    if (v === undefined || typeof v === 'function') return ks.filter((k) => { const x = (o as Record<string, unknown>)[k]; return x !== undefined && typeof x !== 'function'; });
  }
  return ks;
}

/** Add (sign 1) or remove (sign -1) every element of the value at path p. */
function addTree(p: L, v: unknown, sign: number): void {
  if (typeof v !== 'object' || v === null) {
    addLeaf(p, v, sign);
    return;
  }
  if (Array.isArray(v)) {
    addElement(p, Kind.ArrayShape, v.length, 0, 0, sign);
    for (let i = 0; i < v.length; i++) {
      const x = v[i] as unknown;
      addTree(childPath(p, String(i)), x === undefined || typeof x === 'function' ? null : x, sign);
    }
    return;
  }
  const keys = jsonKeys(v);
  addObjectShape(p, keys, sign);
  for (let i = 0; i < keys.length; i++) addTree(childPath(p, keys[i]!), (v as Record<string, unknown>)[keys[i]!], sign);
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Change the sum from the elements of `o` (old) to those of `n` (new), both at path p, descending where they differ. */
function diff(p: L, o: unknown, n: unknown): void {
  if (o === n) return;
  const oObj = typeof o === 'object' && o !== null;
  const nObj = typeof n === 'object' && n !== null;
  if (!oObj || !nObj || Array.isArray(o) !== Array.isArray(n)) {
    addTree(p, o, -1);
    addTree(p, n, 1);
    return;
  }
  if (Array.isArray(o)) {
    const na = n as unknown[];
    if (o.length !== na.length) {
      addElement(p, Kind.ArrayShape, o.length, 0, 0, -1);
      addElement(p, Kind.ArrayShape, na.length, 0, 0, 1);
    }
    const m = Math.max(o.length, na.length);
    for (let i = 0; i < m; i++) {
      const ov = i < o.length ? jsonItem(o[i]) : undefined;
      const nv = i < na.length ? jsonItem(na[i]) : undefined;
      if (ov === nv) continue;
      const cp = childPath(p, String(i));
      if (ov === undefined) addTree(cp, nv, 1);
      else if (nv === undefined) addTree(cp, ov, -1);
      else diff(cp, ov, nv);
    }
    return;
  }
  const ok = jsonKeys(o);
  const nk = jsonKeys(n);
  if (!sameKeys(ok, nk)) {
    addObjectShape(p, ok, -1);
    addObjectShape(p, nk, 1);
  }
  const oo = o as Record<string, unknown>;
  const no = n as Record<string, unknown>;
  for (let i = 0; i < nk.length; i++) {
    const k = nk[i]!;
    const nv = no[k];
    const ov = Object.prototype.hasOwnProperty.call(oo, k) ? oo[k] : undefined;
    if (ov === nv) continue;
    const cp = childPath(p, k);
    if (ov === undefined || typeof ov === 'function') addTree(cp, nv, 1);
    else diff(cp, ov, nv);
  }
  for (let i = 0; i < ok.length; i++) {
    const k = ok[i]!;
    if (Object.prototype.hasOwnProperty.call(no, k)) {
      const nv = no[k];
      if (nv !== undefined && typeof nv !== 'function') continue;
    }
    addTree(childPath(p, k), oo[k], -1);
  }
}

function jsonItem(x: unknown): unknown {
  return x === undefined || typeof x === 'function' ? null : x;
}

const ROOT: L = [0x1b873593, 0xcc9e2d51, 0xe6546b64, 0x85ebca6b];
const EMPTY: readonly never[] = Object.freeze([]) as readonly never[];

/** The world as the state encoding sees it: the last step's audit emptied. */
function asState(w: World): World {
  return w.audit.length === 0 ? w : ({ ...w, audit: EMPTY } as World);
}

function toString(h: L): string {
  return String.fromCharCode(
    h[0] & 255, (h[0] >>> 8) & 255, (h[0] >>> 16) & 255, h[0] >>> 24,
    h[1] & 255, (h[1] >>> 8) & 255, (h[1] >>> 16) & 255, h[1] >>> 24,
    h[2] & 255, (h[2] >>> 8) & 255, (h[2] >>> 16) & 255, h[2] >>> 24,
    h[3] & 255, (h[3] >>> 8) & 255, (h[3] >>> 16) & 255, h[3] >>> 24,
  );
}

/** A world's fingerprint sum, kept with the world (a world handed to the explorer is not changed afterwards). */
const sums = new WeakMap<World, L>();

function sumOf(w: World): L {
  let s = sums.get(w);
  if (s) return s;
  sum[0] = sum[1] = sum[2] = sum[3] = 0;
  addTree(ROOT, asState(w), 1);
  s = [sum[0], sum[1], sum[2], sum[3]];
  sums.set(w, s);
  return s;
}

/** The fingerprint of a world computed from scratch: a 16-character one-byte ('binary') string. */
export function worldFingerprint(w: World): string {
  return toString(sumOf(w));
}

/**
 * The fingerprint of `child`, a successor of `parent`: the parent's sum plus the difference between the two,
 * found by walking them together (shared objects are skipped). Equal to `worldFingerprint(child)`.
 */
export function successorFingerprint(parent: World, child: World): string {
  const ps = sumOf(parent);
  sum[0] = ps[0];
  sum[1] = ps[1];
  sum[2] = ps[2];
  sum[3] = ps[3];
  diff(ROOT, asState(parent), asState(child));
  const s: L = [sum[0], sum[1], sum[2], sum[3]];
  sums.set(child, s);
  return toString(s);
}
