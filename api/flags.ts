/**
 * What a variant file may set: every decision point (flag) of the model, its component, its allowed
 * values and its default. Built from DEFAULT_FLAGS and VARIANTS, so a flag added to the model is
 * accepted without a change here; FLAG_NOTES only adds the documentation and the full value lists.
 */
import { z } from 'zod';
import { CONFIG_COMPONENTS } from '../model/config.ts';
import { DEFAULT_FLAGS, VARIANTS, type Flags, type VariantComponent } from '../model/variants.ts';

export interface FlagInfo {
  readonly name: string;
  /** The component whose handler reads the flag, when known. */
  readonly component: VariantComponent | undefined;
  readonly type: 'boolean' | 'number' | 'enum';
  /** Allowed values of an enum flag. */
  readonly values: readonly string[];
  readonly default: unknown;
  readonly doc: string;
}

interface FlagNote {
  readonly component: VariantComponent;
  readonly doc: string;
  readonly values?: readonly string[];
}

/** Documentation of the flags, quoting the decision point each one is read at (see model/variants.ts). */
export const FLAG_NOTES: Readonly<Partial<Record<string, FlagNote>>> = {
  guestReuse: {
    component: 'guest',
    doc: "arch/x86/pci/xen.c:xen_hvm_setup_msi_irqs: when the guest reuses the pirq cached in the MSI message: 'ever-bound' (af42b8d1 on the 2.6.37/38 pirq_to_irq[] array), 'live-irq' (2.6.39..4.10 irq_info list), 'never' (c74fd80f, always PHYSDEVOP_get_free_pirq).",
    values: ['never', 'live-irq', 'ever-bound'],
  },
  qemuUnmapOnDisable: {
    component: 'qemu',
    doc: 'hw/xen/xen_pt_config_init.c:xen_pt_msixctrl_reg_write / xen_pt_msgctrl_reg_write: disabling MSI/MSI-X unbinds and unmaps every pirq of the device (c976437c7dba).',
  },
  qemuRewriteIfUnassigned: {
    component: 'qemu',
    doc: 'hw/xen/xen_pt_msi.c:pci_msix_write: an unchanged MSI-X message counts as new while the entry has no pirq.',
  },
  dom0ReuseListedEntry: {
    component: 'dom0',
    doc: 'drivers/pci/msi-xen.c:msix_capability_init @RHEL5 (linux-2.6.18-xen): an entry_nr already on the msi_dev pirq list is reused without a hypercall.',
  },
  dom0DisableDeviceClearsMsix: {
    component: 'dom0',
    doc: 'drivers/pci/pci.c:pci_disable_device @RHEL5: disable_msi_mode clears MSI-X ENABLE and dev->msix_enabled.',
  },
  pcibackMsixHypercalls: {
    component: 'dom0',
    doc: 'xen-pciback pci_stub.c:pcistub_init_device / pcistub_device_release: PHYSDEVOP_prepare_msix / release_msix (Linux 3.9+).',
  },
  pcibackDisableMsixOnReset: {
    component: 'dom0',
    doc: 'pciback_ops.c:xen_pcibk_reset_device: pci_disable_msix if dev->msix_enabled (pvops; absent in RHEL5 2.6.18).',
  },
  pcibackResetZeroesCommand: {
    component: 'dom0',
    doc: 'pciback_ops.c:xen_pcibk_reset_device: pci_write_config_word(PCI_COMMAND, 0), removed by 7681f31ec9cd.',
  },
  pcibackPruneOnReset: {
    component: 'dom0',
    doc: "pciback_ops.c:pciback_reset_device: Laszlo Ersek's msi_prune_pci_irq_vectors (seed 002, RFC).",
  },
  pcibackMsixResetOnExport: {
    component: 'dom0',
    doc: "xenbus.c:xen_pcibk_export_device: Chao Gao's pcistub_msix_reset (seed 003, not merged).",
  },
  xenResetMsixOnAssign: {
    component: 'xen',
    doc: 'xen/drivers/passthrough/pci.c:assign_device: pci_reset_msix_state clears host_maskall/guest_maskall, -EBUSY while MASKALL is set in hardware (575e18d54d, Xen 4.13).',
  },
  xenUnmapOnDeassign: {
    component: 'xen',
    doc: "xen/drivers/passthrough/pci.c:deassign_device: unmap the old owner's pirqs of the device (seed 004, Chao Gao's v6 1/3).",
  },
  xenForceUnmappedRc: {
    component: 'xen',
    doc: "xen/arch/x86/physdev.c:physdev_unmap_pirq on a pirq Xen force-unmapped: 'ok' (v6) or 'esrch' (Roger Pau Monne's suggestion).",
    values: ['ok', 'esrch'],
  },
  libxlUnbindBeforeReset: {
    component: 'toolstack',
    doc: 'tools/libxl/libxl_pci.c:do_pci_remove: unbind and unmap leftover MSI pirqs of the device before the reset (seed 004, Jan Beulich\'s suggestion).',
  },
  libxlAsyncDeviceDel: {
    component: 'toolstack',
    doc: 'tools/libxl/libxl_qmp.c:libxl__qmp_pci_del @RELEASE-4.12.0: QMP device_del returns once QEMU answered, without waiting for the guest\'s eject; the eject (guest driver remove, then xen_pt_destroy) becomes a pending step that can come before the reset, between reset and deassign, after the xenstore removal, or never (4.13 waits: pci_remove_qmp_device_del_cb).',
  },
  xenMsixForeignFirstMap: {
    component: 'xen',
    doc: "xen/arch/x86/msi.c:msix_capability_init, a real map by dom0 for a domU-owned device with used_entries == 0: 'crash' (4245d331e0, Xen 4.3: \"Potentially insecure use of MSI-X\", domain_crash of the owner, the map goes on), 'enodata' (beb54596cf, XSA-337, Xen 4.15/4.14.1/4.13.2: -ENODATA, control as read), 'none' (before 4.3).",
    values: ['crash', 'enodata', 'none'],
  },
  xenMsiC: {
    component: 'xen',
    doc: "xen/arch/x86/msi.c as a whole: 'xen-4.6' (host/guest maskall, memory_decoded checks, the config-write intercept, prepare_msix) or 'xen-3.4' (msi.c @3.4.0-rc3: one masked attribute, control word restored as read, no intercept, no prepare_msix).",
    values: ['xen-4.6', 'xen-3.4'],
  },
  xenMapPirqConflict: {
    component: 'xen',
    doc: "xen/arch/x86/irq.c:map_domain_pirq, pirq or irq already mapped to something else: 'silent' (bfc341a65c, Xen 4.0: return 0) or 'einval' (Xen 3.4).",
    values: ['silent', 'einval'],
  },
  xenMapOwnerCheck: {
    component: 'xen',
    doc: 'xen/arch/x86/irq.c:map_domain_pirq: -ENODEV for a device the target domain does not own (pci_get_pdev_by_domain, 3308374b1b, XSA-237, Xen 4.10).',
  },
  xenReleaseCleansMsi: {
    component: 'xen',
    doc: 'xen/drivers/passthrough/pci.c:pci_release_devices: pci_cleanup_msi of every device the dying domain still owns, before the deassign (Xen 3.4 .. 4.1; removed by 15a9f34d1b, 4.2).',
  },
  xenQuarantine: {
    component: 'xen',
    doc: "xen/drivers/passthrough/pci.c:deassign_device: where a device leaving a domain goes: dom_io when quarantine is on or the device was quarantined ('basic', the default from Xen 4.13; 'scratch-page', iommu=quarantine=scratch-page from 4.16), else dom0 ('off': Xen 4.12, or iommu=no-quarantine) (319f9a0ba9, ba2ab00bbb).",
    values: ['off', 'basic', 'scratch-page'],
  },
  xenCleanDpciDropsPirq: {
    component: 'xen',
    doc: 'xen/drivers/passthrough/pci.c:pci_clean_dpci_irq at destroy: the dpci-bound pirq is deleted from the domain after its unbind, so free_domain_pirqs never unmaps its irq (6a1036e282 / 5b58dad089, Xen 4.13.1 and 4.14.0; XSA-360, fixed by 58427889f5 / e4161938b3).',
  },
  xenAllocPirqReturnsCurrent: {
    component: 'xen',
    doc: "xen/arch/x86/irq.c:allocate_pirq: a request for any pirq of an irq that already has one maps that pirq (0d2b87b5ad, Xen 4.19) instead of returning the caller's -1.",
  },
  xenMsixWarnDom0First: {
    component: 'xen',
    doc: 'xen/arch/x86/msi.c:msi_set_mask_bit: the first "cannot mask IRQ" warning for a Dom0-owned device is printed (MSIX_CHECK_WARN, e9607d4061, Xen 4.19); before, `warned` starts at 0 and Dom0 is skipped.',
  },
  xenMsixtblRefcountFixed: {
    component: 'xen',
    doc: 'xen/arch/x86/hvm/vmsi.c:msixtbl_pt_unregister: the msixtbl entry deleted when the last bound pirq of the device is unbound (ea87662c77, Xen 4.22); before, the inverted test deletes it at an unbind that leaves others bound and keeps it after the last.',
  },
  libxlDeviceDelTimeout: {
    component: 'toolstack',
    doc: 'tools/libxl/libxl_pci.c:pci_remove_timeout (fae4880c45, c9cccbdff8, libxl 4.13+): the forced removal of a destroy waits 10 s for an eject that never comes, warns "timed out waiting for DM to remove pci-pt-BB_DD.F" and goes on.',
  },
  guestXenMsiIrqdomain: {
    component: 'guest',
    doc: 'arch/x86/pci/xen.c:xen_hvm_setup_msi_irqs after the 5.10 irqdomain rework (2e4386eba0c0): the pirq message carries delivery mode ExtINT (data 0x700) and a failed setup prints "Failed to create MSI%s! ret=%d!".',
  },
  guestMsixEarlyEnable: {
    component: 'guest',
    doc: 'drivers/pci/msi.c:msix_capability_init (both paths): ENABLE and MASKALL first, the entries programmed while enabled and masked, and cleared again if the setup fails (438553958ba1, Linux 5.14).',
  },
  guestMsixMaskForUpdate: {
    component: 'guest',
    doc: 'drivers/pci/msi.c:pci_write_msg_msix (native path): a message for an entry Linux believes unmasked is bracketed by a mask and an unmask (da181dc974ad, Linux 5.14).',
  },
  guestPirqMsixMasking: {
    component: 'guest',
    doc: "drivers/pci/msi.c on the Xen pirq path of an HVM guest (pci_msi_ignore_mask 0 until 7e0815b3e099, Linux 5.18): 'program-entries' (v2.6.32 - 5.13: msix_program_entries masks each used entry after ENABLE|MASKALL), 'before-setup' (5.14 - 5.15.10: msix_mask_all before msix_setup_entries reads each entry, the message bracketed when it read unmasked, a failed setup clears ENABLE only), 'after-setup' (5.15.11 - 5.17: msix_mask_all after the setup, 83dbf898a2d4), 'none' (7e0815b3e099); pci_msix_shutdown masks each entry except with 'none'.",
    values: ['program-entries', 'before-setup', 'after-setup', 'none'],
  },
  qemuLatchMsixTable: {
    component: 'qemu',
    doc: 'hw/xen/xen_pt_msi.c:pci_msix_write: address/data writes latched, never refused; an unmask of an updated entry while enabled commits it (f0ada3608ac1, QEMU 2.6).',
  },
  qemuMsixCommitOnMask: {
    component: 'qemu',
    doc: 'hw/xen/xen_pt_msi.c:xen_pt_msix_update_one: the latched message is committed only with no pirq, guest MASKALL or the entry masked; otherwise the old one is bound again (f0ada3608ac1, QEMU 2.6).',
  },
  qemuBindUnmasked: {
    component: 'qemu',
    doc: 'hw/xen/xen_pt_msi.c:msi_msix_update: XEN_DOMCTL_VMSI_X86_UNMASKED in gflags when the entry is unmasked (QEMU 2.11; Xen 69d99d1b22).',
  },
  qemuLogErrno: {
    component: 'qemu',
    doc: 'hw/xen/xen_pt_msi.c XEN_PT_ERR lines: "(err: errno)" instead of "(rc: -1)" (3782f60d20, QEMU 2.4).',
  },
  qemuLogPlainHex: {
    component: 'qemu',
    doc: 'hw/xen/xen_pt_msi.c msi_msix_setup/update/disable lines: vectors and entries as "0x%x" instead of "%#x", 0 printed as 0x0 (01d152c0bf, QEMU 6.0).',
  },
  pcibackMsixEnableChecks: {
    component: 'dom0',
    doc: 'pciback_ops.c:xen_pcibk_enable_msix: -EALREADY while dev->msix_enabled, -ENXIO with dev->msi_enabled or PCI_COMMAND_MEMORY off (XSA-157, Linux 4.4).',
  },
  xenMsixtblForwardAll: {
    component: 'xen',
    doc: 'xen/arch/x86/hvm/vmsi.c:_msixtbl_write: a vector-control write Xen handled is also forwarded to the device model (64b21662b1, Xen 4.19, XENFEAT_dm_msix_all_writes).',
  },
};

