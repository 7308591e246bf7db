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
import type { Dom0State } from './components/dom0.ts';
import type { ToolstackState, PvGuest } from './components/lifecycle.ts';

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
    }
  | {
      /** msi_set_mask_bit / __pci_disable_msix had to set MASKALL because memory decoding was off. */
      readonly kind: 'mask_without_decoding';
      readonly fn: 'msi_set_mask_bit' | '__pci_disable_msix';
      readonly dev: number;
      readonly irq: number;
      /** pdev->domain at that moment. */
      readonly owner: number;
    }
  | {
      /** msix_capability_init cleared a set host_maskall; entry is null for PHYSDEVOP_prepare_msix. */
      readonly kind: 'host_maskall_cleared';
      readonly dev: number;
      readonly entry: number | null;
      readonly owner: number;
    }
  | {
      /** The device is reset or changes owner; the MSI pirqs Xen maps for it at that moment. */
      readonly kind: 'handover';
      readonly at: 'reset' | 'deassign';
      readonly dev: number;
      readonly from: number;
      readonly mapped: readonly { readonly domid: number; readonly pirq: number; readonly entry: number }[];
    }
  | {
      /** libxl__device_pci_add finished (reset, assign, export) with this result; the mask state right after. */
      readonly kind: 'device_added';
      readonly dev: number;
      readonly domid: number;
      readonly rc: number;
      readonly host_maskall: boolean;
      readonly guest_maskall: boolean;
      readonly hw_maskall: boolean;
      /** The domid that owned the device before, -1 if none. */
      readonly previous: number;
    }
  | {
      /**
       * A PHYSDEVOP_prepare_msix / release_msix pciback issued failed, and pciback logged it with dev_warn /
       * dev_err ("MSI-X release failed (%d)", "MSI-X preparation failed (%d)").
       */
      readonly kind: 'pciback_msix_failed';
      readonly dev: number;
      readonly op: 'PHYSDEVOP_prepare_msix' | 'PHYSDEVOP_release_msix';
      /** The pciback function that issued it. */
      readonly fn: 'pcistub_init_device' | 'pcistub_device_release' | 'pcistub_msix_reset';
      readonly rc: number;
      /** The message, as dom0's dmesg shows it. */
      readonly line: string;
    };

export interface World {
  /** The PCI functions, by device index (scenario order). */
  readonly hw: Readonly<Record<number, HwDevice>>;
  readonly xen: XenState;
  /** One QEMU device model per HVM domain, by domid. */
  readonly qemu: Readonly<Record<number, QemuInstance>>;
  /** One guest kernel per domain, by domid. */
  readonly guests: Readonly<Record<number, GuestKernel>>;
  /** dom0 kernel and xen-pciback. */
  readonly dom0: Dom0State;
  /** PV guests with pcifront, by domid. */
  readonly pv: Readonly<Record<number, PvGuest>>;
  /** The toolstack (libxl) and the domains it created. */
  readonly toolstack: ToolstackState;
  readonly audit: readonly AuditRecord[];
}

export type Draft<T> = { -readonly [K in keyof T]: T[K] extends object ? Draft<T[K]> : T[K] };
export type WorldDraft = Draft<World>;

/**
 * Deep copy of a world; handlers only ever change the copy. Generic over plain JSON data (no per-field code):
 * the result equals `JSON.parse(JSON.stringify(w))` -- same keys in the same order, properties holding
 * `undefined` or a function dropped, `undefined` array slots and non-finite numbers turned into null -- at a
 * fraction of the cost of the round trip (docs/performance.md).
 */
export function cloneWorld(w: World): WorldDraft {
  return clonePlain(w) as WorldDraft;
}

function clonePlain(x: unknown): unknown {
  if (typeof x !== 'object' || x === null) return typeof x === 'number' && !Number.isFinite(x) ? null : x;
  if (Array.isArray(x)) {
    const n = x.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const v = x[i] as unknown;
      out[i] = v === undefined || typeof v === 'function' ? null : clonePlain(v);
    }
    return out;
  }
  if (typeof (x as { toJSON?: unknown }).toJSON === 'function') return JSON.parse(JSON.stringify(x)) as unknown;
  const out: Record<string, unknown> = {};
  for (const k in x) {
    if (!Object.prototype.hasOwnProperty.call(x, k)) continue;
    const v = (x as Record<string, unknown>)[k];
    if (v === undefined || typeof v === 'function') continue;
    out[k] = clonePlain(v);
  }
  return out;
}

/** Canonical encoding of a world (the audit of the last step is part of it). */
export function encodeWorld(w: World): string {
  return JSON.stringify(w);
}
