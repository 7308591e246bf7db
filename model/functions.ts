/**
 * The modelled functions: one table per component, upstream name -> implementation, with the upstream file
 * and release each one models. This is the list of what is modelled (`pirqcheck variants --functions` and
 * docs/model.md are generated from it), and the surface a fix written as code changes: a variant may replace
 * or wrap any function of its own component's table by name (api/index.ts `defineVariant`, `functions`).
 *
 * Every call into another component, and every call of a modelled function inside a component, goes through
 * the table the running step carries (`s.fn.<component>.<name>(s, ...)`, model/context.ts), so a replaced
 * function takes effect wherever it is called. Helpers that only read (pirqInfo, deliver, mappedPirqsOf) and
 * the workload drivers' bookkeeping are plain functions.
 */
import type { Sys } from './context.ts';
import type { VariantComponent } from './variants.ts';
import * as xen from './components/xen.ts';
import * as qemu from './components/qemu.ts';
import * as guest from './components/guest.ts';
import * as dom0 from './components/dom0.ts';
import * as life from './components/lifecycle.ts';

/** Any modelled function: the step's Sys first, then the real function's arguments. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ModelFn = (s: Sys, ...args: any[]) => any;

/** One entry of a component's table. */
export interface Modelled<F extends ModelFn = ModelFn> {
  readonly impl: F;
  /** The upstream file (and release) the implementation models: `path @tag`. */
  readonly file: string;
  /** What the function does in the model, one line. */
  readonly doc: string;
}

function m<F extends ModelFn>(file: string, doc: string, impl: F): Modelled<F> {
  return { impl, file, doc };
}

const X = '@RELEASE-4.12.0';
const Q = '@003f8dbc8e09 (Q-new; Q-old through the qemu flags)';
const QC = '@2d0ed5e642d5 (Q-new; Q-old through the qemu flags)';
const L = '@v4.4';

