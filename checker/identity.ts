/**
 * State identity: what makes two worlds the same state for the explorer. The world itself stays concrete (the
 * explorer expands, replays and reports the worlds it reached, with the numbers of the path taken); the identity
 * is a projection of it, hashed to a 128-bit fingerprint, used only to deduplicate. docs/performance.md, "State
 * identity", gives the soundness argument; this header names what the projection does.
 *
 *   1. Canonical renaming of numbers that are names (allocated fresh and only ever compared for equality):
 *      - Xen's dynamic irqs (create_irq: lowest free irq at or above nr_irqs_gsi), one namespace for the host:
 *        the keys of `xen.irqs` and of every domain's `irq_pirq`, `pirqs[p].irq` (its sign kept: -irq after a
 *        forced unbind; 0 and PIRQ_ALLOCATED (-1) are sentinels, not names), and the hardware's programmed
 *        `xen_irq` of each MSI-X entry and of MSI;
 *      - each guest's Linux irqs (xen_bind_pirq_msi_to_irq: lowest free from 24): the keys of `guests[d].irqs`,
 *        their `irq` field and the values of each device's `msi_list`;
 *      - each domain's event-channel ports (evtchn_bind_pirq: lowest free from 1): the keys of
 *        `xen.domains[d].ports`, `pirqs[p].evtchn` and the guest's `irqs[i].evtchn` (0 is "none").
 *      Names are given in the order of a traversal anchored on numbers that are not renamed (device index, entry,
 *      pirq, domid), so that renamed worlds get the same names; whatever is left is named in the order of its
 *      record's content. A renaming of a lowest-free namespace commutes with the step only while no reference to
 *      a freed number survives (a dangling reference: the allocator may hand the number out again, and the
 *      collision is visible). `Identity.guard` records the first one met; the explorer then starts again with
 *      that namespace concrete (checker/explore.ts), so the reduction is applied only where it is justified.
 *   2. Presence where only presence is read: `guests[d].pirq_to_irq[p]` (read only as `!== undefined`, by the
 *      2.6.37/38 reuse test) is encoded as present, not as the stale Linux irq it holds. A hardware vector's
 *      `xen_irq` is read only by `deliver` (model/components/xen.ts), which asks whether Xen's irq of that
 *      number has this vector's msi_desc: it is encoded as that irq's name when it does and as 0 otherwise
 *      (0 and a stale number both fail the test, and only map_domain_pirq gives an irq an msi_desc, writing
 *      this very field at the same time, so a stale number can never start to pass it).
 *   3. Fields the configuration's code does not read are left out (`Reads`, from its flags: `readsOf`):
 *      - QEMU's `XenPTMSIX.maskall` (written by xen_pt_msixctrl_reg_write), read only by
 *        xen_pt_msix_update_one with `qemuMsixCommitOnMask` (QEMU >= 2.6, f0ada3608ac1: `s->msix->maskall`);
 *      - a guest's `pirq_to_irq`, read only with `guestReuse: 'ever-bound'` (2.6.37/38): otherwise not at all;
 *      - `committed` of a QEMU MSI-X entry without a pirq, with `qemuMsixCommitOnMask`: xen_pt_msix_update_one
 *        rewrites it before it reads it, and xen_pt_msix_disable's msi_msix_disable returns at pirq -1 first;
 *      - the address/data of a QEMU MSI-X entry without a pirq and not `updated`, with
 *        `qemuRewriteIfUnassigned` and `guestReuse: 'never'`: update_one needs `updated`, which only
 *        pci_msix_write sets, writing the address/data in the same step (an unchanged value is rewritten too
 *        while the entry has no pirq); the guest that reads the message back (xen_hvm_setup_msi_irqs) uses it
 *        only to reuse a pirq; msi_msix_disable returns at pirq -1 before reading it;
 *      and the last step's `audit` (a history variable: invariants read it on the successor before
 *      deduplication, `apply` clears it). No invariant reads any of these. These arguments are about the
 *      model's code. A fix written as code may read any field: its own code runs on a view of the world that
 *      notes each access to these fields (model/read-view.ts), and the explorer keeps what it touched and
 *      explores again (`readGuard`, checker/explore-core.ts `keyAndGuard`).
 *   4. Device symmetry (optional): in a scenario whose two devices are equal but for their labels (BDF, guest
 *      slot), the identity is the smaller of the fingerprints of the world and of its image with the two
 *      device indices swapped (checker/explore-symmetry.ts argues why that is a symmetry).
 * Cost: the projection is computed for every successor, so two things a step leaves alone are remembered per place
 * in the world (the last object met there, compared by identity: path copying shares every object a step did not
 * write with the parent, and the explorer keys a parent's successors one after the other): the 128-bit hash of a
 * record that reads no renamed number (a subtree), and the key list of an integer-keyed record. Neither changes
 * what is encoded, only how often it is walked (docs/performance.md, "Per-state cost of the reduced search").
 * The renaming applies to the scenarios without a toolstack lifecycle (their dom0, PV guests and toolstack
 * hold pirqs and domids only); `identityOptions` turns it off elsewhere.
 */
import type { Resolved } from '../model/config.ts';
import type { World } from '../model/world.ts';
import { fmix, stringHash } from './fingerprint.ts';
import { hasDeviceSymmetry } from './explore-symmetry.ts';
import { TOUCH } from '../model/read-view.ts';

/** The namespaces that can be renamed. */
export type Namespace = 'xen-irq' | 'guest-irq' | 'port';
export const NAMESPACES: readonly Namespace[] = ['xen-irq', 'guest-irq', 'port'];

/**
 * Which of the fields that item 3 of the header may leave out the configuration's code reads (true: read, so
 * kept). Derived from the resolved flags by `readsOf`; each is read by one handler under one flag.
 */
export interface Reads {
  /** QEMU's XenPTMSIX.maskall (xen_pt_msix_update_one with `qemuMsixCommitOnMask`). */
  readonly qemuMaskall: boolean;
  /** A guest's pirq_to_irq (as presence: `guestReuse: 'ever-bound'`). */
  readonly pirqToIrq: boolean;
  /** `committed` of a QEMU MSI-X entry without a pirq (unless `qemuMsixCommitOnMask`). */
  readonly unassignedCommitted: boolean;
  /** The address/data of a QEMU MSI-X entry without a pirq and not updated (unless `qemuRewriteIfUnassigned` and `guestReuse: 'never'`). */
  readonly unassignedMessage: boolean;
  /**
   * The Linux irq a guest's pirq_to_irq entry holds, not only its presence (item 2). The model's code reads
   * only the presence; a fix written as code that reads the record gets it kept (model/read-view.ts).
   */
  readonly pirqToIrqValues: boolean;
  /** A hardware vector's programmed xen_irq as its number (item 2), not as "Xen's irq with this msi_desc, or none". */
  readonly programmedXenIrq: boolean;
}

