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
}

/** A streaming MurmurHash3-mixed hash of a sequence of 32-bit tokens. */
const h: L = [0, 0, 0, 0];
const buf = [0, 0, 0, 0];
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
  buf[nbuf++] = x | 0;
  ntok++;
  if (nbuf === 4) {
    mix(h[0], h[1], h[2], h[3], buf[0]!, buf[1]!, buf[2]!, buf[3]!, h);
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
  tok(k[0]!);
  tok(k[1]!);
}

/** Device index permutation of the encoding being computed (identity or the swap). */
let swap = false;
function devIdx(d: number): number {
  return swap && (d === 0 || d === 1) ? 1 - d : d;
}
/** Keys of a record keyed by device index, in the order of their permuted index (emit `devIdx(key)`, then rec[key]). */
function devKeys(o: object): string[] {
  const ks = Object.keys(o);
  if (!swap) return ks;
  return ks.sort((a, b) => devIdx(Number(a)) - devIdx(Number(b)));
}

/** Fields that label a device index (never written after the initial world): left out under the symmetry. */
let labels: string | null = null;

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
  const ks = Object.keys(o);
  tok(T.Obj);
  let n = 0;
  for (let i = 0; i < ks.length; i++) if (o[ks[i]!] !== undefined) n++;
  tok(n);
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i]!;
    const x = o[k];
    if (x === undefined) continue;
    str(k);
    if (k === 'dev' && typeof x === 'number') num(devIdx(x));
    else any(x);
  }
}

/**
 * An object encoded generically except for the fields in `special`, each encoded by its function (a field the
 * model adds later is encoded generically, never silently dropped).
 */
function objWith(o: object, special: Readonly<Record<string, (v: unknown) => void>>, drop?: string, dropLabels = false): void {
  const r = o as Record<string, unknown>;
  const ks = Object.keys(r);
  const skip = (k: string) => k === drop || (dropLabels && labels !== null && (k === 'bdf' || k === 'vslot'));
  tok(T.Obj);
  let n = 0;
  for (let i = 0; i < ks.length; i++) if (r[ks[i]!] !== undefined && !skip(ks[i]!)) n++;
  tok(n);
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i]!;
    const x = r[k];
    if (x === undefined || skip(k)) continue;
    str(k);
    const f = special[k];
    if (f) f(x);
    else if (k === 'dev' && typeof x === 'number') num(devIdx(x));
    else any(x);
  }
}

