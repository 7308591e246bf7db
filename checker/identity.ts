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
 *   3. Fields nothing reads are left out: QEMU's `XenPTMSIX.maskall` (written by xen_pt_msixctrl_reg_write,
 *      read by no handler and no invariant), and the last step's `audit` (a history variable: invariants read it
 *      on the successor before deduplication, `apply` clears it).
 *   4. Device symmetry (optional): in a scenario whose two devices are equal but for their labels (BDF, guest
 *      slot), the identity is the smaller of the fingerprints of the world and of its image with the two
 *      device indices swapped (checker/explore-symmetry.ts argues why that is a symmetry).
 * The renaming applies to the scenarios without a toolstack lifecycle (their dom0, PV guests and toolstack
 * hold pirqs and domids only); `identityOptions` turns it off elsewhere.
 */
import type { Scenario } from '../model/scenarios.ts';
import type { World } from '../model/world.ts';
import { mix, stringHash, type L } from './fingerprint.ts';
import { hasDeviceSymmetry } from './explore-symmetry.ts';

/** The namespaces that can be renamed. */
export type Namespace = 'xen-irq' | 'guest-irq' | 'port';
export const NAMESPACES: readonly Namespace[] = ['xen-irq', 'guest-irq', 'port'];

export interface IdentityOptions {
  /** Namespaces renamed canonically (empty: every number concrete). */
  readonly rename: readonly Namespace[];
  /** Presence for pirq_to_irq, the projected xen_irq, and no QEMU maskall (item 2 and 3 of the header). */
  readonly project: boolean;
  /** Device swap (item 4). */
  readonly symmetry: boolean;
}

/** The identity with nothing reduced: every field, every number concrete, no symmetry. */
export const CONCRETE: IdentityOptions = { rename: [], project: false, symmetry: false };

/** The reductions that apply to a scenario by default: renaming and projection off the lifecycle scenarios. */
export function defaultIdentity(sc: Scenario, symmetry?: boolean): IdentityOptions {
  const sym = symmetry ?? hasDeviceSymmetry(sc);
  if (sc.lifecycle) return { rename: [], project: false, symmetry: sym };
  return { rename: NAMESPACES, project: true, symmetry: sym };
}

export function describeIdentity(o: IdentityOptions): string {
  const parts: string[] = [];
  if (o.rename.length) parts.push(`renamed: ${o.rename.join(', ')}`);
  if (o.project) parts.push('projected: pirq_to_irq presence, programmed xen_irq, no QEMU maskall');
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
}

/* ---- A streaming hash of 32-bit tokens (MurmurHash3 x86_128 mixing, 4 tokens per block). ---- */
const h: L = [0, 0, 0, 0];
let b0 = 0;
let b1 = 0;
let b2 = 0;
let nbuf = 0;
let ntok = 0;
function reset(): void {
  h[0] = 0x9747b28c;
  h[1] = 0x85ebca6b;
  h[2] = 0xc2b2ae35;
  h[3] = 0x27d4eb2f;
  nbuf = 0;
  ntok = 0;
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
      mix(h[0], h[1], h[2], h[3], b0, b1, b2, x | 0, h);
      nbuf = 0;
  }
}
function finish(): L {
  while (nbuf !== 0) tok(0);
  mix(h[0], h[1], h[2], h[3], ntok, 0x5bd1e995, 0, 0, h);
  return [h[0], h[1], h[2], h[3]];
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
/** Keys of a record keyed by device index, in the order of their permuted index (emit `devIdx(key)`, then rec[key]). */
function devKeys(o: object): string[] {
  const ks = Object.keys(o);
  if (swap && ks.length > 1 && ks[0] === '0' && ks[1] === '1') {
    ks[0] = '1';
    ks[1] = '0';
  }
  return ks;
}
function isLabel(k: string): boolean {
  return dropLabels && (k === 'bdf' || k === 'vslot');
}

/**
 * Number of keys JSON would write (value not undefined), labels left out where they are. (The walks use for-in,
 * which enumerates a plain object's own keys in the order Object.keys gives, without allocating the key array.)
 */
function count(o: Record<string, unknown>): number {
  let n = 0;
  for (const k in o) if (o[k] !== undefined && !isLabel(k)) n++;
  return n;
}

/** Generic encoding of JSON data, `dev` fields permuted; objects: key count, then key and value per key. */
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
  tok(count(o));
  for (const k in o) {
    const x = o[k];
    if (x === undefined || isLabel(k)) continue;
    fieldKey(k);
    if (k === 'dev' && typeof x === 'number') num(devIdx(x));
    else if (k === 'devices' && x !== null && typeof x === 'object' && !Array.isArray(x)) anyDevices(x as Record<string, unknown>);
    else any(x);
  }
}