export const XEN_TABLE = {
  PHYSDEVOP_get_free_pirq: m(`xen/arch/x86/physdev.c ${X}`, 'the highest free pirq of the calling domain, reserved (PIRQ_ALLOCATED)', xen.PHYSDEVOP_get_free_pirq),
  PHYSDEVOP_map_pirq: m(`xen/arch/x86/physdev.c ${X}`, 'physdev_map_pirq, MAP_PIRQ_TYPE_MSI: create_irq, allocate_pirq, map_domain_pirq', xen.PHYSDEVOP_map_pirq),
  PHYSDEVOP_unmap_pirq: m(`xen/arch/x86/physdev.c ${X}`, 'physdev_unmap_pirq: the emuirq binding, then unmap_domain_pirq', xen.PHYSDEVOP_unmap_pirq),
  PHYSDEVOP_prepare_msix: m(`xen/arch/x86/physdev.c ${X}`, 'PHYSDEVOP_prepare_msix / release_msix (off = true): the pseudo-entry of pci_prepare_msix', xen.PHYSDEVOP_prepare_msix),
  XEN_DOMCTL_bind_pt_irq: m(`xen/drivers/passthrough/io.c ${X}`, 'pt_irq_create_bind, PT_IRQ_TYPE_MSI: MAPPED dpci and pirq_guest_bind', xen.XEN_DOMCTL_bind_pt_irq),
  XEN_DOMCTL_unbind_pt_irq: m(`xen/drivers/passthrough/io.c ${X}`, 'pt_irq_destroy_bind, MSI: mask for the guest, unbind', xen.XEN_DOMCTL_unbind_pt_irq),
  XEN_DOMCTL_assign_device: m(`xen/drivers/passthrough/pci.c ${X}`, 'iommu_do_pci_domctl XEN_DOMCTL_assign_device: the call record around assign_device', xen.XEN_DOMCTL_assign_device),
  assign_device: m(`xen/drivers/passthrough/pci.c ${X}`, 'the device goes from dom0 to the domain (pci_reset_msix_state first with xenResetMsixOnAssign)', xen.assign_device),
  pci_reset_msix_state: m('xen/drivers/passthrough/pci.c @575e18d54d (Xen 4.13)', '-EBUSY if MASKALL is set in hardware, else clear host_maskall and guest_maskall', xen.pci_reset_msix_state),
  XEN_DOMCTL_deassign_device: m(`xen/drivers/passthrough/pci.c ${X}`, 'iommu_do_pci_domctl XEN_DOMCTL_deassign_device: -ENODEV for a device the domain does not own, else deassign_device', xen.XEN_DOMCTL_deassign_device),
  deassign_device: m(`xen/drivers/passthrough/pci.c ${X}`, 'the device goes back to dom0; the old owner keeps its pirqs (chao-v6 unmaps them with xenUnmapOnDeassign)', xen.deassign_device),
  XEN_DOMCTL_createdomain: m(`xen/common/domctl.c ${X}`, 'an empty domain', xen.XEN_DOMCTL_createdomain),
  XEN_DOMCTL_destroydomain: m(`xen/common/domctl.c ${X}`, 'domain_kill: evtchn_destroy, pci_release_devices, free_domain_pirqs', xen.XEN_DOMCTL_destroydomain),
  EVTCHNOP_bind_pirq: m(`xen/common/event_channel.c ${X}`, 'evtchn_bind_pirq + arch_evtchn_bind_pirq: a port for the pirq, emuirq = IRQ_PT (HVM), unmask', xen.EVTCHNOP_bind_pirq),
  EVTCHNOP_close: m(`xen/common/event_channel.c ${X}`, 'evtchn_close of an ECS_PIRQ port', xen.EVTCHNOP_close),
  pci_msi_conf_write_intercept: m(`xen/arch/x86/msi.c ${X}`, "dom0's write of MSI-X Message Control: guest_maskall recorded, MASKALL forced while host_maskall", xen.pci_msi_conf_write_intercept),
  msi_set_mask_bit: m(`xen/arch/x86/msi.c ${X}`, 'mask or unmask a vector; with memory decoding off, MASKALL instead ("cannot mask IRQ")', xen.msi_set_mask_bit),
  guest_mask_msi_irq: m(`xen/arch/x86/msi.c ${X}`, "the guest's mask of a vector (msi_set_mask_bit with the host mask kept)", xen.guest_mask_msi_irq),
  pci_prepare_msix: m(`xen/arch/x86/msi.c ${X}`, 'PHYSDEVOP_prepare_msix / release_msix: -EBUSY unless used_entries == !!off, then the pseudo-entry (-ENOSYS in Xen 3.4)', xen.pci_prepare_msix),
  domain_crash: m(`xen/common/domain.c ${X}`, '__domain_crash: "Domain %d reported crashed by domain %d", domain_shutdown(SHUTDOWN_crash)', xen.domain_crash),
  msix_capability_init: m(`xen/arch/x86/msi.c ${X}`, 'one MSI-X entry set up (or the prepare pseudo-entry): host_maskall while it works, cleared for the first user', xen.msix_capability_init),
  __pci_disable_msix: m(`xen/arch/x86/msi.c ${X}`, 'mask the entry (or MASKALL with memory decoding off), used_entries--', xen.__pci_disable_msix),
  map_domain_pirq: m(`xen/arch/x86/irq.c ${X}`, 'pirq <-> irq with an msi_desc; silently 0 when either is mapped to something else', xen.map_domain_pirq),
  unmap_domain_pirq: m(`xen/arch/x86/irq.c ${X}`, 'force-unbind a bound guest, disable the vector, clear the mapping, destroy the irq', xen.unmap_domain_pirq),
  unmap_domain_pirq_emuirq: m(`xen/arch/x86/irq.c ${X}`, 'emuirq back to IRQ_UNBOUND', xen.unmap_domain_pirq_emuirq),
  get_free_pirq: m(`xen/arch/x86/irq.c ${X}`, 'MSI: scan down from nr_pirqs-1 to nr_irqs_gsi for is_free_pirq', xen.get_free_pirq),
  create_irq: m(`xen/arch/x86/irq.c ${X}`, 'the lowest unused dynamic irq', xen.create_irq),
  destroy_irq: m(`xen/arch/x86/irq.c ${X}`, 'the irq descriptor freed', xen.destroy_irq),
  pirq_guest_bind: m(`xen/arch/x86/irq.c ${X}`, 'bind the irq to the domain (never shared), startup unmasks', xen.pirq_guest_bind),
  pirq_guest_unbind: m(`xen/arch/x86/irq.c ${X}`, '__pirq_guest_unbind, or free a force-unbound pirq', xen.pirq_guest_unbind),
  __pirq_guest_unbind: m(`xen/arch/x86/irq.c ${X}`, 'the domain leaves the irq; the last one gone masks it (->disable, ->shutdown)', xen.__pirq_guest_unbind),
  pirq_guest_force_unbind: m(`xen/arch/x86/irq.c ${X}`, 'unbind the domain if it is still bound', xen.pirq_guest_force_unbind),
  XENVER_get_features: m('xen/common/kernel.c @RELEASE-4.22.0', 'do_xen_version XENVER_get_features: XENFEAT_hvm_pirqs iff has_pirq(d)', xen.XENVER_get_features),
  msixtbl_write: m('xen/arch/x86/hvm/vmsi.c @RELEASE-4.22.0', "a guest write of an MSI-X entry's address/data: table_flags bit set if the device has an msixtbl entry, then to QEMU", xen.msixtbl_write),
  msixtbl_write_vector_ctrl: m('xen/arch/x86/hvm/vmsi.c @RELEASE-4.22.0 (_msixtbl_write, msix_write_completion)', 'a guest vector-control write: Xen masks/unmasks a bound entry, or QEMU handles it (first unmask, modified address/data, 64b21662b1 forwarding with xenMsixtblForwardAll)', xen.msixtbl_write_vector_ctrl),
  msixtbl_read_vector_ctrl: m('xen/arch/x86/hvm/vmsi.c @RELEASE-4.22.0', "a guest vector-control read: guest_masked of a bound entry, else QEMU's latch", xen.msixtbl_read_vector_ctrl),
} satisfies Record<string, Modelled>;

