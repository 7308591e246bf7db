/**
 * What a variant's own code reads (and writes) of the fields the explorer's state identity may leave out or
 * encode as less than their value (checker/identity.ts, items 2 and 3). The identity's argument for those
 * fields is made about the model's code: who reads them, and that the writers keep them consistent. A fix
 * written as code may read any field, so its code runs on a view of the world that notes each such access;
 * the explorer turns a noted access into a guard event (checker/explore-core.ts `keyAndGuard`) and explores
 * again with that field kept, as it does for a dangling reference into a renamed namespace.
 *
 * The view: while an override's own code runs (model/overrides.ts), `s.w`, its arguments, what the built-in
 * functions it calls return and what `edit`/`own` give it are proxies over the world's objects. A proxy knows
 * the kind of object it stands for (its place in the world: a QEMU MSI-X entry, a guest's pirq_to_irq, ...)
 * and notes, only while an override's own code runs (model/guard.ts `guard.running`):
 *   - TOUCH.maskall: a read of QEMU's XenPTMSIX.maskall;
 *   - TOUCH.pirqToIrq: any read of a guest's pirq_to_irq record (its keys or values);
 *   - TOUCH.programmedXenIrq: a read of a hardware vector's `xen_irq` (MSI-X entry or MSI), or a write
 *     anywhere under `xen.irqs` (the projection relies on only map_domain_pirq giving an irq an msi_desc);
 *   - TOUCH.committed: a read of a QEMU MSI-X entry's `committed`, or any write into QEMU's state at or above
 *     an MSI-X entry (the projection relies on xen_pt_msix_update_one rewriting it before any read);
 *   - TOUCH.message: a read of a QEMU MSI-X entry's addr_lo/addr_hi/data, a call of QEMU's pci_msix_read
 *     (which returns them), or any write into QEMU's state at or above an MSI-X entry.
 * Writes through the view go to the world's objects; values stored are unwrapped first, so no proxy ever
 * enters a world, and the built-in code always gets the world's own objects (model/overrides.ts `trusted`).
 * A configuration without overrides never creates a view.
 */
import type { Sys } from './context.ts';
import { guard } from './guard.ts';

export const TOUCH = { maskall: 1, pirqToIrq: 2, programmedXenIrq: 4, committed: 8, message: 16 } as const;
export type Touched = keyof typeof TOUCH;
const WRITE_QEMU = TOUCH.committed | TOUCH.message;

let touched = 0;
/** The first access noted for each bit since the last `takeTouched`, for the guard's message. */
const firstWhat = new Map<number, string>();

/** The bits noted since the last call (cleared), and what the first access of each was. */
export function takeTouched(): { bits: number; what: ReadonlyMap<number, string> } | null {
  if (touched === 0) return null;
  const out = { bits: touched, what: new Map(firstWhat) };
  touched = 0;
  firstWhat.clear();
  return out;
}

/** Forget what was noted (the start of a step: model/step.ts). */
export function clearTouched(): void {
  if (touched === 0) return;
  touched = 0;
  firstWhat.clear();
}

function note(bits: number, what: string): void {
  const r = guard.running;
  if (r === null || r.user !== true) return;
  for (const b of [1, 2, 4, 8, 16]) {
    if ((bits & b) === 0 || (touched & b) !== 0) continue;
    firstWhat.set(b, `${r.where}: ${r.fn} ${what}`);
  }
  touched |= bits;
}

/** Built-in functions whose result carries a field of the list above, by `component.name`. */
const CALL_READS: Readonly<Record<string, readonly [number, string]>> = {
  'qemu.pci_msix_read': [TOUCH.message, "read a QEMU MSI-X entry's message through pci_msix_read"],
};

/** An override's own code calls the built-in `component.name` (model/overrides.ts `trusted`). */
export function noteCall(component: string, name: string): void {
  const c = CALL_READS[`${component}.${name}`];
  if (c) note(c[0], c[1]);
}

/** Kinds of object, by their place in the world. */
const enum K {
  Plain,
  Root,
  Qemu,
  QemuDom,
  QemuDevs,
  QemuDev,
  QemuMsix,
  QemuEntries,
  QemuEntry,
  QemuEntrySub,
  Guests,
  Guest,
  PirqToIrq,
  Hw,
  Xen,
  XenIrqs,
  /**
   * An object not found in the step's world: a value a built-in function made and returned, or one of the parent
   * world's objects that the step has since copied. Its place is unknown, so its fields are judged by name and
   * by the record's shape (an MSI-X entry has addr_lo, QEMU's MSI-X state has msix_entry).
   */
  Unknown,
}

/**
 * The world's layout as the view sees it: for each kind, the kind of its fields by name (`named`), of any other
 * field (`rest`, default Plain). Index: the kind.
 */
