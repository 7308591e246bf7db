/**
 * The public API for describing a fix of your own as a variant of one component, so that pirqcheck can
 * check it (`pirqcheck check --variant-file my-fix.ts`). A variant is relative to a base variant of the same
 * component, and changes it in either or both of two ways:
 *   - `flags`: decision points the model already has (`pirqcheck variants --flags`), set to new values;
 *   - `functions`: modelled functions of its component (`pirqcheck variants --functions`), replaced or
 *     wrapped by upstream name. An override receives the implementation it replaces, then what that
 *     implementation receives: the step's Sys (`s.w` the world, `s.fn` every component's functions, `s.log`
 *     the call log, `s.flags`) and the real function's arguments. It writes its own component's state
 *     through `edit`/`own` (copy on write) and calls other components through `s.fn`.
 * See docs/writing-a-fix.md. A variant file imports this module as 'pirqcheck' (from any directory: the
 * loader resolves it to the pirqcheck that runs the file) or by its absolute path.
 *
 * ```ts
 * import { defineVariant, ERRNO } from 'pirqcheck';
 * export default defineVariant({
 *   id: 'my-fix', component: 'xen', title: '...', upstream: 'my patch, not posted yet', versions: 'my tree',
 *   base: '4.12',
 *   functions: {
 *     deassign_device: (builtin, s, domid, dev) => { ...; return builtin(s, domid, dev); },
 *   },
 * });
 * ```
 */
import type { Flags, VariantComponent } from '../model/variants.ts';
import type { Overrides } from '../model/overrides.ts';

export type { Flags, Variant, VariantComponent } from '../model/variants.ts';
export { FLAG_NOTES, flagInfo, flagInfos, type FlagInfo } from './flags.ts';
export { loadVariantFile, VariantFileError } from './load.ts';

// What an override works with.
export type { Sys } from '../model/context.ts';
export type { Functions, ComponentFunctions, FunctionName, ModelFn } from '../model/functions.ts';
export type { Override, Overrides } from '../model/overrides.ts';
export { SLICES } from '../model/overrides.ts';
export { edit, own, root, type Writable } from '../model/cow.ts';
export type { CallLog } from '../model/trace.ts';
export {
  ERRNO,
  rc,
  hex,
  PIRQ_ALLOCATED,
  IRQ_UNBOUND,
  IRQ_PT,
  XEN_PT_UNASSIGNED_PIRQ,
  XEN_PIRQ_MSI_DATA,
  MSI_ADDR_BASE_LO,
  DOMID_HARDWARE,
  DOMID_IO,
  PCI_MSIX_FLAGS_ENABLE,
  PCI_MSIX_FLAGS_MASKALL,
  type Call,
  type Component,
  type ErrnoName,
  type MsiMsg,
} from '../model/types.ts';
export type { World, AuditRecord } from '../model/world.ts';
export type { Action } from '../model/actions.ts';

// The components' state and the read-only helpers over it.
export { shortBdf, hwEntry, pushAudit, functionLevelReset, type HwDevice, type MsixEntryHw } from '../model/components/device.ts';
export {
  pirqInfo,
  setPirq,
  isFreePirq,
  mappedPirqsOf,
  deliver,
  msixtblAddrToIrq,
  type XenState,
  type XenDomain,
  type XenPirq,
  type XenPdev,
  type XenIrqDesc,
  type XenMsiDesc,
  type ArchMsix,
  type HvmPirqDpci,
  type MapPirqArgs,
  type Delivery,
} from '../model/components/xen.ts';
export { pirqFromMsg, isPirqMsg, type QemuInstance, type XenPTDevice, type XenPTMSIX, type XenPTMSIXEntry, type XenPTMSI } from '../model/components/qemu.ts';
export { xen_msi_compose_msg, type GuestKernel, type GuestDevice, type GuestIrq, type DriverState, type DriverStage } from '../model/components/guest.ts';
export type { Dom0State, Dom0Device, Dom0PirqEntry } from '../model/components/dom0.ts';
export type { ToolstackState, ToolstackDomain, PvGuest, PvDevice, PvVector, LifecycleSpec } from '../model/components/lifecycle.ts';

/** What a variant file declares; `C` is its component, which decides the functions it may override. */
export interface VariantSpec<C extends VariantComponent = VariantComponent> {
  /** A new id, unique among the variants of the component: what `--<component> <id>` will select. */
  readonly id: string;
  /** The one component the patch changes (see `pirqcheck variants` for the components). */
  readonly component: C;
  /** The patch subject line. */
  readonly title: string;
  /** Commit id, or list message (URL or Message-ID) of the proposal. */
  readonly upstream: string;
  /** Which releases or trees carry it. */
  readonly versions: string;
  readonly link?: string;
  /** How sure you are of the modelled behaviour. */
  readonly confidence?: string;
  /** The variant the patch applies to (default: the component's default variant); its flags and functions are inherited. */
  readonly base?: string;
  /** The decision points the patch changes, and their new values. */
  readonly flags?: Partial<Flags>;
  /**
   * The modelled functions of the component the patch changes, by upstream name (`pirqcheck variants
   * --functions --component C`): each receives the implementation it replaces, then that function's own
   * arguments, and returns what it returns.
   */
  readonly functions?: Overrides<C>;
}

/**
 * Declare a variant. The identity function, there for the types: your editor checks flag names and values,
 * function names and the parameters and result of each override.
 */
export function defineVariant<C extends VariantComponent>(spec: VariantSpec<C>): VariantSpec<C> {
  return spec;
}