export const QEMU_TABLE = {
  pci_msix_write: m(`hw/xen/xen_pt_msi.c ${Q}`, "the guest's write of an MSI-X entry's address/data: updated = true (refused while enabled and unmasked)", qemu.pci_msix_write),
  pci_msix_read: m(`hw/xen/xen_pt_msi.c ${Q}`, "an MSI-X entry's message as the guest reads it back", qemu.pci_msix_read),
  pci_msix_write_vector_ctrl: m('hw/xen/xen_pt_msi.c:pci_msix_write @upstream-tested (2.6) / @02879be2 (qemu-xen-4.6)', "an entry's vector control: latched; an unmask of an updated entry while enabled commits and binds (qemuLatchMsixTable)", qemu.pci_msix_write_vector_ctrl),
  pci_msix_read_vector_ctrl: m('hw/xen/xen_pt_msi.c:pci_msix_read', "an entry's vector control as QEMU latched it", qemu.pci_msix_read_vector_ctrl),
  xen_pt_msixctrl_reg_write: m(`hw/xen/xen_pt_config_init.c ${QC}`, 'MSI-X Message Control: ENABLE updates every entry; clearing it unbinds and unmaps (qemuUnmapOnDisable)', qemu.xen_pt_msixctrl_reg_write),
  xen_pt_msgctrl_reg_write: m(`hw/xen/xen_pt_config_init.c ${QC}`, 'MSI Message Control: enable maps and binds the encoded pirq; disable unbinds and unmaps (qemuUnmapOnDisable)', qemu.xen_pt_msgctrl_reg_write),
  xen_pt_msg_reg_write: m(`hw/xen/xen_pt_config_init.c ${QC}`, 'xen_pt_msgaddr32_reg_write + xen_pt_msgdata_reg_write: store the MSI message, re-bind the old pirq if mapped', qemu.xen_pt_msg_reg_write),
  msi_read: m(`hw/xen/xen_pt_config_init.c ${QC}`, 'the emulated MSI address/data registers as the guest reads them back', qemu.msi_read),
  msi_msix_setup: m(`hw/xen/xen_pt_msi.c ${Q}`, 'map the pirq the guest encoded, only if the entry is not mapped yet', qemu.msi_msix_setup),
  msi_msix_update: m(`hw/xen/xen_pt_msi.c ${Q}`, 'bind the pirq; on failure unmap *old_pirq and forget it', qemu.msi_msix_update),
  msi_msix_disable: m(`hw/xen/xen_pt_msi.c ${Q}`, 'unbind (return on failure), then unmap', qemu.msi_msix_disable),
  xen_pt_msix_update_one: m(`hw/xen/xen_pt_msi.c ${Q}`, 'map if the entry has no pirq, then bind; skipped unless updated', qemu.xen_pt_msix_update_one),
  xen_pt_msix_update: m(`hw/xen/xen_pt_msi.c ${Q}`, 'xen_pt_msix_update_one for every entry', qemu.xen_pt_msix_update),
  xen_pt_msix_disable: m(`hw/xen/xen_pt_msi.c ${Q}`, 'ENABLE clear in hardware, unbind and unmap every entry, forget its pirq', qemu.xen_pt_msix_disable),
  xen_pt_msi_update: m(`hw/xen/xen_pt_msi.c ${Q}`, 're-bind msi->pirq with the current vector', qemu.xen_pt_msi_update),
  xen_pt_destroy: m('hw/xen/xen_pt.c @000d6042da0d', 'unplug: xen_pt_msi_disable, xen_pt_msix_disable, the device forgotten', qemu.xen_pt_destroy),
  acpi_pcihp_device_unplug_request_cb: m('hw/acpi/pcihp.c', "device_del's request: the slot marked down, SCI raised (libxlAsyncDeviceDel)", life.acpi_pcihp_device_unplug_request_cb),
  acpi_pcihp_eject_slot: m('hw/acpi/pcihp.c', "the guest's eject of a pending unplug: the guest's acpiphp, then xen_pt_destroy", life.acpi_pcihp_eject),
} satisfies Record<string, Modelled>;