/** Everything read: no field left out, none encoded as less than its value. */
export const READS_ALL: Reads = { qemuMaskall: true, pirqToIrq: true, unassignedCommitted: true, unassignedMessage: true, pirqToIrqValues: true, programmedXenIrq: true };

/**
 * Every field of item 3 read, whatever the flags; item 2 applied (the model's code reads pirq_to_irq only as
 * presence and the programmed xen_irq only through deliver's test). What `reads` means when it is not given.
 */
export const READS_MODEL: Reads = { ...READS_ALL, pirqToIrqValues: false, programmedXenIrq: false };

/**
 * Which fields of `Reads` each kind of access by a variant's own code (model/read-view.ts TOUCH) makes read:
 * the explorer keeps them and explores again (checker/explore-core.ts `keyAndGuard`).
 */
const TOUCH_READS: readonly [number, readonly (keyof Reads)[]][] = [
  [TOUCH.maskall, ['qemuMaskall']],
  [TOUCH.pirqToIrq, ['pirqToIrq', 'pirqToIrqValues']],
  [TOUCH.programmedXenIrq, ['programmedXenIrq']],
  [TOUCH.committed, ['unassignedCommitted']],
  [TOUCH.message, ['unassignedMessage']],
];

/**
 * The guard a variant's accesses raise under these options: the fields they read that the identity leaves out
 * or encodes as less than their value, with what the first such access was; null when there is none.
 */
export function readGuard(o: IdentityOptions, t: { readonly bits: number; readonly what: ReadonlyMap<number, string> }): IdentityGuard | null {
  if (!o.project) return null;
  const rd = o.reads ?? READS_MODEL;
  const fields: (keyof Reads)[] = [];
  let what = '';
  for (const [bit, fs] of TOUCH_READS) {
    if ((t.bits & bit) === 0) continue;
    const missing = fs.filter((f) => !rd[f]);
    if (missing.length === 0) continue;
    fields.push(...missing);
    what ||= t.what.get(bit) ?? '';
  }
  return fields.length ? { fields, what } : null;
}

/** What the handlers of a configuration read, from its flags (the readers are named in the header, item 3). */
export function readsOf(r: Pick<Resolved, 'flags'>): Reads {
  const f = r.flags;
  return {
    qemuMaskall: f.qemuMsixCommitOnMask,
    pirqToIrq: f.guestReuse === 'ever-bound',
    unassignedCommitted: !f.qemuMsixCommitOnMask,
    unassignedMessage: !(f.qemuRewriteIfUnassigned && f.guestReuse === 'never'),
    pirqToIrqValues: false,
    programmedXenIrq: false,
  };
}

export interface IdentityOptions {
  /** Namespaces renamed canonically (empty: every number concrete). */
  readonly rename: readonly Namespace[];
  /** pirq_to_irq as presence, the projected xen_irq, and the fields `reads` says are unread left out (items 2 and 3). */
  readonly project: boolean;
  /** What the configuration reads of the fields items 2 and 3 may leave out (default READS_MODEL: item 3's all kept). */
  readonly reads?: Reads;
  /** Device swap (item 4). */
  readonly symmetry: boolean;
}

/** The identity with nothing reduced: every field, every number concrete, no symmetry. */
export const CONCRETE: IdentityOptions = { rename: [], project: false, symmetry: false };

/**
 * The reductions that apply to a configuration by default: renaming and projection off the lifecycle scenarios,
 * and the projection only of what the configuration's flags leave unread. A variant file's own code may read
 * any field: what it reads of the projected ones is noted as it runs (model/read-view.ts), and the explorer
 * keeps those fields and explores again (`readGuard`).
 */
export function defaultIdentity(r: Pick<Resolved, 'scenario' | 'flags'>, symmetry?: boolean): IdentityOptions {
  const sc = r.scenario;
  const sym = symmetry ?? hasDeviceSymmetry(sc);
  if (sc.lifecycle) return { rename: [], project: false, symmetry: sym };
  return { rename: NAMESPACES, project: true, reads: readsOf(r), symmetry: sym };
}

export function describeIdentity(o: IdentityOptions): string {
  const parts: string[] = [];
  if (o.rename.length) parts.push(`renamed: ${o.rename.join(', ')}`);
  if (o.project) {
    const rd = o.reads ?? READS_MODEL;
    const p: string[] = [];
    if (!rd.pirqToIrq) p.push('no pirq_to_irq');
    else if (!rd.pirqToIrqValues) p.push('pirq_to_irq presence');
    if (!rd.programmedXenIrq) p.push('programmed xen_irq');
    if (!rd.qemuMaskall) p.push('no QEMU maskall');
    if (!rd.unassignedCommitted || !rd.unassignedMessage) {
      const what = [!rd.unassignedMessage ? 'message' : '', !rd.unassignedCommitted ? 'committed message' : ''].filter(Boolean).join(' and ');
      p.push(`no ${what} of QEMU entries without a pirq`);
    }
    if (p.length) parts.push(`projected: ${p.join(', ')}`);
  }
  if (o.symmetry) parts.push('device swap');
  return parts.length ? parts.join('; ') : 'concrete';
}

const enum T {
  Num = 0x11,
  Str = 0x12,
  True = 0x13,
  False = 0x14,
  Null = 0x15,
  Arr = 0x16,
  Obj = 0x17,
  Name = 0x18,
  Absent = 0x19,
  Present = 0x1a,
  Float = 0x1b,
  NegName = 0x1c,
  Sub = 0x1d,
  /** Closes an object or a record: every one is T.Obj, its (key, value) pairs, T.End. */
  End = 0x1e,
}
/** The tags' range (T.Num .. T.End): a field key's token may not take one, so that a key is never read as a tag. */
const RESERVED_LO = T.Num;
const RESERVED_HI = T.End;