/**
 * A record keyed by device index that no walk above knows by place (e.g. Xen's per-domain msixtbl.devices):
 * its keys permuted as `dev` fields are, so the device swap reaches every device-keyed record (the state's
 * convention: a record keyed by device index is named `devices`, model/components/xen/state.ts).
 */
function anyDevices(o: Record<string, unknown>): void {
  tok(T.Obj);
  tok(count(o));
  for (const dk of devKeys(o)) {
    const x = o[dk];
    if (x === undefined) continue;
    num(devIdx(Number(dk)));
    any(x);
  }
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
  keys(o: object, order?: (a: string, b: string) => number): string[] {
    const ks = Object.keys(o);
    if (!this.on) return ks;
    let un: string[] | null = null;
    for (const k of ks) if (!this.has(Number(k))) (un ??= []).push(k);
    if (un) {
      if (un.length > 1 && order) un.sort(order);
      for (const k of un) this.name(Number(k));
    }
    if (ks.length > 1) ks.sort((a, b) => this.get(Number(a)) - this.get(Number(b)));
    return ks;
  }
}

export interface Identity {
  readonly options: IdentityOptions;
  /** The 16-character one-byte fingerprint of a world's identity. */
  key(w: World): string;
  /** The first dangling reference met in a renamed namespace (the reduction is then not justified), or null. */
  guard: { readonly namespace: Namespace; readonly what: string } | null;
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
  if (project) {
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
  tok(count(o));
  for (const k in o) {
    const v = o[k];
    if (v === undefined || isLabel(k)) continue;
    fieldKey(k);
    if (k === 'msi') {
      const m = v as Record<string, unknown>;
      tok(T.Obj);
      tok(count(m));
      for (const f in m) {
        if (m[f] === undefined) continue;
        fieldKey(f);
        if (f === 'xen_irq') programmed(m[f] as number, dev, 0, false);
        else any(m[f]);
      }
    } else if (k === 'msix') {
      const m = v as Record<string, unknown>;
      tok(T.Obj);
      tok(count(m));
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
          tok(count(x));
          for (const g in x) {
            if (x[g] === undefined) continue;
            fieldKey(g);
            if (g === 'xen_irq') programmed(x[g] as number, dev, e, true);
            else any(x[g]);
          }
        }
      }
    } else any(v);
  }
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
  tok(count(o));
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
}

let ipRec: Readonly<Record<number, number>> = {};
const byPirqThenContent = (a: string, b: string): number => ipRec[Number(a)]! - ipRec[Number(b)]! || cmpContent(irqs[Number(a)], irqs[Number(b)]);
let portRec: Readonly<Record<number, number>> = {};
const byPortPirq = (a: string, b: string): number => portRec[Number(a)]! - portRec[Number(b)]!;
const byIrqContent = (a: string, b: string): number => cmpContent(irqs[Number(a)], irqs[Number(b)]);
let gRec: Readonly<Record<number, GuestIrq>> = {};
const byGuestIrqContent = (a: string, b: string): number => cmpContent(gRec[Number(a)], gRec[Number(b)]);

function encDomain(d: XenDomain): void {
  const pn = portsOf(d.domid);
  const o = d as unknown as Record<string, unknown>;
  tok(T.Obj);
  tok(count(o));
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue;
    fieldKey(k);
    if (k === 'pirqs') {
      const rec = v as Readonly<Record<number, Pirq>>;
      tok(T.Obj);
      for (const pS in rec) {
        const p = Number(pS);
        num(p);
        encPirq(rec[p]!, d, p, pn);
      }
    } else if (k === 'irq_pirq') {
      const rec = v as Readonly<Record<number, number>>;
      ipRec = rec;
      tok(T.Obj);
      // Unnamed keys in the order of the pirq they map to, then of their irq record's content.
      for (const iS of xn.keys(rec, byPirqThenContent)) {
        const i = Number(iS);
        checkIrq(i, 'dom%a irq_pirq', d.domid, 0);
        xn.enc(i);
        num(rec[i]!);
      }
    } else if (k === 'ports') {
      const rec = v as Readonly<Record<number, number>>;
      portRec = rec;
      tok(T.Obj);
      for (const eS of pn.keys(rec, byPortPirq)) {
        pn.enc(Number(eS));
        num(rec[Number(eS)]!);
      }
    } else any(v);
  }
}

function encGuestIrq(x: GuestIrq, domid: number, xd: XenDomain | undefined, pn: Names, irq: number): void {
  const o = x as unknown as Record<string, unknown>;
  tok(T.Obj);
  tok(count(o));
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
}