export const GUEST_TABLE = {
  xen_hvm_setup_msi_irqs: m('arch/x86/pci/xen.c @v4.4 (af42b8d1 reuse test per guestReuse; c74fd80f)', 'per vector: reuse the cached pirq or PHYSDEVOP_get_free_pirq, write the message, bind an irq', guest.xen_hvm_setup_msi_irqs),
  pci_write_msg_msix: m('drivers/pci/msi/msi.c @v6.x (da181dc974ad mask bracket with guestMsixMaskForUpdate)', "native path: an entry's message through Xen's msixtbl to QEMU, bracketed by mask/unmask when Linux believes it unmasked", guest.pci_write_msg_msix),
  xen_bind_pirq_msi_to_irq: m(`drivers/xen/events/events_base.c ${L}`, 'a new irq_info for the pirq; no hypercall, no duplicate check', guest.xen_bind_pirq_msi_to_irq),
  xen_teardown_msi_irqs: m(`arch/x86/pci/xen.c ${L}`, 'xen_destroy_irq of every vector: no unmap from an HVM guest, the irq_info dropped', guest.xen_teardown_msi_irqs),
  pci_enable_msix: m(`drivers/pci/msi.c ${L}`, 'msix_capability_init up to ENABLE|MASKALL: xen_hvm_setup_msi_irqs, the control write QEMU traps, the vector-control masks of its generation (msix_program_entries, msix_mask_all; guestPirqMsixMasking)', guest.pci_enable_msix),
  pci_msix_clear_and_set_ctrl: m(`drivers/pci/msi.c ${L}`, "msix_capability_init's last write: MASKALL cleared", guest.pci_msix_clear_and_set_ctrl),
  pci_enable_msi: m(`drivers/pci/msi.c ${L}`, 'msi_capability_init: xen_hvm_setup_msi_irqs for one vector, then ENABLE', guest.pci_enable_msi),
  request_irq: m(`drivers/xen/events/events_base.c ${L}`, 'startup_pirq: EVTCHNOP_bind_pirq ("Failed to obtain physical IRQ" on failure, still 0)', guest.request_irq),
  free_irq: m(`drivers/xen/events/events_base.c ${L}`, 'shutdown_pirq: EVTCHNOP_close', guest.free_irq),
  pci_disable_msix: m(`drivers/pci/msi.c ${L}`, 'pci_msix_shutdown (ENABLE cleared, QEMU traps it), free_msi_irqs', guest.pci_disable_msix),
  pci_disable_msi: m(`drivers/pci/msi.c ${L}`, 'ENABLE cleared (QEMU traps it), the irqs freed', guest.pci_disable_msi),
  pci_write_config_word: m('drivers/pci/access.c', 'MSI-X Message Control written around the MSI core (setpci): QEMU sees it, the guest does not', guest.pci_write_config_msix_flags),
  acpiphp_disable_and_eject_slot: m('drivers/pci/hotplug/acpiphp_glue.c', "hot-unplug: the driver's remove (free_irq, pci_disable_msix/msi), the device gone", guest.acpiphp_eject),
  igbvf_probe: m('arch/x86/pci/xen.c:xen_setup_msi_irqs @L-cur (PV, pcifront)', 'pci_enable_device and pci_enable_msix through pcifront, then startup_pirq per vector', life.igbvf_probe),
  igbvf_remove: m('arch/x86/pci/xen.c:xen_pv_teardown_msi_irqs @L-cur (PV)', 'pci_frontend_disable_msix, then EVTCHNOP_close per vector', life.igbvf_remove),
  igbvf_shutdown: m('drivers/net/ethernet/intel/igbvf (seed 002)', 'PCI_COMMAND IO|MEMORY cleared through pcifront, MSI-X left enabled (the action then powers the guest off)', life.igbvf_shutdown),
} satisfies Record<string, Modelled>;