/*
 * ---- A streaming hash of 32-bit tokens: the body of MurmurHash3 x86_128 over the token stream (4 tokens per
 * 16-byte block), its finalisation once at the end with the number of tokens. The state is kept in module
 * variables, so a token costs no call and no allocation. ----
 */
let h1 = 0;
let h2 = 0;
let h3 = 0;
let h4 = 0;
let b0 = 0;
let b1 = 0;
let b2 = 0;
let nbuf = 0;
let ntok = 0;
function reset(): void {
  h1 = 0x9747b28c;
  h2 = 0x85ebca6b;
  h3 = 0xc2b2ae35;
  h4 = 0x27d4eb2f;
  nbuf = 0;
  ntok = 0;
}
function block(k1: number, k2: number, k3: number, k4: number): void {
  k1 = Math.imul(k1, 0x239b961b);
  k1 = (k1 << 15) | (k1 >>> 17);
  h1 ^= Math.imul(k1, 0xab0e9789);
  h1 = (h1 << 19) | (h1 >>> 13);
  h1 = (Math.imul((h1 + h2) | 0, 5) + 0x561ccd1b) | 0;
  k2 = Math.imul(k2, 0xab0e9789);
  k2 = (k2 << 16) | (k2 >>> 16);
  h2 ^= Math.imul(k2, 0x38b34ae5);
  h2 = (h2 << 17) | (h2 >>> 15);
  h2 = (Math.imul((h2 + h3) | 0, 5) + 0x0bcaa747) | 0;
  k3 = Math.imul(k3, 0x38b34ae5);
  k3 = (k3 << 17) | (k3 >>> 15);
  h3 ^= Math.imul(k3, 0xa1e38b93);
  h3 = (h3 << 15) | (h3 >>> 17);
  h3 = (Math.imul((h3 + h4) | 0, 5) + 0x96cd1c35) | 0;
  k4 = Math.imul(k4, 0xa1e38b93);
  k4 = (k4 << 18) | (k4 >>> 14);
  h4 ^= Math.imul(k4, 0x239b961b);
  h4 = (h4 << 13) | (h4 >>> 19);
  h4 = (Math.imul((h4 + h1) | 0, 5) + 0x32ac3b17) | 0;
}
function tok(x: number): void {
  ntok++;
  switch (nbuf) {
    case 0:
      b0 = x | 0;
      nbuf = 1;
      return;
    case 1:
      b1 = x | 0;
      nbuf = 2;
      return;
    case 2:
      b2 = x | 0;
      nbuf = 3;
      return;
    default:
      block(b0, b1, b2, x | 0);
      nbuf = 0;
  }
}
/** The result lanes of `finish`. */
let r1 = 0;
let r2 = 0;
let r3 = 0;
let r4 = 0;
/** End the stream: the last partial block padded with zeros, then the token count (before the padding) mixed in. */
function finish(): void {
  const n = ntok;
  if (nbuf !== 0) block(b0, nbuf > 1 ? b1 : 0, nbuf > 2 ? b2 : 0, 0);
  let a = h1 ^ n;
  let b = h2 ^ n;
  let c = h3 ^ n;
  let d = h4 ^ n;
  a = (a + b + c + d) | 0;
  b = (b + a) | 0;
  c = (c + a) | 0;
  d = (d + a) | 0;
  a = fmix(a);
  b = fmix(b);
  c = fmix(c);
  d = fmix(d);
  a = (a + b + c + d) | 0;
  r1 = a;
  r2 = (b + a) | 0;
  r3 = (c + a) | 0;
  r4 = (d + a) | 0;
}

/*
 * ---- Subtrees hashed once: a record that reads no renamed number (QEMU's per-device state, Xen's pdevs, dom0's
 * per-device state, Xen's irq records, the guest driver's state, the toolstack) is encoded in a stream of its own,
 * and its four result lanes stand for it in the world's stream. Path copying (model/cow.ts) keeps every object a
 * step did not write identical to the parent's, and the explorer keys a parent's successors one after the other,
 * so each such place in the world (a slot: component and device index, or irq number) remembers the last object
 * met there and its lanes: a successor re-encodes only the records its step replaced. A hit needs the very same
 * object (worlds are never written once built), so the lanes are exactly those of its encoding. ----
 */