/** A namespace's renaming for one encoding: number -> name (1, 2, ... in order of first appearance). */
class Names {
  readonly map = new Map<number, number>();
  constructor(readonly on: boolean) {}
  name(v: number): number {
    if (!this.on) return v;
    let n = this.map.get(v);
    if (n === undefined) {
      n = this.map.size + 1;
      this.map.set(v, n);
    }
    return n;
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
    const un = ks.filter((k) => !this.map.has(Number(k)));
    if (un.length > 1 && order) un.sort(order);
    for (const k of un) this.name(Number(k));
    return ks.sort((a, b) => this.map.get(Number(a))! - this.map.get(Number(b))!);
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

export function makeIdentity(o: IdentityOptions): Identity {
  const renX = o.rename.includes('xen-irq');
  const renG = o.rename.includes('guest-irq');
  const renP = o.rename.includes('port');
  const id: Identity = {
    options: o,
    guard: null,
    key(w: World): string {
      const a = encode(w, false);
      if (!o.symmetry) return toString(a);
      const b = encode(w, true);
      return toString(less(b, a) ? b : a);
    },
  };
  const dangle = (namespace: Namespace, what: string): void => {
    if (!id.guard) id.guard = { namespace, what };
  };

  function encode(w: World, sw: boolean): L {
    swap = sw;
    labels = o.symmetry ? 'device' : null;
    reset();
    const xn = new Names(renX);
    const ports = new Map<number, Names>();
    const portsOf = (domid: number): Names => {
      let p = ports.get(domid);
      if (!p) ports.set(domid, (p = new Names(renP)));
      return p;
    };
    const irqs = w.xen.irqs;
    /** Projected xen_irq of a hardware vector: the irq if Xen has it with this vector's msi_desc, else 0. */
    const programmed = (x: number, dev: number, entry: number, msix: boolean): number => {
      if (!o.project) return x;
      const md = irqs[x]?.msi_desc;
      return md && md.dev === dev && md.entry_nr === entry && md.msix === msix ? x : 0;
    };
    const checkIrq = (x: number, where: string): void => {
      if (renX && irqs[x] === undefined) dangle('xen-irq', `${where} names irq ${x}, which Xen does not have`);
    };

    // --- hw (by device index): anchors the Xen irq names of programmed vectors.
    tok(T.Obj);
    for (const dk of devKeys(w.hw)) {
      const dev = Number(dk);
      const hw = w.hw[dev]!;
      num(devIdx(dev));
      objWith(hw, {
        msi: (m) =>
          objWith(m as object, {
            xen_irq: (x) => {
              const v = programmed(x as number, dev, 0, false);
              if (v === 0) num(0);
              else (checkIrq(v, `device ${dev} MSI`), xn.enc(v));
            },
          }),
        msix: (m) =>
          objWith(m as object, {
            entries: (es) => {
              const arr = es as readonly { xen_irq: number }[];
              tok(T.Arr);
              tok(arr.length);
              for (let k = 0; k < arr.length; k++)
                objWith(arr[k]!, {
                  xen_irq: (x) => {
                    const v = programmed(x as number, dev, k, true);
                    if (v === 0) num(0);
                    else (checkIrq(v, `device ${dev} MSI-X entry ${k}`), xn.enc(v));
                  },
                });
            },
          }),
      }, undefined, true);
    }

    // --- xen
    const x = w.xen;
    const pirqIrq = (v: number, where: string): void => {
      if (v > 0) (checkIrq(v, where), xn.enc(v));
      else if (v < -1) (checkIrq(-v, where), tok(T.Name ^ 0x100), renX ? tok(xn.name(-v)) : num(v));
      else num(v);
    };
    tok(T.Obj);
    str('nr_irqs_gsi');
    num(x.nr_irqs_gsi);
    str('nr_irqs');
    num(x.nr_irqs);
    // Domains first (their pirqs, in pirq order, anchor irq and port names), then the irq table.
    str('domains');
    tok(T.Obj);
    for (const domS of Object.keys(x.domains)) {
      const domid = Number(domS);
      const d = x.domains[domid]!;
      const pn = portsOf(domid);
      num(domid);
      objWith(d, {
        pirqs: (ps) => {
          const rec = ps as Readonly<Record<number, Pirq>>;
          tok(T.Obj);
          for (const pS of Object.keys(rec)) {
            const p = Number(pS);
            num(p);
            objWith(rec[p]!, {
              irq: (v) => pirqIrq(v as number, `dom${domid} pirq ${p} arch.irq`),
              evtchn: (v) => {
                const e = v as number;
                if (e === 0) num(0);
                else {
                  if (renP && d.ports[e] === undefined) dangle('port', `dom${domid} pirq ${p} names port ${e}, which is closed`);
                  pn.enc(e);
                }
              },
            });
          }
        },
        irq_pirq: (ip) => {
          const rec = ip as Readonly<Record<number, number>>;
          tok(T.Obj);
          // Unnamed keys in the order of the pirq they map to, then of their irq record's content.
          for (const iS of xn.keys(rec, (a, b) => rec[Number(a)]! - rec[Number(b)]! || cmpContent(irqs[Number(a)], irqs[Number(b)]))) {
            const i = Number(iS);
            checkIrq(i, `dom${domid} irq_pirq`);
            xn.enc(i);
            num(rec[i]!);
          }
        },
        ports: (pt) => {
          const rec = pt as Readonly<Record<number, number>>;
          tok(T.Obj);
          for (const eS of pn.keys(rec, (a, b) => rec[Number(a)]! - rec[Number(b)]!)) {
            pn.enc(Number(eS));
            num(rec[Number(eS)]!);
          }
        },
      });
    }
    str('irqs');
    tok(T.Obj);
    for (const iS of xn.keys(irqs, (a, b) => cmpContent(irqs[Number(a)], irqs[Number(b)]))) {
      xn.enc(Number(iS));
      any(irqs[Number(iS)]);
    }
    str('pdevs');
    tok(T.Obj);
    for (const dk of devKeys(x.pdevs)) {
      num(devIdx(Number(dk)));
      any(x.pdevs[Number(dk)]);
    }
    for (const k of Object.keys(x)) if (k !== 'nr_irqs_gsi' && k !== 'nr_irqs' && k !== 'domains' && k !== 'irqs' && k !== 'pdevs') (str(k), any((x as unknown as Record<string, unknown>)[k]));

    // --- qemu
    tok(T.Obj);
    for (const qS of Object.keys(w.qemu)) {
      const q = w.qemu[Number(qS)]!;
      num(Number(qS));
      objWith(q, {
        devices: (ds) => {
          const rec = ds as Record<number, object>;
          tok(T.Obj);
          for (const dk of devKeys(rec)) {
            num(devIdx(Number(dk)));
            const qd = rec[Number(dk)]!;
            if (o.project) objWith(qd, { msix: (m) => objWith(m as object, {}, 'maskall') }, undefined, true);
            else objWith(qd, {}, undefined, true);
          }
        },
        pcihp_down: (v) => {
          const a = v as readonly number[];
          tok(T.Arr);
          tok(a.length);
          const m = a.map(devIdx).sort((p, q2) => p - q2);
          for (const d of m) num(d);
        },
      });
    }

    // --- guests
    tok(T.Obj);
    for (const gS of Object.keys(w.guests)) {
      const domid = Number(gS);
      const k = w.guests[domid]!;
      const gn = new Names(renG);
      const pn = portsOf(domid);
      const xd = x.domains[domid];
      num(domid);
      // msi_list anchors the Linux irq names (by device, entry).
      for (const dk of devKeys(k.devices)) {
        const ml = k.devices[Number(dk)]!.msi_list;
        for (const eS of Object.keys(ml)) {
          const irq = ml[Number(eS)]!;
          if (renG && k.irqs[irq] === undefined) dangle('guest-irq', `dom${domid} msi_list names Linux irq ${irq}, which is freed`);
          gn.name(irq);
        }
      }
      objWith(k, {
        irqs: (is) => {
          const rec = is as Readonly<Record<number, GuestIrq>>;
          tok(T.Obj);
          for (const iS of gn.keys(rec, (a, b) => cmpContent(rec[Number(a)], rec[Number(b)]))) {
            gn.enc(Number(iS));
            objWith(rec[Number(iS)]!, {
              irq: (v) => gn.enc(v as number),
              evtchn: (v) => {
                const e = v as number;
                if (e === 0) num(0);
                else {
                  if (renP && xd?.ports[e] === undefined) dangle('port', `dom${domid} Linux irq ${iS} names port ${e}, which is closed`);
                  pn.enc(e);
                }
              },
            });
          }
        },
        pirq_to_irq: (pi) => {
          const rec = pi as Readonly<Record<number, number>>;
          tok(T.Obj);
          for (const pS of Object.keys(rec)) {
            num(Number(pS));
            if (o.project) tok(T.Present);
            else num(rec[Number(pS)]!);
          }
        },
        devices: (ds) => {
          const rec = ds as World['guests'][number]['devices'];
          tok(T.Obj);
          for (const dk of devKeys(rec)) {
            num(devIdx(Number(dk)));
            objWith(rec[Number(dk)]!, {
              msi_list: (ml) => {
                const m = ml as Readonly<Record<number, number>>;
                tok(T.Obj);
                for (const eS of Object.keys(m)) {
                  num(Number(eS));
                  gn.enc(m[Number(eS)]!);
                }
              },
            }, undefined, true);
          }
        },
      });
    }

    // --- the rest (dom0, pv, toolstack, and any component added later), generically.
    for (const key of Object.keys(w)) {
      if (key === 'hw' || key === 'xen' || key === 'qemu' || key === 'guests' || key === 'audit') continue;
      str(key);
      const v = (w as unknown as Record<string, unknown>)[key];
      if (key === 'dom0') objWith(v as object, { devices: (ds) => devRecord(ds as object) });
      else any(v);
    }
    swap = false;
    return finish();
  }
  return id;
}

function devRecord(ds: object): void {
  const rec = ds as Record<number, unknown>;
  tok(T.Obj);
  for (const dk of devKeys(rec)) {
    num(devIdx(Number(dk)));
    any(rec[Number(dk)]);
  }
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