function encGuest(k: World['guests'][number], domid: number, xd: XenDomain | undefined): void {
  gn.start(renG);
  const pn = portsOf(domid);
  // msi_list anchors the Linux irq names (by device, entry).
  for (const dk of devKeys(k.devices)) {
    const ml = k.devices[Number(dk)]!.msi_list;
    for (const eS in ml) {
      const irq = ml[Number(eS)]!;
      if (renG && k.irqs[irq] === undefined) dangle('guest-irq', `dom${domid} msi_list names Linux irq ${irq}, which is freed`);
      gn.name(irq);
    }
  }
  const o = k as unknown as Record<string, unknown>;
  tok(T.Obj);
  tok(count(o));
  for (const key in o) {
    const v = o[key];
    if (v === undefined) continue;
    fieldKey(key);
    if (key === 'irqs') {
      const rec = v as Readonly<Record<number, GuestIrq>>;
      gRec = rec;
      tok(T.Obj);
      for (const iS of gn.keys(rec, byGuestIrqContent)) {
        gn.enc(Number(iS));
        encGuestIrq(rec[Number(iS)]!, domid, xd, pn, Number(iS));
      }
    } else if (key === 'pirq_to_irq') {
      const rec = v as Readonly<Record<number, number>>;
      tok(T.Obj);
      for (const pS in rec) {
        num(Number(pS));
        if (project) tok(T.Present);
        else num(rec[Number(pS)]!);
      }
    } else if (key === 'devices') {
      const rec = v as World['guests'][number]['devices'];
      tok(T.Obj);
      for (const dk of devKeys(rec)) {
        num(devIdx(Number(dk)));
        const gd = rec[Number(dk)]! as unknown as Record<string, unknown>;
        tok(T.Obj);
        tok(count(gd));
        for (const f in gd) {
          const x = gd[f];
          if (x === undefined || isLabel(f)) continue;
          fieldKey(f);
          if (f === 'msi_list') {
            const m = x as Readonly<Record<number, number>>;
            tok(T.Obj);
            for (const eS in m) {
              num(Number(eS));
              gn.enc(m[Number(eS)]!);
            }
          } else any(x);
        }
      }
    } else any(v);
  }
}

function encQemu(q: World['qemu'][number]): void {
  const o = q as unknown as Record<string, unknown>;
  tok(T.Obj);
  tok(count(o));
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue;
    fieldKey(k);
    if (k === 'devices') {
      const rec = v as Record<number, Record<string, unknown>>;
      tok(T.Obj);
      for (const dk of devKeys(rec)) {
        num(devIdx(Number(dk)));
        const qd = rec[Number(dk)]!;
        tok(T.Obj);
        tok(count(qd));
        for (const f in qd) {
          const x = qd[f];
          if (x === undefined || isLabel(f)) continue;
          fieldKey(f);
          if (f === 'msix' && project) {
            // XenPTMSIX.maskall: written by xen_pt_msixctrl_reg_write, read by no handler and no invariant.
            const m = x as Record<string, unknown>;
            tok(T.Obj);
            tok(count(m) - (m['maskall'] !== undefined ? 1 : 0));
            for (const g in m) {
              if (g === 'maskall' || m[g] === undefined) continue;
              fieldKey(g);
              any(m[g]);
            }
          } else any(x);
        }
      }
    } else if (k === 'pcihp_down') {
      const a = (v as readonly number[]).map(devIdx).sort((x, y) => x - y);
      tok(T.Arr);
      tok(a.length);
      for (const d of a) num(d);
    } else any(v);
  }
}

function devRecord(ds: object): void {
  const rec = ds as Record<number, unknown>;
  tok(T.Obj);
  for (const dk of devKeys(rec)) {
    num(devIdx(Number(dk)));
    any(rec[Number(dk)]);
  }
}