const SLOTS = 64;
export const enum Slot {
  Qemu = 0,
  Pdev = 8,
  Dom0 = 16,
  Irq = 24,
  Rest = 40,
  Driver = 48,
}
/** The slot memory of one identity and one device order. */
class SlotCache {
  readonly obj: (object | null)[] = new Array<object | null>(SLOTS).fill(null);
  readonly lanes = new Int32Array(SLOTS * 4);
}
let slotsN = new SlotCache();
let slotsS = new SlotCache();
let slots = slotsN;
function subtree(o: object, enc: (o: object) => void, slot: number): void {
  const c = slots;
  const at = slot * 4;
  if (c.obj[slot] !== o) {
    const s1 = h1, s2 = h2, s3 = h3, s4 = h4, s0 = b0, sb1 = b1, sb2 = b2, sn = nbuf, st = ntok;
    reset();
    enc(o);
    finish();
    c.obj[slot] = o;
    c.lanes[at] = r1;
    c.lanes[at + 1] = r2;
    c.lanes[at + 2] = r3;
    c.lanes[at + 3] = r4;
    h1 = s1;
    h2 = s2;
    h3 = s3;
    h4 = s4;
    b0 = s0;
    b1 = sb1;
    b2 = sb2;
    nbuf = sn;
    ntok = st;
  }
  tok(T.Sub);
  tok(c.lanes[at]!);
  tok(c.lanes[at + 1]!);
  tok(c.lanes[at + 2]!);
  tok(c.lanes[at + 3]!);
}
/** The slot of index `i` (a device index, an irq number) in a group of `width` slots from `base`. */
function slotOf(base: number, width: number, i: number): number {
  return base + (i & (width - 1));
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
function num(v: number): void {
  if ((v | 0) === v) {
    tok(T.Num);
    tok(v);
  } else {
    f64[0] = v;
    tok(T.Float);
    tok(u32[0]!);
    tok(u32[1]!);
  }
}
function str(s: string): void {
  const k = stringHash(s);
  tok(T.Str);
  tok(k[0]);
  tok(k[1]);
}
/**
 * A key (a field or record name): one 32-bit token, the first lane of its string hash, the same in every thread
 * (workers' fingerprints meet the calling thread's). Two different keys with the same token would make their
 * fields indistinguishable, so that is checked as keys are first met.
 */
const keyIds = new Map<string, number>();
const keyOf = new Map<number, string>();
function fieldKey(s: string): void {
  let k = keyIds.get(s);
  if (k === undefined) {
    k = stringHash(s)[0];
    if (k >= RESERVED_LO && k <= RESERVED_HI) throw new Error(`identity: key '${s}' hashes to a delimiter token`);
    const other = keyOf.get(k);
    if (other !== undefined && other !== s) throw new Error(`identity: keys '${s}' and '${other}' hash alike`);
    keyOf.set(k, s);
    keyIds.set(s, k);
  }
  tok(k);
}

/* ---- The device permutation of the encoding being computed (the identity or the swap). ---- */
let swap = false;
/** Under the symmetry the labels (BDF, guest slot: never written after the initial world) are left out. */
let dropLabels = false;
function devIdx(d: number): number {
  return swap && (d === 0 || d === 1) ? 1 - d : d;
}
/*
 * ---- Key lists of integer-keyed records. Enumerating a record's integer keys (for-in, Object.keys) costs V8
 * far more than its named fields (no enumeration cache: each call builds the key strings), and a successor
 * shares most of its records with its parent; so each place (slot) remembers the last record met there and its
 * keys as numbers, in the order Object.keys gives (ascending for these keys). A hit needs the very same object
 * (worlds are never written once built), so the list is exactly its keys. ----
 */
const KEY_SLOTS = 128;
export const enum K {
  Hw = 0,
  Domains = 1,
  Irqs = 2,
  Pdevs = 3,
  Qemu = 4,
  Guests = 5,
  Generic = 6,
  /** Per domain (domid & 7) from here. */
  Pirqs = 8,
  IrqPirq = 16,
  Ports = 24,
  GuestIrqs = 32,
  PirqToIrq = 40,
  GuestDevices = 48,
  QemuDevices = 56,
  /** Per guest (domid & 7) and device (& 3). */
  MsiList = 64,
  /** Per device (& 7). */
  Dom0Devices = 96,
}
const EMPTY: readonly number[] = [];
const memoObj: (object | null)[] = new Array<object | null>(KEY_SLOTS).fill(null);
const memoKeys: (readonly number[])[] = new Array<readonly number[]>(KEY_SLOTS).fill(EMPTY);
const memoSwapped: (readonly number[] | null)[] = new Array<readonly number[] | null>(KEY_SLOTS).fill(null);
/** The keys of an integer-keyed record as numbers, in Object.keys order. */
function ikeys(o: object, slot: number): readonly number[] {
  if (memoObj[slot] === o) return memoKeys[slot]!;
  const ks = Object.keys(o);
  const out = new Array<number>(ks.length);
  for (let i = 0; i < ks.length; i++) out[i] = Number(ks[i]);
  memoObj[slot] = o;
  memoKeys[slot] = out;
  memoSwapped[slot] = null;
  return out;
}
/** A slot of a per-domain group. */
function dslot(base: number, domid: number): number {
  return base + (domid & 7);
}
/** Keys of a record keyed by device index, in the order of their permuted index (emit `devIdx(key)`, then rec[key]). */
function devKeys(o: object, slot: number): readonly number[] {
  const ks = ikeys(o, slot);
  if (swap && ks.length > 1 && ks[0] === 0 && ks[1] === 1) {
    let sw = memoSwapped[slot];
    if (!sw) {
      const c = ks.slice();
      c[0] = 1;
      c[1] = 0;
      memoSwapped[slot] = sw = c;
    }
    return sw;
  }
  return ks;
}
function isLabel(k: string): boolean {
  return dropLabels && (k === 'bdf' || k === 'vslot');
}

/**
 * Generic encoding of JSON data, `dev` fields permuted; an object is T.Obj, key and value per key (labels and
 * undefined values left out), T.End. (The walks use for-in, which enumerates a plain object's own keys in the order
 * Object.keys gives, without allocating the key array.)
 */
function any(v: unknown): void {
  switch (typeof v) {
    case 'number':
      num(v);
      return;
    case 'string':
      str(v);
      return;
    case 'boolean':
      tok(v ? T.True : T.False);
      return;
    case 'undefined':
      tok(T.Absent);
      return;
  }
  if (v === null) {
    tok(T.Null);
    return;
  }
  if (Array.isArray(v)) {
    tok(T.Arr);
    tok(v.length);
    for (let i = 0; i < v.length; i++) any(v[i]);
    return;
  }
  const o = v as Record<string, unknown>;
  tok(T.Obj);
  for (const k in o) {
    const x = o[k];
    if (x === undefined || isLabel(k)) continue;
    fieldKey(k);
    if (k === 'dev' && typeof x === 'number') num(devIdx(x));
    else if (k === 'devices' && x !== null && typeof x === 'object' && !Array.isArray(x)) anyDevices(x as Record<string, unknown>);
    else any(x);
  }
  tok(T.End);
}

/**
 * A record keyed by device index that no walk above knows by place (e.g. Xen's per-domain msixtbl.devices):
 * its keys permuted as `dev` fields are, so the device swap reaches every device-keyed record (the state's
 * convention: a record keyed by device index is named `devices`, model/components/xen/state.ts).
 */
function anyDevices(o: Record<string, unknown>): void {
  tok(T.Obj);
  for (const dk of devKeys(o, K.Generic)) {
    const x = o[dk];
    if (x === undefined) continue;
    num(devIdx(dk));
    any(x);
  }
  tok(T.End);
}

/* ---- Names: number -> 1, 2, ... in order of first appearance, one table per namespace instance. ---- */
const TABLE = 1024;
class Names {
  on = false;
  n = 0;
  private gen = 1;
  private readonly stamp = new Int32Array(TABLE);
  private readonly value = new Int32Array(TABLE);
  private readonly big = new Map<number, number>();
  start(on: boolean): void {
    this.on = on;
    this.n = 0;
    this.gen++;
    if (this.big.size) this.big.clear();
  }
  has(v: number): boolean {
    if (v >= 0 && v < TABLE) return this.stamp[v] === this.gen;
    return this.big.has(v);
  }
  get(v: number): number {
    return v >= 0 && v < TABLE ? this.value[v]! : this.big.get(v)!;
  }
  name(v: number): number {
    if (!this.on) return v;
    if (v >= 0 && v < TABLE) {
      if (this.stamp[v] === this.gen) return this.value[v]!;
      this.stamp[v] = this.gen;
      return (this.value[v] = ++this.n);
    }
    let x = this.big.get(v);
    if (x === undefined) this.big.set(v, (x = ++this.n));
    return x;
  }
  /** Encode a number of this namespace: its name, or itself when the namespace is concrete. */
  enc(v: number): void {
    if (!this.on) num(v);
    else {
      tok(T.Name);
      tok(this.name(v));
    }
  }
  /** Keys of a record keyed by this namespace, in name order (unnamed keys named first, in `order`). */
  keys(ks: readonly number[], order?: (a: number, b: number) => number): readonly number[] {
    if (!this.on) return ks;
    let un: number[] | null = null;
    for (let i = 0; i < ks.length; i++) if (!this.has(ks[i]!)) (un ??= []).push(ks[i]!);
    if (un) {
      if (un.length > 1 && order) un.sort(order);
      for (const k of un) this.name(k);
    }
    if (ks.length <= 1) return ks;
    // Insertion sort by name (the records are small; the names are distinct).
    const out = ks.slice();
    for (let i = 1; i < out.length; i++) {
      const x = out[i]!;
      const nx = this.get(x);
      let j = i - 1;
      while (j >= 0 && this.get(out[j]!) > nx) {
        out[j + 1] = out[j]!;
        j--;
      }
      out[j + 1] = x;
    }
    return out;
  }
}

export interface Identity {
  readonly options: IdentityOptions;
  /** The 16-character one-byte fingerprint of a world's identity. */
  key(w: World): string;
  /** The first dangling reference met in a renamed namespace (the reduction is then not justified), or null. */
  guard: IdentityGuard | null;
}

/**
 * Why a reduction is not justified for a configuration: a dangling reference into a renamed namespace, or a
 * variant's own code reading a field the projection leaves out (`readGuard`). The explorer then keeps that
 * namespace concrete, or those fields, and explores again (checker/explore.ts).
 */
export type IdentityGuard = { readonly namespace: Namespace; readonly what: string } | { readonly fields: readonly (keyof Reads)[]; readonly what: string };

/**
 * The options without the reduction a guard found unjustified: a namespace with a dangling reference kept
 * concrete, or the fields a variant's own code read kept (checker/explore.ts explores again with them).
 */
export function withoutGuarded(o: IdentityOptions, g: IdentityGuard): IdentityOptions {
  if ('namespace' in g) return { ...o, rename: o.rename.filter((n) => n !== g.namespace) };
  const rd: Record<keyof Reads, boolean> = { ...(o.reads ?? READS_MODEL) };
  for (const f of g.fields) rd[f] = true;
  return { ...o, reads: rd };
}

type XenDomain = World['xen']['domains'][number];
type Pirq = XenDomain['pirqs'][number];
type GuestIrq = World['guests'][number]['irqs'][number];
type HwDevice = World['hw'][number];

/* ---- The encoding's context (one encoding at a time; JavaScript runs one at a time per thread). ---- */
const xn = new Names();
const gn = new Names();
const portNames = new Map<number, Names>();
let renX = false;
let renG = false;
let renP = false;
let project = false;
/** Item 3's fields left out (project and not read). */
let dropMaskall = false;
let dropPirqToIrq = false;
let dropUnassignedCommitted = false;
let dropUnassignedMessage = false;
/** Item 2: pirq_to_irq as presence; the programmed xen_irq projected. */
let presenceP2I = false;
let projXenIrq = false;
let irqs: World['xen']['irqs'] = {};
let current: Identity | null = null;

function portsOf(domid: number): Names {
  let p = portNames.get(domid);
  if (!p) portNames.set(domid, (p = new Names()));
  return p;
}
function dangle(namespace: Namespace, what: string): void {
  if (current && !current.guard) current.guard = { namespace, what };
}
/** A Xen irq referenced at `where` (`where` and `a`, `b` make the message, built only on a failure). */
function checkIrq(x: number, where: string, a: number, b: number): void {
  if (renX && irqs[x] === undefined) dangle('xen-irq', `${where.replace('%a', String(a)).replace('%b', String(b))} names irq ${x}, which Xen does not have`);
}
/** A hardware vector's programmed irq: the irq if Xen has it with this vector's msi_desc, else 0 (projected). */
function programmed(x: number, dev: number, entry: number, msix: boolean): void {
  if (projXenIrq) {
    const md = x === 0 ? null : irqs[x]?.msi_desc;
    if (!md || md.dev !== dev || md.entry_nr !== entry || md.msix !== msix) x = 0;
  }
  if (x === 0) num(0);
  else {
    checkIrq(x, msix ? 'device %a MSI-X entry %b' : 'device %a MSI', dev, entry);
    xn.enc(x);
  }
}

function encHw(hw: HwDevice, dev: number): void {
  const o = hw as unknown as Record<string, unknown>;
  tok(T.Obj);
  for (const k in o) {
    const v = o[k];
    if (v === undefined || isLabel(k)) continue;
    fieldKey(k);
    if (k === 'msi') {
      const m = v as Record<string, unknown>;
      tok(T.Obj);
      for (const f in m) {
        if (m[f] === undefined) continue;
        fieldKey(f);
        if (f === 'xen_irq') programmed(m[f] as number, dev, 0, false);
        else any(m[f]);
      }
      tok(T.End);
    } else if (k === 'msix') {
      const m = v as Record<string, unknown>;
      tok(T.Obj);
      for (const f in m) {
        if (m[f] === undefined) continue;
        fieldKey(f);
        if (f !== 'entries') {
          any(m[f]);
          continue;
        }
        const es = m[f] as readonly Record<string, unknown>[];
        tok(T.Arr);
        tok(es.length);
        for (let e = 0; e < es.length; e++) {
          const x = es[e]!;
          tok(T.Obj);
          for (const g in x) {
            if (x[g] === undefined) continue;
            fieldKey(g);
            if (g === 'xen_irq') programmed(x[g] as number, dev, e, true);
            else any(x[g]);
          }
          tok(T.End);
        }
      }
      tok(T.End);
    } else any(v);
  }
  tok(T.End);
}

/** A pirq's arch.irq: > 0 an irq, < -1 minus an irq (forced unbind), 0 and PIRQ_ALLOCATED (-1) sentinels. */
function pirqIrq(v: number, domid: number, p: number): void {
  if (v > 0) {
    checkIrq(v, 'dom%a pirq %b arch.irq', domid, p);
    xn.enc(v);
  } else if (v < -1) {
    checkIrq(-v, 'dom%a pirq %b arch.irq (-irq after a forced unbind)', domid, p);
    if (renX) {
      tok(T.NegName);
      tok(xn.name(-v));
    } else num(v);
  } else num(v);
}

function encPirq(x: Pirq, d: XenDomain, p: number, pn: Names): void {
  const o = x as unknown as Record<string, unknown>;
  tok(T.Obj);
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue;
    fieldKey(k);
    if (k === 'irq') pirqIrq(v as number, d.domid, p);
    else if (k === 'evtchn') {
      const e = v as number;
      if (e === 0) num(0);
      else {
        if (renP && d.ports[e] === undefined) dangle('port', `dom${d.domid} pirq ${p} names port ${e}, which is closed`);
        pn.enc(e);
      }
    } else any(v);
  }
  tok(T.End);
}

