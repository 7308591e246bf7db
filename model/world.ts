/**
 * The whole system: one slice per component, plus the audit of the hypercall results seen during the last
 * step (a history variable in the TLA+ sense, read by invariants about what a call returned).
 *
 * Worlds are plain JSON data. Every record keyed by a number (domid, pirq, irq, port, device index) is a
 * plain object with integer keys, which JavaScript enumerates in ascending order, so JSON.stringify of a
 * world is canonical for a given construction order and can be hashed and diffed.
 */
import type { HwDevice } from './components/device.ts';
import type { XenState } from './components/xen.ts';
import type { QemuInstance } from './components/qemu.ts';
import type { GuestKernel } from './components/guest.ts';

/** One observation a handler made of a hypercall it issued, kept for the last step only. */
export type AuditRecord =
  | {
      readonly kind: 'map_pirq';
      readonly domid: number;
      readonly dev: number;
      readonly entry: number;
      readonly msix: boolean;
      readonly requested: number;
      readonly rc: number;
      readonly pirq: number;
      /** The (device, entry) Xen maps the returned pirq to right after the call, or null. */
      readonly observed: { readonly dev: number; readonly entry: number; readonly msix: boolean } | null;
    }
  | {
      readonly kind: 'guest_reuse';
      readonly domid: number;
      readonly dev: number;
      readonly entry: number;
      readonly pirq: number;
    };

export interface World {
  /** The PCI functions, by device index (scenario order). */
  readonly hw: Readonly<Record<number, HwDevice>>;
  readonly xen: XenState;
  /** One QEMU device model per HVM domain, by domid. */
  readonly qemu: Readonly<Record<number, QemuInstance>>;
  /** One guest kernel per domain, by domid. */
  readonly guests: Readonly<Record<number, GuestKernel>>;
  readonly audit: readonly AuditRecord[];
}

export type Draft<T> = { -readonly [K in keyof T]: T[K] extends object ? Draft<T[K]> : T[K] };
export type WorldDraft = Draft<World>;

/** Deep copy of a world; handlers only ever change the copy. */
export function cloneWorld(w: World): WorldDraft {
  return JSON.parse(JSON.stringify(w)) as WorldDraft;
}

/** Canonical encoding of a world (the audit of the last step is part of it). */
export function encodeWorld(w: World): string {
  return JSON.stringify(w);
}