function encode(w: World, sw: boolean): L {
  swap = sw;
  reset();
  xn.start(renX);
  for (const p of portNames.values()) p.start(renP);
  irqs = w.xen.irqs;

  // hw (by device index): anchors the Xen irq names of programmed vectors.
  tok(T.Obj);
  for (const dk of devKeys(w.hw)) {
    num(devIdx(Number(dk)));
    encHw(w.hw[Number(dk)]!, Number(dk));
  }
  // xen: domains first (their pirqs, in pirq order, anchor irq and port names), then the irq table.
  const x = w.xen;
  tok(T.Obj);
  fieldKey('domains');
  tok(T.Obj);
  for (const domS of Object.keys(x.domains)) {
    const domid = Number(domS);
    portsOf(domid).start(renP);
    num(domid);
    encDomain(x.domains[domid]!);
  }
  fieldKey('irqs');
  tok(T.Obj);
  for (const iS of xn.keys(irqs, byIrqContent)) {
    xn.enc(Number(iS));
    any(irqs[Number(iS)]);
  }
  fieldKey('pdevs');
  devRecord(x.pdevs);
  const xr = x as unknown as Record<string, unknown>;
  for (const k of Object.keys(xr)) if (k !== 'domains' && k !== 'irqs' && k !== 'pdevs') (fieldKey(k), any(xr[k]));

  tok(T.Obj);
  for (const qS of Object.keys(w.qemu)) {
    num(Number(qS));
    encQemu(w.qemu[Number(qS)]!);
  }
  tok(T.Obj);
  for (const gS of Object.keys(w.guests)) {
    const domid = Number(gS);
    num(domid);
    encGuest(w.guests[domid]!, domid, x.domains[domid]);
  }
  // The rest (dom0, pv, toolstack, and any component added later), generically.
  const wr = w as unknown as Record<string, unknown>;
  for (const key of Object.keys(wr)) {
    if (key === 'hw' || key === 'xen' || key === 'qemu' || key === 'guests' || key === 'audit') continue;
    fieldKey(key);
    const v = wr[key] as Record<string, unknown>;
    if (key === 'dom0' && v && typeof v === 'object' && v['devices']) {
      const ks = Object.keys(v);
      tok(T.Obj);
      tok(ks.length);
      for (const k of ks) (fieldKey(k), k === 'devices' ? devRecord(v[k] as object) : any(v[k]));
    } else any(v);
  }
  swap = false;
  return finish();
}

/**
 * A hash of what a device's records say, the same whichever index the device has and whatever numbers its
 * vectors were given (it reads no renamed number): under the symmetry, the device with the smaller one is put
 * first, so that most states are encoded once; when the two are equal, both orders are encoded and the smaller
 * fingerprint kept.
 */
function deviceSignature(w: World, dev: number): number {
  reset();
  const hw = w.hw[dev];
  if (hw) {
    tok(+hw.command.memory | (+hw.command.master << 1) | (+hw.msi.enable << 2) | (+hw.msix.enable << 3) | (+hw.msix.maskall << 4));
    for (const e of hw.msix.entries) tok(+e.masked);
  }
  const pd = w.xen.pdevs[dev];
  if (pd) (tok(pd.domain), tok(pd.msix.used_entries), tok(+pd.msix.host_maskall | (+pd.msix.guest_maskall << 1)), tok(pd.msix.warned));
  for (const q of Object.values(w.qemu)) {
    const qd = q.devices[dev];
    if (!qd) continue;
    tok(+qd.msix.enabled | (+qd.msi.enabled << 1) | (+qd.msi.mapped << 2) | (+qd.msi.initialized << 3));
    tok(qd.msi.pirq);
    for (const e of qd.msix.msix_entry) (tok(e.pirq), tok(e.addr_lo), tok(e.addr_hi), tok(+e.updated));
  }
  for (const g of Object.values(w.guests)) {
    const gd = g.devices[dev];
    if (!gd) {
      tok(-1);
      continue;
    }
    const s = stringHash(gd.driver.stage);
    tok(s[0]);
    tok(gd.driver.nvec);
    tok(gd.driver.next);
    tok(+gd.msix_enabled | (+gd.msi_enabled << 1));
    tok(Object.keys(gd.msi_list).length);
  }
  return finish()[0];
}

export function makeIdentity(o: IdentityOptions): Identity {
  const id: Identity = {
    options: o,
    guard: null,
    key(w: World): string {
      current = id;
      renX = o.rename.includes('xen-irq');
      renG = o.rename.includes('guest-irq');
      renP = o.rename.includes('port');
      project = o.project;
      dropLabels = o.symmetry;
      try {
        if (!o.symmetry) return toString(encode(w, false));
        const s0 = deviceSignature(w, 0);
        const s1 = deviceSignature(w, 1);
        if (s0 !== s1) return toString(encode(w, s0 > s1));
        const a = encode(w, false);
        const b = encode(w, true);
        return toString(less(b, a) ? b : a);
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

function less(a: L, b: L): boolean {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return a[i]! >>> 0 < b[i]! >>> 0;
  return false;
}

function toString(x: L): string {
  return String.fromCharCode(
    x[0] & 255, (x[0] >>> 8) & 255, (x[0] >>> 16) & 255, x[0] >>> 24,
    x[1] & 255, (x[1] >>> 8) & 255, (x[1] >>> 16) & 255, x[1] >>> 24,
    x[2] & 255, (x[2] >>> 8) & 255, (x[2] >>> 16) & 255, x[2] >>> 24,
    x[3] & 255, (x[3] >>> 8) & 255, (x[3] >>> 16) & 255, x[3] >>> 24,
  );
}