let ipRec: Readonly<Record<number, number>> = {};
const byPirqThenContent = (a: number, b: number): number => ipRec[a]! - ipRec[b]! || cmpContent(irqs[a], irqs[b]);
let portRec: Readonly<Record<number, number>> = {};
const byPortPirq = (a: number, b: number): number => portRec[a]! - portRec[b]!;
const byIrqContent = (a: number, b: number): number => cmpContent(irqs[a], irqs[b]);
let gRec: Readonly<Record<number, GuestIrq>> = {};
const byGuestIrqContent = (a: number, b: number): number => cmpContent(gRec[a], gRec[b]);

function encDomain(d: XenDomain): void {
  const pn = portsOf(d.domid);
  const o = d as unknown as Record<string, unknown>;
  tok(T.Obj);
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue;
    fieldKey(k);
    if (k === 'pirqs') {
      const rec = v as Readonly<Record<number, Pirq>>;
      tok(T.Obj);
      const ps = ikeys(rec, dslot(K.Pirqs, d.domid));
      for (let i = 0; i < ps.length; i++) {
        const p = ps[i]!;
        num(p);
        encPirq(rec[p]!, d, p, pn);
      }
      tok(T.End);
    } else if (k === 'irq_pirq') {
      const rec = v as Readonly<Record<number, number>>;
      ipRec = rec;
      tok(T.Obj);
      // Unnamed keys in the order of the pirq they map to, then of their irq record's content.
      for (const i of xn.keys(ikeys(rec, dslot(K.IrqPirq, d.domid)), byPirqThenContent)) {
        checkIrq(i, 'dom%a irq_pirq', d.domid, 0);
        xn.enc(i);
        num(rec[i]!);
      }
      tok(T.End);
    } else if (k === 'ports') {
      const rec = v as Readonly<Record<number, number>>;
      portRec = rec;
      tok(T.Obj);
      for (const e of pn.keys(ikeys(rec, dslot(K.Ports, d.domid)), byPortPirq)) {
        pn.enc(e);
        num(rec[e]!);
      }
      tok(T.End);
    } else any(v);
  }
  tok(T.End);
}

