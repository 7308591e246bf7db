/**
 * Functions a variant replaces or wraps (a fix written as code, api/index.ts `defineVariant({ functions })`):
 * resolving them into the table a step calls through, and keeping them safe to run.
 *
 * An override receives the implementation it replaces (`builtin`: the base variant's, usually the built-in
 * one) and then exactly what that implementation receives: the step's Sys and the real function's arguments.
 *
 * Safe to run, checked while the override runs:
 *   - it writes only its own component's slices of the world (SLICES): `edit` and `own` (model/cow.ts) refuse
 *     a path into another slice, or an object the step does not own, while an override's own code runs; the
 *     built-in functions it calls (its `builtin`, or another component's through `s.fn`) are trusted and run
 *     unchecked. A configuration with an override freezes every world (model/step.ts), so a write that goes
 *     around edit/own into a shared object throws too;
 *   - it is deterministic: the first VERIFY_STEPS steps in which an override runs are run twice from the same
 *     world, and the two results (world and calls) must be equal, and the parent world unchanged;
 *   - it returns: the slot `WATCH` (a SharedArrayBuffer the command line's watchdog reads from another thread,
 *     cli/watchdog.ts) holds the index of the override running and a counter of override calls, so a call
 *     that does not return within the limit is named and the run stopped.
 * Every refusal is a VariantRunError: one line naming the variant file, the function and the problem.
 */
import type { Sys } from './context.ts';
import { TABLES, type ComponentFunctions, type FunctionName, type Functions, type ModelFn } from './functions.ts';
import type { VariantComponent } from './variants.ts';
import type { World } from './world.ts';
import { guard, type Running } from './guard.ts';
import { watchCode } from './watch-code.ts';
import { VariantRunError } from './variant-error.ts';
import { noteCall, sysRaw, sysView, unwrapDeep, viewOf } from './read-view.ts';

export { VariantRunError } from './variant-error.ts';

/** A replacement for the modelled function F: the implementation it replaces first, then F's own arguments. */
export type Override<F extends ModelFn> = (builtin: F, ...args: Parameters<F>) => ReturnType<F>;

/** The overrides a variant of component C may declare, by upstream name. */
export type Overrides<C extends VariantComponent> = { readonly [K in FunctionName<C>]?: Override<ComponentFunctions<C>[K]> };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOverride = (builtin: ModelFn, s: Sys, ...args: any[]) => any;

/** The functions one variant file overrides, with where they come from (for errors and trace records). */
export interface FunctionLayer {
  /** Number of the layer in the process, in load order (the same in every thread: each loads the files in the same order). */
  readonly index: number;
  readonly component: VariantComponent;
  /** The variant id that declared them. */
  readonly variant: string;
  /** The variant file, as the user named it. */
  readonly file: string;
  readonly overrides: Readonly<Record<string, AnyOverride>>;
}

/** The world's top-level keys (model/world.ts). */
const WORLD_KEYS: readonly (keyof World)[] = ['hw', 'xen', 'qemu', 'guests', 'dom0', 'pv', 'toolstack', 'audit'];

/**
 * The top-level slices of the world each component's code writes. A component owns its own record; the
 * PCI function's registers (`hw`) are written by whoever drives the device (Xen's MSI code, dom0's PCI core
 * and pciback, QEMU's MSI disable); every component may record an observation in `audit`. The toolstack
 * creates and destroys domains, so it adds and removes their guest kernels, PV frontends and device models
 * (and hvmloader's first PCI_COMMAND write, modelled inside libxl__device_pci_add). model/overrides.test.ts
 * runs every built-in function under this check: the model itself keeps to it.
 */
export const SLICES: Readonly<Record<VariantComponent, readonly (keyof World)[]>> = {
  guest: ['guests', 'pv', 'audit'],
  qemu: ['qemu', 'hw', 'audit'],
  xen: ['xen', 'hw', 'audit'],
  dom0: ['dom0', 'hw', 'audit'],
  toolstack: ['toolstack', 'guests', 'pv', 'qemu', 'hw', 'audit'],
};


/** Set when an override ran since the flag was last cleared (model/step.ts reads it to verify the step). */
let ran = false;

/**
 * The watchdog's view (cli/watchdog.ts), one pair of Int32 per watched thread after a thread counter at [0]:
 * [base] the code of the override running (watchCode), 0 for none; [base + 1] a counter bumped on every entry
 * into an override. Null when nothing watches this thread.
 */
let WATCH: Int32Array | null = null;
let watchBase = 0;
let watchBuffer: SharedArrayBuffer | null = null;

/** Watch the overrides run by this thread in `slot` (the command line's watchdog, or a thread it watches). */
export function watchOverrides(slot: SharedArrayBuffer): void {
  const view = new Int32Array(slot);
  const base = 2 + 2 * Atomics.add(view, 0, 1);
  watchBuffer = slot;
  // More threads than the buffer has slots for (cli/watchdog.ts THREADS): this one goes unwatched.
  if (base + 1 >= view.length) return;
  WATCH = view;
  watchBase = base;
}

/** The buffer this thread is watched through, for the worker threads it starts (checker/explore.ts). */
export function watchSlot(): SharedArrayBuffer | null {
  return watchBuffer;
}

let announce: ((l: FunctionLayer) => void) | null = null;

/** Called with every layer a variant file declares (the watchdog thread reports them to the watching thread). */
export function onLayer(f: (l: FunctionLayer) => void): void {
  announce = f;
}