const LAYOUT: readonly { readonly named?: Readonly<Record<string, K>>; readonly rest?: K }[] = (() => {
  const t: { named?: Record<string, K>; rest?: K }[] = [];
  t[K.Plain] = {};
  t[K.Root] = { named: { qemu: K.Qemu, guests: K.Guests, hw: K.Hw, xen: K.Xen } };
  t[K.Qemu] = { rest: K.QemuDom };
  t[K.QemuDom] = { named: { devices: K.QemuDevs } };
  t[K.QemuDevs] = { rest: K.QemuDev };
  t[K.QemuDev] = { named: { msix: K.QemuMsix } };
  t[K.QemuMsix] = { named: { msix_entry: K.QemuEntries } };
  t[K.QemuEntries] = { rest: K.QemuEntry };
  t[K.QemuEntry] = { rest: K.QemuEntrySub };
  t[K.QemuEntrySub] = { rest: K.QemuEntrySub };
  t[K.Guests] = { rest: K.Guest };
  t[K.Guest] = { named: { pirq_to_irq: K.PirqToIrq } };
  t[K.PirqToIrq] = {};
  t[K.Hw] = { rest: K.Hw };
  t[K.Xen] = { named: { irqs: K.XenIrqs } };
  t[K.XenIrqs] = { rest: K.XenIrqs };
  t[K.Unknown] = { named: { pirq_to_irq: K.PirqToIrq }, rest: K.Unknown };
  return t;
})();

function child(k: K, key: PropertyKey): K {
  if (typeof key === 'symbol') return K.Plain;
  const l = LAYOUT[k]!;
  const n = l.named;
  return (n !== undefined && Object.hasOwn(n, key) ? n[key] : l.rest) ?? K.Plain;
}

const MESSAGE_FIELDS = new Set<PropertyKey>(['addr_lo', 'addr_hi', 'data']);

/** A read of `key` of `raw`, an object of kind k (a get, an `in`, a property descriptor). */
function onRead(k: K, key: PropertyKey, raw: object): void {
  switch (k) {
    case K.Unknown:
      if (key === 'committed') note(TOUCH.committed, 'read the committed message of a QEMU MSI-X entry');
      else if (key === 'addr_lo' || key === 'addr_hi' || (key === 'data' && 'addr_lo' in raw)) note(TOUCH.message, `read ${String(key)} of a QEMU MSI-X entry`);
      else if (key === 'maskall' && 'msix_entry' in raw) note(TOUCH.maskall, 'read maskall of a QEMU MSI-X capability');
      else if (key === 'xen_irq') note(TOUCH.programmedXenIrq, "read a hardware vector's programmed xen_irq");
      return;
    case K.QemuMsix:
      if (key === 'maskall') note(TOUCH.maskall, 'read maskall of a QEMU MSI-X capability');
      return;
    case K.QemuEntry:
      if (key === 'committed') note(TOUCH.committed, 'read the committed message of a QEMU MSI-X entry');
      else if (MESSAGE_FIELDS.has(key)) note(TOUCH.message, `read ${String(key)} of a QEMU MSI-X entry`);
      return;
    case K.PirqToIrq:
      note(TOUCH.pirqToIrq, "read a guest's pirq_to_irq");
      return;
    case K.Hw:
      if (key === 'xen_irq') note(TOUCH.programmedXenIrq, "read a hardware vector's programmed xen_irq");
      return;
    default:
      return;
  }
}

/** Whether x is, or holds within `depth` levels, QEMU MSI-X state (an entry has addr_lo, the capability msix_entry). */
function looksQemu(x: unknown, depth = 3): boolean {
  if (typeof x !== 'object' || x === null) return false;
  if ('addr_lo' in x || 'msix_entry' in x || 'committed' in x) return true;
  return depth > 0 && Object.values(x).some((v) => looksQemu(v, depth - 1));
}

/** Whether x is, or holds within `depth` levels, a Xen irq descriptor (it has msi_desc). */
function looksXenIrq(x: unknown, depth = 1): boolean {
  if (typeof x !== 'object' || x === null) return false;
  if ('msi_desc' in x) return true;
  return depth > 0 && Object.values(x).some((v) => looksXenIrq(v, depth - 1));
}