function encGuestIrq(x: GuestIrq, domid: number, xd: XenDomain | undefined, pn: Names, irq: number): void {
  const o = x as unknown as Record<string, unknown>;
  tok(T.Obj);
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue;
    fieldKey(k);
    if (k === 'irq') gn.enc(v as number);
    else if (k === 'evtchn') {
      const e = v as number;
      if (e === 0) num(0);
      else {
        if (renP && xd?.ports[e] === undefined) dangle('port', `dom${domid} Linux irq ${irq} names port ${e}, which is closed`);
        pn.enc(e);
      }
    } else if (k === 'dev' && typeof v === 'number') num(devIdx(v));
    else any(v);
  }
  tok(T.End);
}

function encGuest(k: World['guests'][number], domid: number, xd: XenDomain | undefined): void {
  gn.start(renG);
  const pn = portsOf(domid);
  // msi_list anchors the Linux irq names (by device, entry).
  for (const dk of devKeys(k.devices, dslot(K.GuestDevices, domid))) {
    const ml = k.devices[dk]!.msi_list;
    const es = ikeys(ml, K.MsiList + (domid & 7) * 4 + (dk & 3));
    for (let i = 0; i < es.length; i++) {
      const irq = ml[es[i]!]!;
      if (renG && k.irqs[irq] === undefined) dangle('guest-irq', `dom${domid} msi_list names Linux irq ${irq}, which is freed`);
      gn.name(irq);
    }
  }
  const o = k as unknown as Record<string, unknown>;
  tok(T.Obj);
  for (const key in o) {
    const v = o[key];
    if (v === undefined) continue;
    fieldKey(key);
    if (key === 'irqs') {
      const rec = v as Readonly<Record<number, GuestIrq>>;
      gRec = rec;
      tok(T.Obj);
      for (const i of gn.keys(ikeys(rec, dslot(K.GuestIrqs, domid)), byGuestIrqContent)) {
        gn.enc(i);
        encGuestIrq(rec[i]!, domid, xd, pn, i);
      }
      tok(T.End);
    } else if (key === 'pirq_to_irq') {
      // Read by nobody unless guestReuse is 'ever-bound' (guest.ts cachedPirqIsBound).
      if (dropPirqToIrq) {
        tok(T.Absent);
        continue;
      }
      const rec = v as Readonly<Record<number, number>>;
      tok(T.Obj);
      const ps = ikeys(rec, dslot(K.PirqToIrq, domid));
      for (let i = 0; i < ps.length; i++) {
        num(ps[i]!);
        if (presenceP2I) {
          tok(T.Present);
          continue;
        }
        // Its value, when kept (a fix written as code reads it), is a Linux irq: renamed with the others, and a
        // stale one (the irq freed, pirq_to_irq never reset in an HVM guest) is a dangling reference.
        const irq = rec[ps[i]!]!;
        if (renG && k.irqs[irq] === undefined) dangle('guest-irq', `dom${domid} pirq_to_irq[${ps[i]!}] names Linux irq ${irq}, which is freed`);
        gn.enc(irq);
      }
      tok(T.End);
    } else if (key === 'devices') {
      const rec = v as World['guests'][number]['devices'];
      tok(T.Obj);
      for (const dk of devKeys(rec, dslot(K.GuestDevices, domid))) {
        num(devIdx(dk));
        const gd = rec[dk]! as unknown as Record<string, unknown>;
        tok(T.Obj);
        for (const f in gd) {
          const x = gd[f];
          if (x === undefined || isLabel(f)) continue;
          fieldKey(f);
          if (f === 'msi_list') {
            const m = x as Readonly<Record<number, number>>;
            tok(T.Obj);
            const es = ikeys(m, K.MsiList + (domid & 7) * 4 + (dk & 3));
            for (let i = 0; i < es.length; i++) {
              num(es[i]!);
              gn.enc(m[es[i]!]!);
            }
            tok(T.End);
          } else any(x);
        }
        tok(T.End);
      }
      tok(T.End);
    } else any(v);
  }
  tok(T.End);
}