export function announceLayer(l: FunctionLayer): void {
  announce?.(l);
}

export function takeRan(): boolean {
  const r = ran;
  ran = false;
  return r;
}

function where(l: FunctionLayer): string {
  return `variant file '${l.file}' (${l.component} variant '${l.variant}')`;
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message.split('\n')[0]}`;
  return String(e);
}

/**
 * Run trusted (built-in) code from inside an override: no write check while it runs, and the world's own
 * objects (the override's views unwrapped, model/read-view.ts); what it returns to the override is a view.
 */
function trusted(impl: ModelFn, component: string, name: string): ModelFn {
  return (s: Sys, ...args: unknown[]) => {
    const saved = guard.running;
    if (saved === null || saved.user !== true) return impl(s, ...args);
    noteCall(component, name);
    const raw = sysRaw(s);
    guard.running = null;
    let v: unknown;
    try {
      v = impl(raw, ...args.map(unwrapDeep));
    } finally {
      guard.running = saved;
    }
    return viewOf(raw, v);
  };
}

function userWrap(component: VariantComponent, fn: string, layer: FunctionLayer, o: AnyOverride, prev: ModelFn): ModelFn {
  const n = watchCode(layer.index, Object.keys(TABLES[component]).indexOf(fn));
  const builtin = trusted(prev, component, fn);
  const me: Running = { component, fn, slices: SLICES[component], where: where(layer), user: true };
  const foreign = WORLD_KEYS.filter((k) => !(SLICES[component] as readonly string[]).includes(k));
  return (sys: Sys, ...args: unknown[]) => {
    const s = sysRaw(sys);
    const saved = guard.running;
    const w = WATCH;
    const at = watchBase;
    const savedSlot = w ? Atomics.load(w, at) : 0;
    guard.running = me;
    ran = true;
    if (w) {
      Atomics.store(w, at, n);
      Atomics.add(w, at + 1, 1);
    }
    const root = s.w as unknown as Record<string, unknown>;
    const before = s.owned ? foreign.map((k) => root[k]) : null;
    try {
      const v = o(builtin, sysView(s), ...args.map((a) => viewOf(s, a)));
      // A direct assignment to another component's slice of the root (not through edit/own, which refuse it).
      if (before) {
        foreign.forEach((k, i) => {
          const now = root[k];
          if (now !== before[i] && !(typeof now === 'object' && now !== null && s.owned!.has(now))) {
            throw new VariantRunError(`${where(layer)}: ${fn} wrote world.${k}, which is not the ${component} component's state (a ${component} variant writes ${SLICES[component].join(', ')})`);
          }
        });
      }
      return unwrapDeep(v);
    } catch (e) {
      if (e instanceof VariantRunError) throw e;
      const frozen = e instanceof TypeError && /read only|not extensible|Cannot delete/.test(e.message);
      throw new VariantRunError(`${where(layer)}: ${fn} threw ${describe(e)}${frozen ? ' (a world is never written in place: write through edit/own, model/cow.ts)' : ''}`, { cause: e });
    } finally {
      guard.running = saved;
      if (w) Atomics.store(w, at, savedSlot);
    }
  };
}

/**
 * The table for a configuration whose variants override functions: every function of every component, the
 * overridden ones wrapped layer over layer (a base variant's first), each built-in one marked trusted.
 */
export function resolveFunctions(layers: readonly FunctionLayer[]): Functions {
  const out: Record<string, Record<string, ModelFn>> = {};
  for (const component of Object.keys(TABLES) as VariantComponent[]) {
    const table = TABLES[component] as Record<string, { impl: ModelFn }>;
    const fns: Record<string, ModelFn> = {};
    for (const [name, entry] of Object.entries(table)) {
      let impl = entry.impl;
      let overridden = false;
      for (const l of layers) {
        const o = l.component === component ? l.overrides[name] : undefined;
        if (!o) continue;
        impl = userWrap(component, name, l, o, overridden ? impl : trusted(impl, component, name));
        overridden = true;
      }
      fns[name] = overridden ? impl : trusted(impl, component, name);
    }
    out[component] = fns;
  }
  return out as unknown as Functions;
}

/**
 * Every built-in function run as if it were an override of its own component: the write check applied to
 * the model itself. model/overrides.test.ts runs the scenarios with it, which shows that SLICES is what the
 * built-in code writes.
 */
export function checkedBuiltins(): Functions {
  const out: Record<string, Record<string, ModelFn>> = {};
  for (const component of Object.keys(TABLES) as VariantComponent[]) {
    const fns: Record<string, ModelFn> = {};
    for (const [name, entry] of Object.entries(TABLES[component] as Record<string, { impl: ModelFn }>)) {
      const me: Running = { component, fn: name, slices: SLICES[component], where: `built-in ${component}` };
      fns[name] = (s: Sys, ...args: unknown[]) => {
        const saved = guard.running;
        guard.running = me;
        try {
          return entry.impl(s, ...args);
        } finally {
          guard.running = saved;
        }
      };
    }
    out[component] = fns;
  }
  return out as unknown as Functions;
}

/** How many steps that ran an override are run twice to check the override is deterministic. */
export const VERIFY_STEPS = 64;

/** Where two JSON values first differ, as a path (`world.xen.domains.1.pirqs`), or undefined if equal. */
export function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return JSON.stringify(a) === JSON.stringify(b) ? undefined : path;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  for (const k of ka) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  for (const k of kb) if (!(k in a)) return `${path}.${k}`;
  return ka.join() === kb.join() ? undefined : path;
}