/** A write of `key` into `raw`, an object of kind k (set, define, delete; `value`: what is stored, if anything). */
function onWrite(k: K, key: PropertyKey, raw: object, value?: unknown): void {
  switch (k) {
    case K.Unknown: {
      const old = typeof key === 'symbol' ? undefined : (raw as Record<string, unknown>)[key];
      if (looksQemu(raw) || looksQemu(old) || looksQemu(value)) note(WRITE_QEMU, `wrote ${String(key)} of QEMU MSI-X state`);
      if (key === 'msi_desc' || looksXenIrq(raw) || looksXenIrq(old) || looksXenIrq(value)) note(TOUCH.programmedXenIrq, `wrote ${String(key)} of Xen's irq descriptors`);
      return;
    }
    case K.Root:
      if (key === 'qemu') note(WRITE_QEMU, 'replaced the QEMU state');
      else if (key === 'xen') note(TOUCH.programmedXenIrq, 'replaced the Xen state');
      return;
    case K.Qemu:
    case K.QemuDom:
    case K.QemuDevs:
      note(WRITE_QEMU, 'wrote QEMU device state');
      return;
    case K.QemuDev:
      if (key === 'msix') note(WRITE_QEMU, "replaced a QEMU device's MSI-X state");
      return;
    case K.QemuMsix:
      if (key === 'msix_entry') note(WRITE_QEMU, "replaced a QEMU device's MSI-X entries");
      return;
    case K.QemuEntries:
    case K.QemuEntry:
    case K.QemuEntrySub:
      note(WRITE_QEMU, `wrote ${String(key)} of a QEMU MSI-X entry`);
      return;
    case K.Xen:
      if (key === 'irqs') note(TOUCH.programmedXenIrq, "replaced Xen's irq descriptors");
      return;
    case K.XenIrqs:
      note(TOUCH.programmedXenIrq, `wrote ${String(key)} of Xen's irq descriptors`);
      return;
    default:
      return;
  }
}

interface Meta {
  readonly raw: object;
  readonly kind: K;
}

/** view -> what it stands for. */
const META = new WeakMap<object, Meta>();
/** (raw object, kind) -> its view, so that a view is the same object for the same world object. */
const VIEWS: WeakMap<object, object>[] = [];

function viewsOf(k: K): WeakMap<object, object> {
  let m = VIEWS[k];
  if (!m) VIEWS[k] = m = new WeakMap();
  return m;
}

/** The world's object behind a view (the value itself when it is not one). */
export function unwrap<T>(x: T): T {
  if (typeof x !== 'object' || x === null) return x;
  const m = META.get(x);
  return (m ? m.raw : x) as T;
}

/**
 * A value to store or to hand to built-in code: views replaced by their objects, also inside a plain object or
 * array the override built (copied where it holds one, so the override's own object is left as it was; an
 * object of the world holds no view).
 */
export function unwrapDeep<T>(x: T): T {
  if (typeof x !== 'object' || x === null) return x;
  const m = META.get(x);
  if (m) return m.raw as T;
  if (Object.isFrozen(x)) return x;
  if (Array.isArray(x)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as unknown;
      const u = unwrapDeep(v);
      if (u !== v) (out ??= x.slice())[i] = u;
    }
    return (out ?? x) as T;
  }
  const proto = Object.getPrototypeOf(x) as unknown;
  if (proto !== Object.prototype && proto !== null) return x;
  let out: Record<string, unknown> | null = null;
  for (const k of Object.keys(x)) {
    const v = (x as Record<string, unknown>)[k];
    const u = unwrapDeep(v);
    if (u !== v) (out ??= { ...(x as Record<string, unknown>) })[k] = u;
  }
  return (out ?? x) as T;
}

function readOnly(key: PropertyKey): TypeError {
  return new TypeError(`Cannot assign to read only property '${String(key)}' of object`);
}

const handler: ProxyHandler<object> = {
  get(t, key) {
    const m = META.get(t)!;
    if (m.kind !== K.Plain) onRead(m.kind, key, m.raw);
    const v = Reflect.get(m.raw, key) as unknown;
    return typeof v === 'object' && v !== null ? make(v, child(m.kind, key)) : v;
  },
  has(t, key) {
    const m = META.get(t)!;
    if (m.kind !== K.Plain) onRead(m.kind, key, m.raw);
    return Reflect.has(m.raw, key);
  },
  ownKeys(t) {
    const m = META.get(t)!;
    if (m.kind === K.PirqToIrq) onRead(m.kind, 'keys', m.raw);
    return Reflect.ownKeys(m.raw);
  },
  getOwnPropertyDescriptor(t, key) {
    const m = META.get(t)!;
    const d = Reflect.getOwnPropertyDescriptor(m.raw, key);
    if (!d) return undefined;
    if (m.kind !== K.Plain) onRead(m.kind, key, m.raw);
    const v = d.value as unknown;
    const value = typeof v === 'object' && v !== null ? make(v, child(m.kind, key)) : v;
    // An array's `length` is non-configurable on the (extensible, empty) target as well; everything else is
    // reported configurable, since the target does not have it.
    if (Array.isArray(m.raw) && key === 'length') return { value, writable: true, enumerable: false, configurable: false };
    return { value, writable: d.writable ?? false, enumerable: d.enumerable ?? false, configurable: true };
  },
  set(t, key, value) {
    const m = META.get(t)!;
    if (Object.isFrozen(m.raw)) throw readOnly(key);
    onWrite(m.kind, key, m.raw, value);
    return Reflect.set(m.raw, key, unwrapDeep(value));
  },
  defineProperty(t, key, d) {
    const m = META.get(t)!;
    if (Object.isFrozen(m.raw)) throw readOnly(key);
    onWrite(m.kind, key, m.raw, d.value);
    return Reflect.defineProperty(m.raw, key, 'value' in d ? { ...d, value: unwrapDeep(d.value) } : d);
  },
  deleteProperty(t, key) {
    const m = META.get(t)!;
    if (Object.isFrozen(m.raw)) throw new TypeError(`Cannot delete property '${String(key)}' of object`);
    onWrite(m.kind, key, m.raw);
    return Reflect.deleteProperty(m.raw, key);
  },
  getPrototypeOf(t) {
    return Reflect.getPrototypeOf(META.get(t)!.raw);
  },
  isExtensible(t) {
    return Reflect.isExtensible(t);
  },
  preventExtensions() {
    return false;
  },
};