/** One of QEMU's devices (XenPCIPassthroughState): reads no renamed number, so it is hashed as a subtree. */
function encQemuDevice(d: object): void {
  const qd = d as Record<string, unknown>;
  tok(T.Obj);
  for (const f in qd) {
    const x = qd[f];
    if (x === undefined || isLabel(f)) continue;
    fieldKey(f);
    if (f === 'msix') {
      // XenPTMSIX.maskall: written by xen_pt_msixctrl_reg_write, read only under qemuMsixCommitOnMask.
      const m = x as Record<string, unknown>;
      tok(T.Obj);
      for (const g in m) {
        if ((dropMaskall && g === 'maskall') || m[g] === undefined) continue;
        fieldKey(g);
        if (g === 'msix_entry') qemuEntries(m[g] as readonly Record<string, unknown>[]);
        else any(m[g]);
      }
      tok(T.End);
    } else any(x);
  }
  tok(T.End);
}

/** Fields of a QEMU MSI-X entry without a pirq that the configuration does not read (header, item 3). */
function unreadEntryField(e: Record<string, unknown>, g: string): boolean {
  if (e['pirq'] !== -1) return false;
  if (g === 'committed') return dropUnassignedCommitted;
  return dropUnassignedMessage && e['updated'] !== true && (g === 'addr_lo' || g === 'addr_hi' || g === 'data');
}

/**
 * QEMU's msix_entry array, without the fields of entries without a pirq that nothing reads. An entry's fields are
 * encoded in name order, not in the order they were added: `committed` is added when first committed and
 * `vector_ctrl` deleted and added again, so two equal entries can hold their fields in different orders.
 */
/** The fields of XenPTMSIXEntry (model/components/qemu.ts), in name order: the order every entry is encoded in. */
const ENTRY_FIELDS: readonly string[] = ['addr_hi', 'addr_lo', 'committed', 'data', 'pirq', 'updated', 'vector_ctrl'];

/** The fields of an entry in name order: ENTRY_FIELDS unless it has another one (then sorted for it alone). */
function entryFields(e: Record<string, unknown>): readonly string[] {
  let own = 0;
  for (const k in e) if (e[k] !== undefined) own++;
  let known = 0;
  for (let j = 0; j < ENTRY_FIELDS.length; j++) if (e[ENTRY_FIELDS[j]!] !== undefined) known++;
  return known === own ? ENTRY_FIELDS : Object.keys(e).sort();
}

function qemuEntries(es: readonly Record<string, unknown>[]): void {
  tok(T.Arr);
  tok(es.length);
  for (let i = 0; i < es.length; i++) {
    const e = es[i]!;
    const ks = entryFields(e);
    tok(T.Obj);
    for (const g of ks) {
      if (e[g] === undefined || unreadEntryField(e, g)) continue;
      fieldKey(g);
      any(e[g]);
    }
    tok(T.End);
  }
}

/** `any` of an object as a subtree of its own (cached per object), of anything else inline. */
function anySub(v: unknown, slot: number): void {
  if (v !== null && typeof v === 'object') subtree(v, any, slot);
  else any(v);
}

function encQemu(q: World['qemu'][number], domid: number): void {
  const o = q as unknown as Record<string, unknown>;
  tok(T.Obj);
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue;
    fieldKey(k);
    if (k === 'devices') {
      const rec = v as Record<number, Record<string, unknown>>;
      tok(T.Obj);
      for (const dk of devKeys(rec, dslot(K.QemuDevices, domid))) {
        num(devIdx(dk));
        subtree(rec[dk]!, encQemuDevice, slotOf(Slot.Qemu, 8, dk));
      }
      tok(T.End);
    } else if (k === 'pcihp_down') {
      const a = (v as readonly number[]).map(devIdx).sort((x, y) => x - y);
      tok(T.Arr);
      tok(a.length);
      for (const d of a) num(d);
    } else any(v);
  }
  tok(T.End);
}

function devRecord(ds: object, base: number, keySlot: number): void {
  const rec = ds as Record<number, unknown>;
  tok(T.Obj);
  for (const dk of devKeys(rec, keySlot)) {
    num(devIdx(dk));
    anySub(rec[dk], slotOf(base, 8, dk));
  }
  tok(T.End);
}