export const DOM0_TABLE = {
  pci_enable_device: m('drivers/pci/pci.c', 'memory decoding on', dom0.pci_enable_device),
  pci_disable_device: m('drivers/pci/pci.c (2.6.18: disable_msi_mode with dom0DisableDeviceClearsMsix)', 'bus mastering off', dom0.pci_disable_device),
  command_write: m('drivers/xen/pciback/conf_space_header.c @RHEL5', "a guest's PCI_COMMAND write through pciback: pci_disable_device / pci_enable_device", dom0.command_write),
  msix_capability_init: m('drivers/pci/msi-xen.c @RHEL5 / arch/x86/pci/xen.c:xen_initdom_setup_msi_irqs (pvops)', "dom0's MSI-X enable for the owner: PHYSDEVOP_map_pirq per entry (2.6.18 reuses listed entries)", dom0.msix_capability_init),
  pci_disable_msix: m('drivers/pci/msi-xen.c @RHEL5 / pvops', "unmap every listed pirq, free the list, ENABLE cleared", dom0.pci_disable_msix),
  msi_prune_pci_irq_vectors: m('seed 002 (RFC, linux-2.6.18-xen)', 'empty the msi_dev list, no hypercall', dom0.msi_prune_pci_irq_vectors),
  xen_pcibk_reset_device: m('drivers/xen/xen-pciback/pciback_ops.c @PB-old', 'pci_disable_msix if enabled, pci_disable_device, PCI_COMMAND = 0 (flags)', dom0.xen_pcibk_reset_device),
  pci_reset_function: m('drivers/pci/pci.c', 'save, FLR, restore PCI_COMMAND MEMORY and MASTER; MSI-X stays disabled', dom0.pci_reset_function),
  pcistub_init_device: m('drivers/xen/xen-pciback/pci_stub.c @PB-new', 'bind to pciback: enable, PHYSDEVOP_prepare_msix, save, FLR, restore, reset', dom0.pcistub_init_device),
  pcistub_device_release: m('drivers/xen/xen-pciback/pci_stub.c @PB-new', 'unbind from pciback: FLR, restore, PHYSDEVOP_release_msix, reset', dom0.pcistub_device_release),
  pcistub_put_pci_dev: m('drivers/xen/xen-pciback/pci_stub.c @PB-new', 'the device back from a guest: FLR, restore, xen_pcibk_reset_device, owner unregistered', dom0.pcistub_put_pci_dev),
  pcistub_msix_reset: m('seed 003 (not merged)', 'flush MSI-X control through Xen; if MASKALL, release_msix then prepare_msix', dom0.pcistub_msix_reset),
  xen_pcibk_export_device: m('drivers/xen/xen-pciback/xenbus.c @PB-old', 'register the owner (pcistub_msix_reset first with pcibackMsixResetOnExport)', dom0.xen_pcibk_export_device),
  xen_pcibk_enable_msix: m('drivers/xen/xen-pciback/pciback_ops.c', "pcifront's XEN_PCI_OP_enable_msix: msix_capability_init, the guest's pirqs", dom0.xen_pcibk_enable_msix),
  xen_pcibk_disable_msix: m('drivers/xen/xen-pciback/pciback_ops.c', "pcifront's XEN_PCI_OP_disable_msix: pci_disable_msix", dom0.xen_pcibk_disable_msix),
} satisfies Record<string, Modelled>;