function make(raw: object, kind: K): object {
  const known = META.get(raw);
  if (known) return raw; // already a view
  const views = viewsOf(kind);
  let v = views.get(raw);
  if (v) return v;
  const target: object = Array.isArray(raw) ? [] : {};
  META.set(target, { raw, kind });
  v = new Proxy(target, handler);
  META.set(v, { raw, kind });
  views.set(raw, v);
  return v;
}

/**
 * The kind of each object of a world on a path to a watched kind, by a walk from its root (for objects that reach
 * an override not through s.w). The walk does not descend into an object of kind Plain: nothing under one is
 * watched, and an object it did not reach is judged as Unknown (by its fields and shape), never as unwatched.
 */
function kindsOf(w: object): WeakMap<object, K> {
  const out = new WeakMap<object, K>();
  const walk = (x: object, k: K): void => {
    const had = out.get(x);
    if (had !== undefined && (had !== K.Plain || k === K.Plain)) return;
    out.set(x, k);
    if (k === K.Plain) return;
    for (const key of Object.keys(x)) {
      const v = (x as Record<string, unknown>)[key];
      if (typeof v === 'object' && v !== null) walk(v, child(k, key));
    }
  };
  walk(w, K.Root);
  return out;
}

/**
 * The last world walked by `viewOf`, its kinds, and how many objects the step owned then (a step's root stays
 * the same object for the whole step; an object added to it since is judged as Unknown until the next walk).
 */
let walkedRoot: object | null = null;
let walkedOwned = -1;
let walked: WeakMap<object, K> = new WeakMap();

/** A view of `x` (any value) for an override running in the step `s` (the world's own Sys). */
export function viewOf<T>(s: Sys, x: T): T {
  if (typeof x !== 'object' || x === null || META.has(x)) return x;
  const root = s.w as object;
  if (x === root) return make(x, K.Root) as T;
  const owned = s.owned ? s.owned.size : -1;
  let k = walkedRoot === root ? walked.get(x) : undefined;
  if (k === undefined && (walkedRoot !== root || walkedOwned !== owned || owned < 0)) {
    walked = kindsOf(root);
    walkedRoot = root;
    walkedOwned = owned;
    k = walked.get(x);
  }
  return make(x, k ?? K.Unknown) as T;
}

/** The view of the object `own(s, parent, key)` returned, `parent` given as the override gave it. */
export function viewOfChild<T>(s: Sys, parent: object, key: PropertyKey, x: T): T {
  if (typeof x !== 'object' || x === null) return x;
  const m = META.get(parent);
  if (m) return make(x, child(m.kind, key)) as T;
  return viewOf(s, x);
}

/** The view of the object at a path from the root (`edit`). */
export function viewAtPath<T>(path: readonly PropertyKey[], x: T): T {
  if (typeof x !== 'object' || x === null) return x;
  let k = K.Root;
  for (const p of path) k = child(k, p);
  return make(x, k) as T;
}

/** Whether `x` is a view. */
export function isView(x: unknown): boolean {
  return typeof x === 'object' && x !== null && META.has(x);
}

/** The step an override sees: the same, with the world as a view (a Sys is a plain record of five fields). */
const SYS_VIEWS = new WeakMap<Sys, Sys>();
const SYS_RAW = new WeakMap<Sys, Sys>();

export function sysView(s: Sys): Sys {
  const raw = SYS_RAW.get(s) ?? s;
  let v = SYS_VIEWS.get(raw);
  if (v) return v;
  v = { ...raw, w: make(raw.w as object, K.Root) as Sys['w'] };
  SYS_VIEWS.set(raw, v);
  SYS_RAW.set(v, raw);
  return v;
}

/** The world's own Sys behind an override's view of it. */
export function sysRaw(s: Sys): Sys {
  return SYS_RAW.get(s) ?? s;
}