function isComponent(c: unknown): c is VariantComponent {
  return (CONFIG_COMPONENTS as readonly unknown[]).includes(c);
}

/** Every flag of the model with its type, values, default, component and doc. */
export function flagInfos(): FlagInfo[] {
  return Object.keys(DEFAULT_FLAGS).map((name) => {
    const def = (DEFAULT_FLAGS as unknown as Record<string, unknown>)[name];
    const note = FLAG_NOTES[name];
    const setters = VARIANTS.filter((v) => Object.hasOwn(v.flags, name));
    const component = note && isComponent(note.component) ? note.component : setters[0]?.component;
    const type = typeof def === 'boolean' ? 'boolean' : typeof def === 'number' ? 'number' : 'enum';
    const seen = new Set<string>(note?.values ?? []);
    if (type === 'enum') {
      seen.add(String(def));
      for (const v of setters) seen.add(String((v.flags as Record<string, unknown>)[name]));
    }
    return { name, component, type, values: type === 'enum' ? [...seen] : [], default: def, doc: note?.doc ?? '' };
  });
}

export function flagInfo(name: string): FlagInfo | undefined {
  return flagInfos().find((f) => f.name === name);
}

/** The zod schema of `flags` in a variant file: only known flags, each with a value of its type. */
export function flagsSchema(): z.ZodType<Partial<Flags>> {
  const shape: Record<string, z.ZodType> = {};
  for (const f of flagInfos()) {
    shape[f.name] =
      f.type === 'boolean'
        ? z.boolean({ error: `flag '${f.name}' must be true or false` })
        : f.type === 'number'
          ? z.number({ error: `flag '${f.name}' must be a number` })
          : z.enum(f.values as [string, ...string[]], { error: `flag '${f.name}' must be one of ${f.values.map((v) => `'${v}'`).join(', ')}` });
  }
  return z.strictObject(shape).partial() as unknown as z.ZodType<Partial<Flags>>;
}