export const TOOLSTACK_TABLE = {
  libxl__device_pci_add: m('tools/libxl/libxl_create.c + libxl_pci.c @RELEASE-4.13.0 order', 'new domain: createdomain, reset, QMP device_add, xc_assign_device, export, hvmloader', life.libxl__device_pci_add),
  libxl__device_pci_remove: m(`tools/libxl/libxl_pci.c ${X}`, 'xl pci-detach: QMP device_del (the eject), then do_pci_remove', life.libxl__device_pci_remove),
  do_pci_remove: m(`tools/libxl/libxl_pci.c ${X}`, "do_pci_remove from its out: label: reset, xc_deassign_device, xenstore removal", life.do_pci_remove),
  libxl__device_pci_reset: m(`tools/libxl/libxl_pci.c ${X}`, "do_pci_remove's reset (leftover pirqs unbound first with libxlUnbindBeforeReset)", life.libxl__device_pci_reset),
  xc_deassign_device: m(`tools/libxl/libxl_pci.c ${X}`, 'XEN_DOMCTL_deassign_device if the domain owns the device', life.xc_deassign_device),
  libxl__device_pci_remove_xenstore: m(`tools/libxl/libxl_pci.c ${X}`, 'the backend removed: the frontend reacts, pciback puts the device', life.libxl__device_pci_remove_xenstore),
  libxl__destroy_domid: m(`tools/libxl/libxl_domain.c ${X}`, 'forced removal of an attached device, kill the device model, XEN_DOMCTL_destroydomain', life.libxl__destroy_domid),
} satisfies Record<string, Modelled>;

/** The built-in tables, by component. */
export const TABLES = {
  guest: GUEST_TABLE,
  qemu: QEMU_TABLE,
  xen: XEN_TABLE,
  dom0: DOM0_TABLE,
  toolstack: TOOLSTACK_TABLE,
} as const satisfies Record<VariantComponent, Record<string, Modelled>>;