/** Encode a world (its device order swapped or not) and hash it: the fingerprint is left in r1..r4. */
function encode(w: World, sw: boolean): void {
  swap = sw;
  slots = sw ? slotsS : slotsN;
  reset();
  xn.start(renX);
  for (const p of portNames.values()) p.start(renP);
  irqs = w.xen.irqs;

  // hw (by device index): anchors the Xen irq names of programmed vectors.
  tok(T.Obj);
  for (const dk of devKeys(w.hw, K.Hw)) {
    num(devIdx(dk));
    encHw(w.hw[dk]!, dk);
  }
  tok(T.End);
  // xen: domains first (their pirqs, in pirq order, anchor irq and port names), then the irq table.
  const x = w.xen;
  tok(T.Obj);
  fieldKey('domains');
  tok(T.Obj);
  for (const domid of ikeys(x.domains, K.Domains)) {
    portsOf(domid).start(renP);
    num(domid);
    encDomain(x.domains[domid]!);
  }
  tok(T.End);
  fieldKey('irqs');
  tok(T.Obj);
  for (const i of xn.keys(ikeys(irqs, K.Irqs), byIrqContent)) {
    xn.enc(i);
    anySub(irqs[i], slotOf(Slot.Irq, 16, i));
  }
  tok(T.End);
  fieldKey('pdevs');
  devRecord(x.pdevs, Slot.Pdev, K.Pdevs);
  const xr = x as unknown as Record<string, unknown>;
  for (const k of Object.keys(xr)) if (k !== 'domains' && k !== 'irqs' && k !== 'pdevs') (fieldKey(k), any(xr[k]));
  tok(T.End);

  tok(T.Obj);
  for (const q of ikeys(w.qemu, K.Qemu)) {
    num(q);
    encQemu(w.qemu[q]!, q);
  }
  tok(T.End);
  tok(T.Obj);
  for (const domid of ikeys(w.guests, K.Guests)) {
    num(domid);
    encGuest(w.guests[domid]!, domid, x.domains[domid]);
  }
  tok(T.End);
  // The rest (dom0, pv, toolstack, and any component added later), generically.
  const wr = w as unknown as Record<string, unknown>;
  let rest = 0;
  for (const key of Object.keys(wr)) {
    if (key === 'hw' || key === 'xen' || key === 'qemu' || key === 'guests' || key === 'audit') continue;
    fieldKey(key);
    const v = wr[key] as Record<string, unknown>;
    if (key === 'dom0' && v && typeof v === 'object' && v['devices']) {
      tok(T.Obj);
      for (const k of Object.keys(v)) (fieldKey(k), k === 'devices' ? devRecord(v[k] as object, Slot.Dom0, K.Dom0Devices) : any(v[k]));
      tok(T.End);
    } else anySub(v, slotOf(Slot.Rest, 8, rest++));
  }
  swap = false;
  finish();
}

/**
 * A hash of what a device's records say, the same whichever index the device has and whatever numbers its
 * vectors were given (it reads no renamed number): under the symmetry, the device with the smaller one is put
 * first, so that most states are encoded once; when the two are equal, both orders are encoded and the smaller
 * fingerprint kept.
 */
let sig0 = 0;
let sig1 = 0;
/** The signatures of devices 0 and 1, into sig0 and sig1 (one pass over the domains). */
function deviceSignatures(w: World): void {
  const qs = w.qemu;
  const gs = w.guests;
  const pds = w.xen.pdevs;
  for (let dev = 0; dev < 2; dev++) {
    reset();
    const hw = w.hw[dev];
    if (hw) {
      tok(+hw.command.memory | (+hw.command.master << 1) | (+hw.msi.enable << 2) | (+hw.msix.enable << 3) | (+hw.msix.maskall << 4));
      const es = hw.msix.entries;
      for (let i = 0; i < es.length; i++) tok(+es[i]!.masked);
    }
    // Xen's pdev and QEMU's device read no renamed number: their subtree hashes (labels left out).
    const pd = pds[dev];
    if (pd) subtree(pd, any, slotOf(Slot.Pdev, 8, dev));
    for (const q of ikeys(qs, K.Qemu)) {
      const qd = qs[q]!.devices[dev];
      if (qd) subtree(qd, encQemuDevice, slotOf(Slot.Qemu, 8, dev));
    }
    for (const g of ikeys(gs, K.Guests)) {
      const gd = gs[g]!.devices[dev];
      if (!gd) {
        tok(-1);
        continue;
      }
      subtree(gd.driver, any, slotOf(Slot.Driver, 8, dev));
      tok(+gd.msix_enabled | (+gd.msi_enabled << 1));
      tok(ikeys(gd.msi_list, K.MsiList + (g & 7) * 4 + (dev & 3)).length);
    }
    finish();
    if (dev === 0) sig0 = r1;
    else sig1 = r1;
  }
}

export function makeIdentity(o: IdentityOptions): Identity {
  // Subtree hashes of this identity's encoding (it depends on the options), one cache per device order.
  const mineN = new SlotCache();
  const mineS = new SlotCache();
  const id: Identity = {
    options: o,
    guard: null,
    key(w: World): string {
      current = id;
      renX = o.rename.includes('xen-irq');
      renG = o.rename.includes('guest-irq');
      renP = o.rename.includes('port');
      project = o.project;
      const rd = o.reads ?? READS_MODEL;
      dropMaskall = project && !rd.qemuMaskall;
      dropPirqToIrq = project && !rd.pirqToIrq;
      dropUnassignedCommitted = project && !rd.unassignedCommitted;
      dropUnassignedMessage = project && !rd.unassignedMessage;
      presenceP2I = project && !rd.pirqToIrqValues;
      projXenIrq = project && !rd.programmedXenIrq;
      dropLabels = o.symmetry;
      slotsN = mineN;
      slotsS = mineS;
      try {
        if (!o.symmetry) {
          encode(w, false);
          return toString(r1, r2, r3, r4);
        }
        slots = slotsN;
        deviceSignatures(w);
        if (sig0 !== sig1) {
          encode(w, sig0 > sig1);
          return toString(r1, r2, r3, r4);
        }
        encode(w, false);
        const a1 = r1, a2 = r2, a3 = r3, a4 = r4;
        encode(w, true);
        // The smaller of the two fingerprints (unsigned, lane by lane).
        let b = false;
        if (r1 !== a1) b = r1 >>> 0 < a1 >>> 0;
        else if (r2 !== a2) b = r2 >>> 0 < a2 >>> 0;
        else if (r3 !== a3) b = r3 >>> 0 < a3 >>> 0;
        else b = r4 >>> 0 < a4 >>> 0;
        return b ? toString(r1, r2, r3, r4) : toString(a1, a2, a3, a4);
      } finally {
        current = null;
      }
    },
  };
  return id;
}

/** Order of two records by their JSON content (used only to name numbers no anchored field names). */
function cmpContent(a: unknown, b: unknown): number {
  const x = JSON.stringify(a) ?? '';
  const y = JSON.stringify(b) ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

function toString(a: number, b: number, c: number, d: number): string {
  return String.fromCharCode(
    a & 255, (a >>> 8) & 255, (a >>> 16) & 255, a >>> 24,
    b & 255, (b >>> 8) & 255, (b >>> 16) & 255, b >>> 24,
    c & 255, (c >>> 8) & 255, (c >>> 16) & 255, c >>> 24,
    d & 255, (d >>> 8) & 255, (d >>> 16) & 255, d >>> 24,
  );
}