export type Tables = typeof TABLES;
/** The functions of one component's table, by upstream name. */
export type ComponentFunctions<C extends VariantComponent> = { readonly [K in keyof Tables[C]]: Tables[C][K] extends Modelled<infer F> ? F : never };
/** The resolved table a step calls through: every component's functions. */
export type Functions = { readonly [C in VariantComponent]: ComponentFunctions<C> };
/** The upstream names of one component's modelled functions. */
export type FunctionName<C extends VariantComponent> = keyof Tables[C] & string;

function implsOf<T extends Record<string, Modelled>>(t: T): { readonly [K in keyof T]: T[K]['impl'] } {
  const out: Record<string, ModelFn> = {};
  for (const [k, v] of Object.entries(t)) out[k] = v.impl;
  return out as { readonly [K in keyof T]: T[K]['impl'] };
}

/** The built-in implementations, the table every configuration without replaced functions uses. */
export const BUILTIN_FUNCTIONS: Functions = {
  guest: implsOf(GUEST_TABLE),
  qemu: implsOf(QEMU_TABLE),
  xen: implsOf(XEN_TABLE),
  dom0: implsOf(DOM0_TABLE),
  toolstack: implsOf(TOOLSTACK_TABLE),
} as Functions;

/** The parameter names of a modelled function, read from its source (`s, domid, dev`). */
export function parametersOf(f: ModelFn): string[] {
  const m = /^(?:function\s*[\w$]*\s*)?\(([^)]*)\)/.exec(f.toString());
  if (!m) return Array.from({ length: f.length }, (_, i) => `arg${i}`);
  return m[1]!
    .split(',')
    .map((p) => p.trim().replace(/\s*=.*$/, ''))
    .filter((p) => p.length > 0);
}

/** One row of the function list: what `pirqcheck variants --functions` and docs/model.md show. */
export interface FunctionInfo {
  readonly component: VariantComponent;
  readonly name: string;
  /** The implementation's parameters after `s` (what an override receives after `builtin, s`). */
  readonly params: readonly string[];
  readonly file: string;
  readonly doc: string;
}

/** Every modelled function, component by component, in table order. */
export function functionInfos(component?: VariantComponent): FunctionInfo[] {
  const out: FunctionInfo[] = [];
  for (const c of Object.keys(TABLES) as VariantComponent[]) {
    if (component !== undefined && c !== component) continue;
    for (const [name, e] of Object.entries(TABLES[c] as Record<string, Modelled>)) {
      out.push({ component: c, name, params: parametersOf(e.impl).slice(1), file: e.file, doc: e.doc });
    }
  }
  return out;
}

/** The function list as Markdown, one table per component (docs/model.md, between its generated markers). */
export function functionsMarkdown(): string {
  const L: string[] = [];
  for (const c of Object.keys(TABLES) as VariantComponent[]) {
    L.push(`### ${c}`, '', '| function | models | what it does |', '|---|---|---|');
    for (const f of functionInfos(c)) L.push(`| \`${f.name}(s${f.params.map((p) => `, ${p}`).join('')})\` | ${f.file} | ${f.doc.replace(/\|/g, '\\|')} |`);
    L.push('');
  }
  return L.join('\n');
}

export const FUNCTIONS_START = '<!-- functions: generated by `npm run docs` from model/functions.ts; do not edit by hand -->';
export const FUNCTIONS_END = '<!-- functions: end -->';

/** `md` (docs/model.md) with the function list between its markers regenerated. */
export function withFunctionList(md: string): string {
  const a = md.indexOf(FUNCTIONS_START);
  const b = md.indexOf(FUNCTIONS_END);
  if (a < 0 || b < a) throw new Error('docs/model.md: the function list markers are missing');
  return md.slice(0, a + FUNCTIONS_START.length) + '\n\n' + functionsMarkdown() + '\n' + md.slice(b);
}
