/**
 * Every historical version and proposed fix, as data. A variant sets flags; each flag is read at exactly
 * one decision point, in the handler named after the function the patch changed (see the comments there).
 */
import type { Component } from './types.ts';
import type { FunctionLayer } from './overrides.ts';

/** The decision points. Each is read once, in the function named in its comment. */
export interface Flags {
  /**
   * arch/x86/pci/xen.c:xen_hvm_setup_msi_irqs, the af42b8d1 reuse test `xen_irq_from_pirq(pirq) >= 0`:
   * 'ever-bound' (2.6.37/38 pirq_to_irq[] array), 'live-irq' (2.6.39..4.10 irq_info list), 'never'
   * (c74fd80f).
   */
  readonly guestReuse: 'never' | 'live-irq' | 'ever-bound';
  /** hw/xen/xen_pt_config_init.c:xen_pt_msixctrl_reg_write / xen_pt_msgctrl_reg_write: c976437c7dba. */
  readonly qemuUnmapOnDisable: boolean;
  /** hw/xen/xen_pt_msi.c:pci_msix_write: an unchanged message counts as new while the entry has no pirq. */
  readonly qemuRewriteIfUnassigned: boolean;
  /**
   * drivers/pci/msi-xen.c:msix_capability_init @RHEL5 (linux-2.6.18-xen): an entry_nr already on the
   * device's msi_dev pirq list is reused without a hypercall ("... are not freed before acquire again.").
   */
  readonly dom0ReuseListedEntry: boolean;
  /** drivers/pci/pci.c:pci_disable_device @RHEL5: disable_msi_mode clears MSI-X ENABLE and dev->msix_enabled. */
  readonly dom0DisableDeviceClearsMsix: boolean;
  /** xen-pciback pci_stub.c:pcistub_init_device / pcistub_device_release: PHYSDEVOP_prepare_msix / release_msix (Linux 3.9+). */
  readonly pcibackMsixHypercalls: boolean;
  /** pciback_ops.c:xen_pcibk_reset_device: pci_disable_msix if dev->msix_enabled (pvops; absent in RHEL5 2.6.18). */
  readonly pcibackDisableMsixOnReset: boolean;
  /** pciback_ops.c:xen_pcibk_reset_device: pci_write_config_word(PCI_COMMAND, 0), removed by 7681f31ec9cd. */
  readonly pcibackResetZeroesCommand: boolean;
  /** pciback_ops.c:pciback_reset_device: Laszlo Ersek's msi_prune_pci_irq_vectors (seed 002, RFC). */
  readonly pcibackPruneOnReset: boolean;
  /** xenbus.c:xen_pcibk_export_device: Chao Gao's pcistub_msix_reset (seed 003, not merged). */
  readonly pcibackMsixResetOnExport: boolean;
  /** xen/drivers/passthrough/pci.c:assign_device: pci_reset_msix_state (575e18d54d, Xen 4.13). */
  readonly xenResetMsixOnAssign: boolean;
  /** xen/drivers/passthrough/pci.c:deassign_device: unmap the old owner's pirqs of the device (seed 004, v6). */
  readonly xenUnmapOnDeassign: boolean;
  /** xen/arch/x86/physdev.c:physdev_unmap_pirq: a force-unmapped pirq: 0 (v6) or -ESRCH (Roger's suggestion). */
  readonly xenForceUnmappedRc: 'ok' | 'esrch';
  /** tools/libxl/libxl_pci.c:do_pci_remove: unbind and unmap leftover MSI pirqs before the reset (seed 004, Jan). */
  readonly libxlUnbindBeforeReset: boolean;
  /**
   * tools/libxl/libxl_pci.c:do_pci_remove -> libxl_qmp.c:libxl__qmp_pci_del @RELEASE-4.12.0: device_del is
   * qmp_run_command, which returns once QEMU answered; nothing waits for the guest's eject, which becomes a
   * pending event (guest.acpiphp_eject) racing the reset, the deassign and the xenstore removal. False: the
   * eject runs inside device_del, as 4.13's pci_remove_qmp_device_del_cb / pci_remove_qmp_query_cb wait for it.
   */
  readonly libxlAsyncDeviceDel: boolean;
  /**
   * xen/arch/x86/msi.c:msix_capability_init, a real map (not prepare_msix) with `used_entries == 0` by dom0
   * for a device a domU owns. 'crash': 4245d331e0 (Xen 4.3) prints "Potentially insecure use of MSI-X on
   * %04x:%02x:%02x.%u by Dom%d" and calls domain_crash(owner), then goes on and maps. 'enodata': beb54596cf
   * (XSA-337; Xen 4.15, backported to 4.13.2 and 4.14.1) locates the table only for prepare_msix or a device
   * dom0 or dom_io owns; any other first map writes the control word back as read and returns -ENODATA.
   * 'none': Xen before 4.3 (no used_entries, no check).
   */
  readonly xenMsixForeignFirstMap: 'crash' | 'enodata' | 'none';
  /**
   * The msi.c the hypervisor has: 'xen-4.6' (484d7c852e, 0dba393db0, 082fdc6ce8, 2015: host_maskall and
   * guest_maskall, the memory_decoded checks and their MASKALL fallback, dom0's MSI-X control writes
   * intercepted, PHYSDEVOP_prepare_msix since 4245d331e0) or 'xen-3.4' (xen/arch/x86/msi.c @3.4.0-rc3: one
   * `masked` attribute, table writes whatever PCI_COMMAND says, the control word restored as read, no
   * intercept, no prepare_msix). Read once, in msi.ts:msiC.
   */
  readonly xenMsiC: 'xen-4.6' | 'xen-3.4';
  /**
   * xen/arch/x86/irq.c:map_domain_pirq, "pirq or irq already mapped": 'silent' (bfc341a65c, Xen 4.0: dprintk
   * and return 0) or 'einval' (Xen 3.4: dprintk "dom%d: pirq %d or vector %d already mapped" and -EINVAL).
   */
  readonly xenMapPirqConflict: 'silent' | 'einval';
  /**
   * xen/arch/x86/irq.c:map_domain_pirq: pci_get_pdev_by_domain(d, ...) -ENODEV for a device d does not own
   * (3308374b1b, XSA-237, Xen 4.10); false: pci_get_pdev(bus, devfn), any owner (Xen 3.4 .. 4.9).
   */
  readonly xenMapOwnerCheck: boolean;
  /**
   * xen/drivers/passthrough/pci.c:pci_release_devices at destroy: pci_cleanup_msi(pdev) of every device the
   * domain still owns before its deassign (Xen 3.4 .. 4.1; removed by 15a9f34d1b, Xen 4.2).
   */
  readonly xenReleaseCleansMsi: boolean;
  /**
   * xen/drivers/passthrough/iommu.c `iommu_quarantine` as the hypervisor booted with it, read in
   * passthrough/pci.c:deassign_device: `target = ((pdev->quarantine || iommu_quarantine) && pdev->domain !=
   * dom_io) ? dom_io : hardware_domain` (319f9a0ba9 + ba2ab00bbb, XSA-302/306, Xen 4.13). 'off': no such code
   * (4.12 and before) or `iommu=no-quarantine`; 'basic': the default from 4.13.0 (`bool iommu_quarantine =
   * true`; from 4.16 the Kconfig default IOMMU_QUARANTINE_BASIC); 'scratch-page': `iommu=quarantine=scratch-page`
   * (980d6acf15, 4.16+), the same ownership. A release sets its default; the command-line choice is the same
   * flag set by a variant of that release (`base: '4.22', flags: { xenQuarantine: 'off' }`).
   */
  readonly xenQuarantine: 'off' | 'basic' | 'scratch-page';
  /**
   * xen/drivers/passthrough/pci.c:pci_clean_dpci_irq at destroy: after pirq_guest_unbind,
   * `radix_tree_delete(&d->pirq_tree, pirq)` (6a1036e282 / 5b58dad089, Xen 4.13.1 and 4.14.0): the pirq leaves
   * the domain with its irq still mapped, so free_domain_pirqs never unmaps it: the irq, its msi_desc and
   * used_entries leak (XSA-360). Undone by 58427889f5 / e4161938b3 (4.13.3, 4.14.2, 4.15).
   */
  readonly xenCleanDpciDropsPirq: boolean;
  /**
   * xen/arch/x86/irq.c:allocate_pirq, a request for any pirq (-1) of an irq that already has pirq p > 0: true
   * maps p (0d2b87b5ad, Xen 4.19; 4.17.5, 4.18.3), false returns the caller's -1 (0762e2502f, Xen 4.10).
   */
  readonly xenAllocPirqReturnsCurrent: boolean;
  /**
   * xen/arch/x86/msi.c:msi_set_mask_bit's once-per-owner "cannot mask IRQ" warning: false: `warned` starts
   * at 0 (xzalloc), so a device dom0 owns is not warned about until another owner was (Xen 4.6 .. 4.18);
   * true: MSIX_CHECK_WARN (e9607d4061, Xen 4.19), the first warning for any owner is printed.
   */
  readonly xenMsixWarnDom0First: boolean;
  /**
   * tools/libxl/libxl_pci.c:pci_remove_qmp_device_del -> pci_remove_timeout @RELEASE-4.13.0 (fae4880c45,
   * c9cccbdff8): libxl waits up to LIBXL_QMP_CMD_TIMEOUT (10 s) for the device to leave `query-pci`; at the
   * forced removal of a destroy, whose guest never ejects, it warns "timed out waiting for DM to remove
   * pci-pt-BB_DD.F" and goes on. False: 4.12's device_del returns at once (libxl-4.12-async-del).
   */
  readonly libxlDeviceDelTimeout: boolean;
  /**
   * arch/x86/pci/xen.c:xen_hvm_setup_msi_irqs after the 5.10 irqdomain rework (2e4386eba0c0 and its series):
   * xen_msi_compose_msg writes delivery mode ExtINT (data 0x700, no level-assert bit) instead of
   * XEN_PIRQ_MSI_DATA (0x4300), and a failed setup prints "Failed to create MSI%s! ret=%d!" instead of "Xen PCI
   * frontend has not registered MSI/MSI-X support!".
   */
  readonly guestXenMsiIrqdomain: boolean;
  /**
   * drivers/pci/msi.c:msix_capability_init, 438553958ba1 "PCI/MSI: Enable and mask MSI-X early" (Linux 5.14,
   * stable): ENABLE|MASKALL is written first and the entries are programmed while MSI-X is enabled and
   * function-masked; before it the messages were written with MSI-X disabled. Both paths: on the pirq path
   * xen_hvm_setup_msi_irqs runs inside msix_setup_interrupts, after that write, and a failed setup clears
   * ENABLE|MASKALL (out_disable), drivers/pci/msi/msi.c:msix_capability_init @017239c8db20.
   */
  readonly guestMsixEarlyEnable: boolean;
  /**
   * drivers/pci/msi.c:pci_write_msg_msix (__pci_write_msi_msg before 5.17), da181dc974ad "PCI/MSI: Enforce that
   * MSI-X table entry is masked for update" (Linux 5.14, stable): a message written to an entry Linux believes
   * unmasked is bracketed by a mask and an unmask of its vector control word. Native MSI path only (the Xen
   * pirq domain cannot mask, 7e0815b3e099).
   */
  readonly guestMsixMaskForUpdate: boolean;
  /**
   * The vector-control writes of the MSI core on the Xen pirq path of an HVM guest, where `pci_msi_ignore_mask`
   * was 0 until 7e0815b3e099 ("x86/pci/xen: Disable PCI/MSI[-X] masking for XEN_HVM guests", Linux 5.18, stable);
   * the Xen pirq irq_chip (drivers/xen/events/events_base.c) never unmasks a vector control. By generation of
   * drivers/pci/msi.c:msix_capability_init:
   *   'program-entries' (v2.6.32 - 5.13): messages written with MSI-X disabled, then ENABLE|MASKALL and
   *     msix_program_entries masks each used entry (`msix_mask_irq(entry, 1)`);
   *   'before-setup' (5.14 - 5.15.10: 438553958ba1, 7d5ec3d36123, da181dc974ad): ENABLE|MASKALL, msix_mask_all over
   *     the whole table, then msix_setup_entries reads each entry's vector control and __pci_write_msi_msg brackets
   *     a message by mask/unmask when it read unmasked; a failed setup clears ENABLE only (MASKALL stays);
   *   'after-setup' (5.15.11 - 5.17: 83dbf898a2d4, 94185adbfad5): the same with msix_mask_all after the setup,
   *     and a failed setup clears ENABLE and MASKALL;
   *   'none' (7e0815b3e099): no vector-control write.
   * In every generation but 'none' pci_msix_shutdown masks each entry before clearing ENABLE.
   */
  readonly guestPirqMsixMasking: 'program-entries' | 'before-setup' | 'after-setup' | 'none';
  /**
   * hw/xen/xen_pt_msi.c:pci_msix_write, f0ada3608ac1 "xen/MSI-X: latch MSI-X table writes" (QEMU 2.6, qemu-xen
   * b324ef9654 / Xen 4.7): table writes are never refused, only latched, and committed at the next unmask or
   * enable (xen_pt_msix_update_one's rule), and the guest's MASKALL is recorded.
   */
  readonly qemuLatchMsixTable: boolean;
  /**
   * hw/xen/xen_pt_msi.c:xen_pt_msix_update_one, the same f0ada3608ac1: the latched message is committed only
   * while the entry has no pirq, the guest has MASKALL set or the entry is masked; otherwise the last committed
   * one is bound again.
   */
  readonly qemuMsixCommitOnMask: boolean;
  /**
   * hw/xen/xen_pt_msi.c:msi_msix_update, "xen/pt: allow QEMU to request MSI unmasking at bind time" (QEMU
   * 2.11): gflags |= XEN_DOMCTL_VMSI_X86_UNMASKED when the entry is unmasked (Xen's side: 69d99d1b22, 4.10).
   */
  readonly qemuBindUnmasked: boolean;
  /**
   * hw/xen/xen_pt_msi.c XEN_PT_ERR lines, 3782f60d20 "xen/pass-through: log errno values rather than function
   * return ones" (QEMU 2.4): "(err: errno)" instead of "(rc: -1)", and the update path's unmap line gains its
   * number.
   */
  readonly qemuLogErrno: boolean;
  /**
   * hw/xen/xen_pt_msi.c msi_msix_setup, msi_msix_update, msi_msix_disable: 01d152c0bf "hw/xen: Don't use '#'
   * flag of printf format" (QEMU 6.0): vectors and entries printed as "0x%x" instead of "%#x", so 0 is "0x0".
   */
  readonly qemuLogPlainHex: boolean;
  /**
   * drivers/xen/xen-pciback/pciback_ops.c:xen_pcibk_enable_msix, XSA-157 (Linux 4.4, CVE-2015-8551/8552/8553):
   * -EALREADY if dev->msix_enabled, -ENXIO if dev->msi_enabled or PCI_COMMAND_MEMORY is off.
   */
  readonly pcibackMsixEnableChecks: boolean;
  /**
   * xen/arch/x86/hvm/vmsi.c:_msixtbl_write, 64b21662b1 "x86/msi: passthrough all MSI-X vector ctrl writes to
   * device model" (Xen 4.19, XENFEAT_dm_msix_all_writes): a vector-control write Xen handled also goes to QEMU.
   */
  readonly xenMsixtblForwardAll: boolean;
  /**
   * xen/arch/x86/hvm/vmsi.c:msixtbl_pt_unregister, ea87662c77 "x86/msix: fix incorrect refcount decrease in
   * msixtlb" (Xen 4.22): the device's msixtbl entry is deleted when its last bound pirq is unbound. Before it
   * (34097f0d3080, Xen 3.4, to 4.21) the test was inverted, `if ( !atomic_dec_and_test(&entry->refcnt) )
   * del_msixtbl_entry(entry);`: an unbind that leaves other pirqs of the device bound deletes the entry, and the
   * unbind of the last one keeps it (refcnt 0, found again by the next msixtbl_pt_register).
   */
  readonly xenMsixtblRefcountFixed: boolean;
}

export const DEFAULT_FLAGS: Flags = {
  guestReuse: 'never',
  qemuUnmapOnDisable: true,
  qemuRewriteIfUnassigned: true,
  dom0ReuseListedEntry: false,
  dom0DisableDeviceClearsMsix: false,
  pcibackMsixHypercalls: true,
  pcibackDisableMsixOnReset: true,
  pcibackResetZeroesCommand: false,
  pcibackPruneOnReset: false,
  pcibackMsixResetOnExport: false,
  xenResetMsixOnAssign: false,
  xenUnmapOnDeassign: false,
  xenForceUnmappedRc: 'ok',
  libxlUnbindBeforeReset: false,
  libxlAsyncDeviceDel: false,
  xenMsixForeignFirstMap: 'crash',
  xenMsiC: 'xen-4.6',
  xenMapPirqConflict: 'silent',
  xenMapOwnerCheck: true,
  xenReleaseCleansMsi: false,
  xenQuarantine: 'off',
  xenCleanDpciDropsPirq: false,
  xenAllocPirqReturnsCurrent: false,
  xenMsixWarnDom0First: false,
  libxlDeviceDelTimeout: true,
  guestXenMsiIrqdomain: false,
  guestMsixEarlyEnable: false,
  guestMsixMaskForUpdate: false,
  guestPirqMsixMasking: 'program-entries',
  qemuLatchMsixTable: false,
  qemuMsixCommitOnMask: false,
  qemuBindUnmasked: false,
  qemuLogErrno: false,
  qemuLogPlainHex: false,
  pcibackMsixEnableChecks: false,
  xenMsixtblForwardAll: false,
  xenMsixtblRefcountFixed: false,
};

export type VariantComponent = Extract<Component, 'guest' | 'qemu' | 'xen' | 'dom0' | 'toolstack'>;

export interface Variant {
  readonly id: string;
  readonly component: VariantComponent;
  readonly title: string;
  /** Upstream commit id, or the list message for a proposal that was not merged. */
  readonly upstream: string;
  readonly versions: string;
  readonly link: string;
  /** How sure the reference is of the versions and behaviour: what was read in code and what was not. */
  readonly confidence: string;
  readonly flags: Partial<Flags>;
  /**
   * For a released version: its tag, the id of the release before it on its line and the commits between
   * the two that touch the modelled functions, each with what it changes in the model (or why it changes
   * nothing there). Shown by `pirqcheck variants` and docs/variants.md.
   */
  readonly release?: Release;
  /**
   * False for a variant that splits one step of the others into several (libxl-4.12-async-del: the
   * removal after device_del). A trace recorded under another variant, replayed under it, stops midway
   * through that step's work and says nothing about the variant, so reports do not offer it as a swap
   * (checker/report.ts). Absent: true.
   */
  readonly replayCompatible?: false;
  /**
   * Modelled functions the variant replaces or wraps (a fix written as code, api/index.ts): its base's layers
   * first, then its own. Absent for the built-in variants, which change behaviour through flags only.
   */
  readonly layers?: readonly FunctionLayer[];
  /** For a variant loaded from a user's file (api/load.ts): the file, its content's hash and the functions it overrides. */
  readonly source?: VariantSource;
}

export interface VariantSource {
  /** The file as the user named it (relative to the directory pirqcheck ran in, or absolute). */
  readonly file: string;
  /** sha256 of its content, hex. */
  readonly sha256: string;
  readonly functions: readonly string[];
}

/** A release as read from its tag. */
export interface Release {
  /** The git tag, e.g. RELEASE-4.17.0. */
  readonly tag: string;
  /** The id of the release before it on its line (stable-4.13 or master), or null for the first one modelled. */
  readonly previous: string | null;
  /** Commits in `previous..tag` that touch a modelled function, short id and what it does to the model. */
  readonly commits: readonly { readonly id: string; readonly what: string }[];
}

/** The modelled behaviour Xen 4.13.3 and 4.15 .. 4.18 share (575e18d54d, quarantine, beb54596cf's -ENODATA). */
const XEN_4_13_3_FLAGS: Partial<Flags> = { xenResetMsixOnAssign: true, xenQuarantine: 'basic', xenMsixForeignFirstMap: 'enodata' };
/** The modelled behaviour Xen 4.19 .. 4.22 share: 4.18's, plus 0d2b87b5ad, e9607d4061 and 64b21662b1. */
const XEN_4_19_FLAGS: Partial<Flags> = { ...XEN_4_13_3_FLAGS, xenAllocPirqReturnsCurrent: true, xenMsixWarnDom0First: true, xenMsixtblForwardAll: true };

export const VARIANTS: readonly Variant[] = [
  {
    id: 'reuse-pirq',
    component: 'guest',
    title: 'xen: fix MSI setup and teardown for PV on HVM guests (reuse the pirq cached in the MSI message if the guest ever bound it)',
    upstream: 'af42b8d12f8a (Linux), on the 2.6.37/2.6.38 pirq_to_irq[] array',
    versions: 'Linux 2.6.37 - 2.6.38',
    link: 'https://git.kernel.org/torvalds/c/af42b8d12f8adec6711cb824549a0edac6a4ae8f',
    confidence: 'reuse branch read in code (L-3x, L-4x); the pirq_to_irq[] semantics read in a 2.6.37-era events.c; exact release tag unconfirmed',
    flags: { guestReuse: 'ever-bound' },
  },
  {
    id: 'reuse-pirq-live',
    component: 'guest',
    title: 'af42b8d1 reuse on kernels whose xen_irq_from_pirq scans the live irq_info list (reused only while a live irq holds the pirq)',
    upstream: 'af42b8d12f8a with the irq_info list rework of drivers/xen/events.c',
    versions: 'Linux 2.6.39 - 4.10',
    link: 'https://git.kernel.org/torvalds/c/af42b8d12f8adec6711cb824549a0edac6a4ae8f',
    confidence: 'read in code (L-3x events.c xen_irq_from_pirq, L-4x xen.c); version bounds approximate',
    flags: { guestReuse: 'live-irq' },
  },
  {
    id: 'fresh-pirq',
    component: 'guest',
    title: 'xen: do not re-use pirq number cached in pci device msi msg data (always PHYSDEVOP_get_free_pirq)',
    upstream: 'c74fd80f2f41 (Linux)',
    versions: 'Linux 4.11 - 5.9; Ubuntu Xenial 4.4.0-61 (LP: #1656381)',
    link: 'https://git.kernel.org/torvalds/c/c74fd80f2f41d05f350bb478151021f88551afe8',
    confidence: 'read in code (L-cur, arch/x86/pci/xen.c @5d7ab8339a9a); exact first release unconfirmed (v4.10/v4.11 timeframe)',
    flags: { guestReuse: 'never' },
  },
  {
    id: 'linux-5.10',
    component: 'guest',
    title: 'x86/xen: Wrap XEN MSI management into irqdomain (pirq message with delivery mode ExtINT, "Failed to create MSI%s! ret=%d!"); the native path on a domain without XENFEAT_hvm_pirqs or with APIC virtualization, messages written with MSI-X disabled',
    upstream: '2e4386eba0c0 and the x86/irq MSI series (Linux 5.10); xen_hvm_msi_init\'s leaf-4 rule (before 5.10, with Xen 3196856c65)',
    versions: 'Linux 5.10 - 5.13 (the 5.10.y stable releases from 5.10.61 took the 5.14 MSI series, 438553958ba1, 7d5ec3d36123, da181dc974ad: as linux-5.14; 5.13.y release not pinned)',
    link: 'https://git.kernel.org/torvalds/c/2e4386eba0c0',
    confidence: 'arch/x86/pci/xen.c @01be83eea08d (5.10-5.16 shape) and the msi_msg shadow-struct version read; the first release of the error text not identified [derived: present in every 5.10+ version read]; the native path\'s order from drivers/pci/msi.c v4.4..5.13 read',
    flags: { guestReuse: 'never', guestXenMsiIrqdomain: true },
  },
  {
    id: 'linux-5.14',
    component: 'guest',
    title: 'Linux 5.14 - 5.15.10: MSI-X enabled and function-masked first (438553958ba1), the whole table masked before the setup (7d5ec3d36123), a message bracketed by mask/unmask only if its entry read unmasked after that (da181dc974ad); a failed setup clears ENABLE only',
    upstream: '438553958ba1, 7d5ec3d36123, da181dc974ad (Linux 5.14-rc6), before 83dbf898a2d4 and 94185adbfad5 (5.15.11 / 5.16) and 7e0815b3e099 (5.18)',
    versions: 'Linux 5.14 - 5.15.10 (and 5.10.y from 5.10.61 until it took 83dbf898a2d4; releases not pinned)',
    link: 'https://git.kernel.org/torvalds/c/7d5ec3d36123',
    confidence: 'drivers/pci/msi.c read @5.14.2 (Kingdo777/linux-5.14.2-faascale-host @56e6f69d075f; upstream text but for 1a519dc7a73c, "Skip masking MSI-X on Xen PV", a PV-only test) and @5.15.0 (Han-fangyuan/linux-5.15-TPP @a5f17f8519ff): msix_capability_init, msix_setup_entries, msix_mask_all, __pci_write_msi_msg, pci_msix_shutdown; arch/x86/pci/xen.c:xen_hvm_setup_msi_irqs @5.14.2; the first 5.15.y with 83dbf898a2d4 (5.15.11) from its stable review series; the native path as linux-6x',
    flags: { guestReuse: 'never', guestXenMsiIrqdomain: true, guestMsixEarlyEnable: true, guestMsixMaskForUpdate: true, guestPirqMsixMasking: 'before-setup' },
  },
  {
    id: 'linux-5.15',
    component: 'guest',
    title: 'Linux 5.15.11 - 5.17: MSI-X enabled and function-masked first (438553958ba1), and the Xen pirq path still masks: the message written between a mask and an unmask (da181dc974ad), the whole table masked after the setup (83dbf898a2d4), every entry masked at shutdown',
    upstream: '438553958ba1 + da181dc974ad (Linux 5.14), 83dbf898a2d4 (5.15.11 / 5.16), before 7e0815b3e099 (5.18, stable)',
    versions: 'Linux 5.15.11 - 5.17, and stable kernels that took 83dbf898a2d4 (5.10.y, 5.15.11+) until they took 7e0815b3e099 (releases not pinned); 5.14 - 5.15.10 masked the table before the messages (linux-5.14)',
    link: 'https://git.kernel.org/torvalds/c/7e0815b3e099',
    confidence: 'drivers/pci/msi.c @5.15.85 (Tptogiar/linux-5.15.85, 4600a5e9) read: msix_capability_init, msix_setup_entries, __pci_write_msi_msg, msix_mask_all, pci_msix_shutdown; the 83dbf898a2d4 diff and the 7e0815b3e099 thread (lore 87tuaduxj5.ffs@tglx: AWS instances, ixgbevf without network on 5.15.11 and 5.10 stable, "older versions of Xen") read; by Xen\'s code the loss needs a hypervisor without 84d6add559 (4.6: arch_evtchn_bind_pirq unmasks), which no release is (every guest before 7e0815b3e099 loses there); the report is reproduced with the mask rules of Xen 4.1 - 4.5 read at RELEASE-4.5.0 (examples/xen-4.5-mask-rules.ts: this guest loses, linux-5.14 and older deliver); the stable releases that took 7e0815b3e099 not pinned; the native path as linux-6x',
    flags: { guestReuse: 'never', guestXenMsiIrqdomain: true, guestMsixEarlyEnable: true, guestMsixMaskForUpdate: true, guestPirqMsixMasking: 'after-setup' },
  },
  {
    id: 'linux-6x',
    component: 'guest',
    title: 'Linux 6.x: MSI-X enabled and function-masked first (438553958ba1), table entries masked for update (da181dc974ad), the Xen pirq domain writes no vector control (7e0815b3e099)',
    upstream: '438553958ba1 + da181dc974ad (Linux 5.14, stable), 7e0815b3e099 (5.18, stable), msix_mask_all late (Stefan Roese, 2021-12, stable)',
    versions: 'Linux 5.18 - 6.x (5.14 - 5.17 for the native path)',
    link: 'https://git.kernel.org/torvalds/c/438553958ba19296663c6d6583d208dfb6792830',
    confidence: 'diffs of 438553958ba1, da181dc974ad, 7e0815b3e099 and the late msix_mask_all read in list/stable mails; pci_write_msg_msix and msi_domain_deactivate (zero message) read in 6.x text; the early (reservation-mode) message carries MANAGED_IRQ_SHUTDOWN_VECTOR (arch/x86/kernel/apic/vector.c:x86_vector_activate `if (reserve || irqd_is_managed_and_shutdown(irqd)) vector_assign_managed_shutdown(irqd);` read in stored text; its value 0xef from irq_vectors.h not re-read); the 5.14-5.17 pirq path\'s vector-control writes are linux-5.14 and linux-5.15',
    flags: { guestReuse: 'never', guestXenMsiIrqdomain: true, guestMsixEarlyEnable: true, guestMsixMaskForUpdate: true, guestPirqMsixMasking: 'none' },
  },
  {
    id: 'keep-pirqs',
    component: 'qemu',
    title: 'QEMU before c976437c: disabling MSI/MSI-X only clears the enable flag; pirqs stay mapped and bound',
    upstream: 'parent of c976437c7dba (QEMU)',
    versions: 'QEMU 2.0.0 and earlier (Ubuntu Trusty, UCA Icehouse)',
    link: 'https://gitlab.com/qemu-project/qemu/-/commit/c976437c7dba9c7444fb41df45468968aaa326ad',
    confidence: 'behaviour read in code (Q-old); which commit added the pci_msix_write unassigned-pirq rewrite is unconfirmed',
    flags: { qemuUnmapOnDisable: false, qemuRewriteIfUnassigned: false },
  },
  {
    id: 'unmap-on-disable',
    component: 'qemu',
    title: 'qemu-xen: free all the pirqs for msi/msix when driver unload',
    upstream: 'c976437c7dba (QEMU)',
    versions: 'QEMU 2.1.0 - 2.3 (Ubuntu Vivid and later, UCA Kilo and later); "(rc: -1)" log lines',
    link: 'https://gitlab.com/qemu-project/qemu/-/commit/c976437c7dba9c7444fb41df45468968aaa326ad',
    confidence: 'behaviour read in code (Q-new @003f8dbc8e09); version per LP: #1657489',
    flags: { qemuUnmapOnDisable: true, qemuRewriteIfUnassigned: true },
  },
  {
    id: 'qemu-2.4',
    component: 'qemu',
    title: 'xen/pass-through: log errno values rather than function return ones ("(err: N)")',
    upstream: '3782f60d20 (QEMU), qemu-xen 76403ddf6f (qemu-xen-4.6.0)',
    versions: 'QEMU 2.4 - 2.5 (qemu-xen of Xen 4.6)',
    link: 'https://gitlab.com/qemu-project/qemu/-/commit/3782f60d20',
    confidence: 'the diff read in xen-project/qemu-xen history; is-ancestor of v2.4.0',
    flags: { qemuUnmapOnDisable: true, qemuRewriteIfUnassigned: true, qemuLogErrno: true },
  },
  {
    id: 'latch-table',
    component: 'qemu',
    title: 'xen/MSI-X: latch MSI-X table writes (never refused; committed at the next unmask or enable; guest MASKALL tracked)',
    upstream: 'f0ada3608ac1 (QEMU), qemu-xen b324ef9654',
    versions: 'QEMU 2.6 - 2.10; qemu-xen of Xen 4.7.0 - 4.7.4, 4.8.0 - 4.8.2, 4.9.0 - 4.9.1 (bind-unmasked backported after)',
    link: 'https://gitlab.com/qemu-project/qemu/-/commit/f0ada3608ac13cf13f4e2955ed348dc93a38ac45',
    confidence: 'pci_msix_write, xen_pt_msix_update_one, xen_pt_msixctrl_reg_write read @upstream-tested (2.6.50) in xen-project/qemu-xen; merge-base with v2.5.0/v2.6.0 read',
    flags: { qemuUnmapOnDisable: true, qemuRewriteIfUnassigned: true, qemuLogErrno: true, qemuLatchMsixTable: true, qemuMsixCommitOnMask: true },
  },
  {
    id: 'bind-unmasked',
    component: 'qemu',
    title: 'xen/pt: allow QEMU to request MSI unmasking at bind time (XEN_DOMCTL_VMSI_X86_UNMASKED when the entry is unmasked); today\'s xen_pt',
    upstream: 'QEMU a8036336609d (Roger Pau Monne, 2017; first in v2.11.0); Xen side 69d99d1b22 (4.10)',
    versions: 'QEMU 6.0 - 10.2 (no XENFEAT_dm_msix_all_writes use in the upstream tree read); 2.11 - 5.2 and qemu-xen 4.7.5, 4.8.3, 4.9.2 and 4.10 on (backports d957c46ff1, c79567917f, 038cb1d695, 0265936434) the same but for the log format (before 01d152c0bf: %#x, 0 printed as 0)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=commit;h=69d99d1b22',
    confidence: 'hw/xen/xen_pt_msi.c (pci_msix_write, xen_pt_msix_update_one, xen_pt_msix_update, xen_pt_msix_disable, msi_msix_update, xen_pt_msi_update) and hw/xen/xen_pt_config_init.c (xen_pt_msixctrl_reg_write, xen_pt_msgctrl_reg_write, xen_pt_mask_reg_write) read at v2.11.0 (0a0dc59d2752) and at the version commits of 9.0.0 (c25df57ae8f9) and 10.2.0 (698104725efa), the files unchanged from 9.0.0 to 10.1.0: the same code for every flag (a copy without tag objects: the releases found by their version commits); a8036336609d read; 01d152c0bf (first in 6.0, not in 5.2, ancestry read) read: its "0x%x" is qemuLogPlainHex',
    flags: { qemuUnmapOnDisable: true, qemuRewriteIfUnassigned: true, qemuLogErrno: true, qemuLatchMsixTable: true, qemuMsixCommitOnMask: true, qemuBindUnmasked: true, qemuLogPlainHex: true },
  },
  {
    id: '4.12',
    component: 'xen',
    title: 'Xen 4.12.0: map_domain_pirq silently succeeds on a pirq mapped to another irq; get_free_pirq top-down',
    upstream: 'RELEASE-4.12.0 (997d6248a9ae)',
    versions: 'Xen 4.1 - 4.12 for the paths modelled here (map_domain_pirq unchanged through master)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=RELEASE-4.12.0',
    confidence: 'read in code (X4.1, X4.8, X4.12, master)',
    flags: {},
    release: { tag: 'RELEASE-4.12.0', previous: null, commits: [] },
  },
  {
    id: 'xen-3.4',
    component: 'xen',
    title: 'Xen 3.3/3.4 (the hypervisor of RHEL 5\'s era): msi.c without used_entries, host/guest maskall, decoding checks or prepare_msix; no domain_crash; -EINVAL on a pirq conflict; pci_cleanup_msi at release',
    upstream: 'xen/arch/x86/msi.c, irq.c, drivers/passthrough/pci.c @3.4.0-rc3 (fcaf4a2871); RELEASE-4.0.0 for the 4.0 changes noted',
    versions: 'Xen 3.3 - 3.4 (RHEL 5 ships 3.1.2 with these MSI paths backported, 5.4 and later)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=3.4.0-rc3',
    confidence: 'read in code at 3.4.0-rc3 and 3.3.0-rc7 (no RELEASE-3.x tag in xen.git); the RHEL 5 backport itself unread [unconfirmed]',
    flags: { xenMsiC: 'xen-3.4', xenMsixForeignFirstMap: 'none', xenMapPirqConflict: 'einval', xenMapOwnerCheck: false, xenReleaseCleansMsi: true, xenResetMsixOnAssign: false, xenAllocPirqReturnsCurrent: true },
    release: { tag: '3.4.0-rc3', previous: null, commits: [] },
  },
  {
    id: '4.13',
    component: 'xen',
    title: 'Xen 4.13.0: pci_reset_msix_state on assign (575e18d54d); device quarantine on by default (a device that leaves a guest belongs to dom_io)',
    upstream: 'RELEASE-4.13.0 (a2e84d8e42c9)',
    versions: 'Xen 4.13.0 (575e18d54d also in 4.12.2 and 4.11.3; quarantine also in 4.12.2)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=RELEASE-4.13.0',
    confidence: 'read in code at the tag: every modelled function diffed against the previous release (git log -L per function)',
    flags: { xenResetMsixOnAssign: true, xenQuarantine: 'basic' },
    release: {
      tag: 'RELEASE-4.13.0',
      previous: '4.12',
      commits: [
        { id: '575e18d54d', what: 'assign_device -> pci_reset_msix_state: -EBUSY while MASKALL is set in hardware, else host_maskall = guest_maskall = false (xenResetMsixOnAssign)' },
        { id: '319f9a0ba9', what: 'XSA-302: deassign_device targets dom_io when pdev->quarantine or iommu_quarantine; assign accepts a dom_io-owned device; libxl pci-assignable-add assigns to DOMID_IO (xenQuarantine)' },
        { id: 'ba2ab00bbb', what: 'XSA-306: iommu_quarantine defaults to true (xenQuarantine basic)' },
        { id: '92d9101eab', what: 'create_irq(node, grant_access): irq access for a stub domain; no modelled change' },
      ],
    },
  },
  {
    id: '4.13.1',
    component: 'xen',
    title: 'Xen 4.13.1: destroy drops dpci-bound pirqs from the domain before free_domain_pirqs (XSA-360 leak)',
    upstream: 'RELEASE-4.13.1 (6278553325a9)',
    versions: 'Xen 4.13.1 - 4.13.2 (stable-4.13)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=RELEASE-4.13.1',
    confidence: 'read in code at the tag: every modelled function diffed against the previous release (git log -L per function)',
    flags: { xenResetMsixOnAssign: true, xenQuarantine: 'basic', xenCleanDpciDropsPirq: true },
    release: {
      tag: 'RELEASE-4.13.1',
      previous: '4.13',
      commits: [
        { id: '6a1036e282', what: 'pci_clean_dpci_irq: radix_tree_delete of the pirq after pirq_guest_unbind: free_domain_pirqs never unmaps it, irq, msi_desc and used_entries leak (xenCleanDpciDropsPirq)' },
        { id: 'ac75ea8b67', what: 'IOMMU hardware-domain check; no modelled change' },
      ],
    },
  },
  {
    id: '4.13.3',
    component: 'xen',
    title: 'Xen 4.13.3: first foreign MSI-X map is -ENODATA (XSA-337 backport), XSA-360 leak undone',
    upstream: 'RELEASE-4.13.3 (57a60c1f2779)',
    versions: 'Xen 4.13.3 - 4.13.x (stable-4.13; f27980a330 came with 4.13.2)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=RELEASE-4.13.3',
    confidence: 'read in code at the tag: every modelled function diffed against the previous release (git log -L per function)',
    flags: XEN_4_13_3_FLAGS,
    release: {
      tag: 'RELEASE-4.13.3',
      previous: '4.13.1',
      commits: [
        { id: 'f27980a330', what: 'backport of beb54596cf (XSA-337): msix_capability_init locates the table with used_entries == 0 only for prepare_msix or a device dom0/dom_io owns; any other first map is -ENODATA, control as read; never the domain_crash (xenMsixForeignFirstMap enodata)' },
        { id: 'e4161938b3', what: 'backport of 58427889f5 (XSA-360): pci_clean_dpci_irq keeps the pirq (flags = 0), free_domain_pirqs unmaps it again (xenCleanDpciDropsPirq false)' },
        { id: '54becf611d', what: 'evtchn_destroy preemptible (-ERESTART continuation); no modelled change' },
      ],
    },
  },
  {
    id: '4.14',
    component: 'xen',
    title: 'Xen 4.14.0: the XSA-360 leak of 4.13.1 (5b58dad089); the domain_crash branch still reachable',
    upstream: 'RELEASE-4.14.0 (456957aaa139)',
    versions: 'Xen 4.14.0 (beb54596cf only in 4.14.1, 58427889f5 in 4.14.2)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=RELEASE-4.14.0',
    confidence: 'read in code at the tag: every modelled function diffed against the previous release (git log -L per function)',
    flags: { xenResetMsixOnAssign: true, xenQuarantine: 'basic', xenCleanDpciDropsPirq: true },
    release: {
      tag: 'RELEASE-4.14.0',
      previous: '4.13',
      commits: [
        { id: '5b58dad089', what: 'pci_clean_dpci_irq drops the pirq from the domain (= 6a1036e282): the XSA-360 leak (xenCleanDpciDropsPirq)' },
        { id: 'cd7dedad82', what: 'assign_device prints "%pd: assign (...) failed (%d)"; pci_release_devices no longer prints; log text only (not modelled)' },
        { id: 'ea38867831', what: 'scratch page in the quarantine domain: DMA only, same ownership' },
        { id: '37663f36df', what: 'd->tot_pages -> domain_tot_pages(d) in the crash test; no change' },
      ],
    },
  },
  {
    id: '4.15',
    component: 'xen',
    title: 'Xen 4.15.0: XSA-337 (-ENODATA for the first foreign MSI-X map) and the XSA-360 fix',
    upstream: 'RELEASE-4.15.0 (e25aa9939ae0)',
    versions: 'Xen 4.15.0 - 4.15.x',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=RELEASE-4.15.0',
    confidence: 'read in code at the tag: every modelled function diffed against the previous release (git log -L per function)',
    flags: XEN_4_13_3_FLAGS,
    release: {
      tag: 'RELEASE-4.15.0',
      previous: '4.14',
      commits: [
        { id: 'beb54596cf', what: 'XSA-337: -ENODATA instead of the 4245d331e0 domain_crash; _pci_cleanup_msix zeroes table.first with the last user (xenMsixForeignFirstMap enodata)' },
        { id: '58427889f5', what: 'XSA-360 fix: pci_clean_dpci_irq keeps the pirq (xenCleanDpciDropsPirq false)' },
        { id: '1ee1441835', what: '%pp / %pd log formats ("by d1"): only the unreachable crash line changes' },
        { id: '710f62cc82', what: 'pci_remove_device cleans MSI before the IOMMU removal; pci_remove_device is not modelled' },
        { id: 'f7e77e55d3', what: 'pci_clean_dpci_irq moved to x86/hvm.c (arch_pci_clean_pirqs); same behaviour' },
      ],
    },
  },
  {
    id: '4.16',
    component: 'xen',
    title: 'Xen 4.16.0: same modelled behaviour as 4.15; quarantine=scratch-page option (same ownership)',
    upstream: 'RELEASE-4.16.0 (b0b4661fa3cb)',
    versions: 'Xen 4.16.0 - 4.16.x (913751d7af in 4.16.5: device add, not modelled)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=RELEASE-4.16.0',
    confidence: 'read in code at the tag: every modelled function diffed against the previous release (git log -L per function)',
    flags: XEN_4_13_3_FLAGS,
    release: {
      tag: 'RELEASE-4.16.0',
      previous: '4.15',
      commits: [
        { id: '980d6acf15', what: 'IOMMU_QUARANTINE_{NONE,BASIC,SCRATCH_PAGE} Kconfig (default BASIC) and iommu=quarantine=scratch-page: same ownership (xenQuarantine scratch-page)' },
        { id: 'a12ceae85b', what: 'pci_reset_msix_state moved into pdev_msix_assign; same behaviour' },
        { id: 'f591755823', what: 'pci_release_devices returns a deassign error; not reachable in the model' },
      ],
    },
  },
  {
    id: '4.17',
    component: 'xen',
    title: 'Xen 4.17.0: same modelled behaviour as 4.16 (locking, pci_get_pdev fold, per-device quarantine page tables)',
    upstream: 'RELEASE-4.17.0 (11560248ffda)',
    versions: 'Xen 4.17.0 - 4.17.4 (4.17.5 has 0d2b87b5ad)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=RELEASE-4.17.0',
    confidence: 'read in code at the tag: every modelled function diffed against the previous release (git log -L per function)',
    flags: XEN_4_13_3_FLAGS,
    release: {
      tag: 'RELEASE-4.17.0',
      previous: '4.16',
      commits: [
        { id: '9875c69c4b', what: 'event_lock becomes an rwlock; no modelled change' },
        { id: 'a37f9ea7a6', what: 'pci_get_pdev{,_by_domain} folded into pci_get_pdev(d, sbdf); same semantics' },
        { id: '14dd241aad', what: 'per-device quarantine page tables (iommu_quarantine_dev_init); same ownership' },
        { id: '7b4b36fcba', what: 'pdev->broken -> -EBADF on assign; no broken devices in the model' },
      ],
    },
  },
  {
    id: '4.18',
    component: 'xen',
    title: 'Xen 4.18.0: same modelled behaviour as 4.17',
    upstream: 'RELEASE-4.18.0 (d75f1e9b7431)',
    versions: 'Xen 4.18.0 - 4.18.2 (4.18.3 has 0d2b87b5ad)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=RELEASE-4.18.0',
    confidence: 'read in code at the tag: every modelled function diffed against the previous release (git log -L per function)',
    flags: XEN_4_13_3_FLAGS,
    release: {
      tag: 'RELEASE-4.18.0',
      previous: '4.17',
      commits: [
        { id: '913751d7af', what: 'pdev_msi_init clears MASKALL/ENABLE found at PHYSDEVOP_pci_device_add ("unexpected initial MSI-X state"); device add is not modelled (devices start clean)' },
      ],
    },
  },
  {
    id: '4.19',
    component: 'xen',
    title: 'Xen 4.19.0: allocate_pirq returns the pirq an irq already has (0d2b87b5ad); "cannot mask" printed for Dom0 the first time (e9607d4061)',
    upstream: 'RELEASE-4.19.0 (026c9fa29716)',
    versions: 'Xen 4.19.0 - 4.19.x',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=RELEASE-4.19.0',
    confidence: 'read in code at the tag: every modelled function diffed against the previous release (git log -L per function)',
    flags: XEN_4_19_FLAGS,
    release: {
      tag: 'RELEASE-4.19.0',
      previous: '4.18',
      commits: [
        { id: '0d2b87b5ad', what: "allocate_pirq: pirq = current_pirq instead of returning the caller's -1 (xenAllocPirqReturnsCurrent)" },
        { id: 'e9607d4061', what: 'msi_set_mask_bit: MSIX_CHECK_WARN, the first "cannot mask" for a Dom0-owned device is printed (xenMsixWarnDom0First)' },
        { id: 'daa90dfea9', what: 'pirq_cleanup_check macro fixed: pirq structs freed; memory only (the model already drops all-default pirqs)' },
        { id: 'b2cd07a044', what: 'guest access to registers sharing the MSI-X table page; not modelled' },
        { id: '64b21662b1', what: 'msixtbl forwards every vector-control write to the device model after handling it (xenMsixtblForwardAll; xen/arch/x86/hvm/vmsi.c:_msixtbl_write)' },
        { id: '401448f2d1', what: 'physdev_{,un}map_pirq self test by domain pointer; not modelled' },
      ],
    },
  },
  {
    id: '4.20',
    component: 'xen',
    title: 'Xen 4.20.0: same modelled behaviour as 4.19 for a PV dom0',
    upstream: 'RELEASE-4.20.0 (3ad5d648cda5)',
    versions: 'Xen 4.20.0 - 4.20.x',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=RELEASE-4.20.0',
    confidence: 'read in code at the tag: every modelled function diffed against the previous release (git log -L per function)',
    flags: XEN_4_19_FLAGS,
    release: {
      tag: 'RELEASE-4.20.0',
      previous: '4.19',
      commits: [
        { id: '035baa203b', what: "PHYSDEVOP_{,un}map_pirq allowed for HVM/PVH callers without pirqs (PVH dom0); the model's dom0 is PV" },
        { id: '43a1f8b38e', what: 'PHYSDEVOP_setup_gsi for a PVH dom0; GSI not modelled' },
        { id: '9a2d7b5bb6', what: 'PHYSDEVOP_pci_device_state_reset (vPCI); not modelled' },
        { id: '7ab6951981', what: 'pci_disable_msi_all at host shutdown; not modelled' },
        { id: 'c01855bec5', what: 'msix_pos/msi_pos cached at device add (stale VF pdevs); not modelled' },
      ],
    },
  },
  {
    id: '4.21',
    component: 'xen',
    title: 'Xen 4.21.0: same modelled behaviour as 4.20',
    upstream: 'RELEASE-4.21.0 (06af9ef22996)',
    versions: 'Xen 4.21.0 - 4.21.x',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=RELEASE-4.21.0',
    confidence: 'read in code at the tag: every modelled function diffed against the previous release (git log -L per function)',
    flags: XEN_4_19_FLAGS,
    release: {
      tag: 'RELEASE-4.21.0',
      previous: '4.20',
      commits: [
        { id: 'cb587f620a', what: 'pt_irq_create_bind posted-interrupt error path; posted interrupts not modelled' },
      ],
    },
  },
  {
    id: '4.22',
    component: 'xen',
    title: 'Xen 4.22.0: 4.21 with msixtbl_pt_unregister\'s refcount test fixed (ea87662c77)',
    upstream: 'RELEASE-4.22.0 (d45d5687f144)',
    versions: 'Xen 4.22.0 and staging (4.23-dev) for the modelled functions',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;hb=RELEASE-4.22.0',
    confidence: 'read in code at the tag: every modelled function diffed against the previous release (git log -L per function), and vmsi.c / passthrough/x86/hvm.c by their logs (RELEASE-4.21.0..RELEASE-4.22.0: ea87662c77, 4aa218acd4)',
    flags: { ...XEN_4_19_FLAGS, xenMsixtblRefcountFixed: true },
    release: {
      tag: 'RELEASE-4.22.0',
      previous: '4.21',
      commits: [
        { id: 'ea87662c77', what: 'msixtbl_pt_unregister deletes the msixtbl entry when the last bound pirq goes, not when others are still bound (xenMsixtblRefcountFixed; xen/arch/x86/hvm/vmsi.c)' },
        { id: '4aa218acd4', what: 'pirq_cleanup_check() macro deleted, callers test pirq->evtchn themselves; memory only' },
      ],
    },
  },
  {
    id: 'chao-v6',
    component: 'xen',
    title: 'xen/pt: fix some pass-thru devices don\'t work across reboot (v6 1/3): unmap the pirqs of a device on deassign, force_unmapped/force_unbound',
    upstream: 'xen-devel 2019-01 msg01227, Chao Gao, [PATCH v6 1/3] (not merged)',
    versions: 'proposal against Xen 4.12-unstable; superseded by 575e18d54d',
    link: 'https://lists.xenproject.org/archives/html/xen-devel/2019-01/msg01227.html',
    confidence: 'patch text per seed 004 only [unconfirmed]; flag semantics derived from its description',
    flags: { xenUnmapOnDeassign: true, xenForceUnmappedRc: 'ok' },
  },
  {
    id: 'chao-v6-esrch',
    component: 'xen',
    title: 'chao-v6 with Roger Pau Monne\'s suggestion: -ESRCH for a pirq Xen already unmapped',
    upstream: 'review of v6 1/3 (seed 004), not implemented',
    versions: 'proposal; Xen master still returns -EINVAL from unmap_domain_pirq',
    link: 'https://lists.xenproject.org/archives/html/xen-devel/2019-01/msg01227.html',
    confidence: 'suggestion per seed 004; its intent (dom0 xen_destroy_irq treats -ESRCH as gone) derived [unconfirmed]',
    flags: { xenUnmapOnDeassign: true, xenForceUnmappedRc: 'esrch' },
  },
  {
    id: 'xen-2.6.18',
    component: 'dom0',
    title: 'linux-2.6.18-xen dom0: msi_dev pirq list reused on enable, pci_disable_device clears msix_enabled, no MSI-X hypercalls in pciback',
    upstream: 'linux-2.6.18-xen.hg / RHEL5 drivers/pci/msi-xen.c, drivers/xen/pciback',
    versions: 'linux-2.6.18-xen, RHEL 5 kernels',
    link: 'https://lists.xen.org/archives/html/xen-devel/2011-06/msg00038.html',
    confidence: 'read in code (RHEL5 copy); reset with c/s 1070 (pci_disable_msix if msix_enabled) as the seed 002 kernel had it; upstream 2.6.18-xen.hg may differ [unconfirmed]',
    flags: { dom0ReuseListedEntry: true, dom0DisableDeviceClearsMsix: true, pcibackMsixHypercalls: false, pcibackDisableMsixOnReset: true, pcibackResetZeroesCommand: true },
  },
  {
    id: 'xen-2.6.18-prune',
    component: 'dom0',
    title: 'pciback: clean up (MSI-X vec, entrynr) list when resetting PCI device (msi_prune_pci_irq_vectors)',
    upstream: 'Laszlo Ersek, [RFC PATCH linux-2.6.18-xen], xen-devel 2011-06-01 (seed 002); not found in any public tree',
    versions: 'RFC against linux-2.6.18-xen / RHEL5 (RHBZ#688673)',
    link: 'https://lists.xen.org/archives/html/xen-devel/2011-06/msg00038.html',
    confidence: 'patch per seed 002 [code]; whether it was merged [unconfirmed]',
    flags: { dom0ReuseListedEntry: true, dom0DisableDeviceClearsMsix: true, pcibackMsixHypercalls: false, pcibackDisableMsixOnReset: true, pcibackResetZeroesCommand: true, pcibackPruneOnReset: true },
  },
  {
    id: 'pvops',
    component: 'dom0',
    title: 'pvops dom0 (Linux 3.9 to 5.0): pciback prepare/release MSI-X, FLR on put, xen_pcibk_reset_device writes PCI_COMMAND=0, XSA-157 checks in xen_pcibk_enable_msix (4.4+)',
    upstream: 'drivers/xen/xen-pciback (PB-old), before 7681f31ec9cd',
    versions: 'Linux 3.9 - 5.0 (4.19.y before 4.19.48)',
    link: 'https://git.kernel.org/torvalds/c/7681f31ec9cdacab4fd10570be924f2cef6669ba',
    confidence: 'read in code (PB-old, PB-new); the 3.9 lower bound of PHYSDEVOP_prepare_msix use approximate',
    flags: { pcibackResetZeroesCommand: true, pcibackMsixEnableChecks: true },
  },
  {
    id: 'pvops-7681f31e',
    component: 'dom0',
    title: 'xen/pciback: Don\'t disable PCI_COMMAND on PCI device reset',
    upstream: '7681f31ec9cd (Linux), CVE-2015-8553',
    versions: 'Linux 5.1 and later; 4.19.48',
    link: 'https://git.kernel.org/torvalds/c/7681f31ec9cdacab4fd10570be924f2cef6669ba',
    confidence: 'commit per stable-list mail; its effect on late masking derived [unconfirmed]',
    flags: { pcibackResetZeroesCommand: false, pcibackMsixEnableChecks: true },
  },
  {
    id: 'pvops-6x',
    component: 'dom0',
    title: 'PV dom0 Linux 6.x: pvops-7681f31e, XSA-157 checks in xen_pcibk_enable_msix, pcistub_reset_device_state (no PHYSDEVOP_pci_device_reset from a PV dom0)',
    upstream: '7681f31ec9cd + XSA-157 (Linux 4.4) + pcistub_reset_device_state (Jiqian Chen, 6.12, with Xen 9a2d7b5bb6)',
    versions: 'Linux 5.1 - 6.x as a PV dom0',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=commit;h=9a2d7b5bb6',
    confidence: 'pciback_ops.c and pci_stub.c of 6.12+ read (file ids 63015977, 18165457464); pcistub_reset_device_state issues the hypercall only `if (!xen_pv_domain())`, and Xen\'s handler (vpci_reset_device) resets vPCI state only, so for the PV dom0 modelled it is the same FLR and no flag; XSA-157 commit ids not read',
    flags: { pcibackResetZeroesCommand: false, pcibackMsixEnableChecks: true },
  },
  {
    id: 'pvops-msix-reset',
    component: 'dom0',
    title: 'xen: xen-pciback: Reset MSI-X state when exposing a device (pcistub_msix_reset)',
    upstream: 'Chao Gao, message-id 1543976357-1053-1-git-send-email-chao.gao@intel.com (seed 003), not merged',
    versions: 'proposal against Linux 4.20 (pvops with PCI_COMMAND=0)',
    link: 'https://lkml.org/lkml/2018/12/4/1099',
    confidence: 'patch per seed 003 [code]; applied on top of the pvops variant',
    flags: { pcibackResetZeroesCommand: true, pcibackMsixResetOnExport: true, pcibackMsixEnableChecks: true },
  },
  {
    id: 'libxl',
    component: 'toolstack',
    title: 'libxl: device_del, reset, deassign, pciback release, kill QEMU, xc_domain_destroy; never unmaps MSI pirqs',
    upstream: 'tools/libxl/libxl_pci.c:do_pci_remove, libxl_domain.c:libxl__destroy_domid @ RELEASE-4.13.0',
    versions: 'Xen 4.13 (4.13.0 - 4.13.x); the same order through 4.22 (libxl-4.14 .. libxl-4.22)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=blob;f=tools/libxl/libxl_pci.c;hb=RELEASE-4.12.0',
    confidence: 'read in code (X4.12, Xm); the add/remove/destroy order re-read at RELEASE-4.13.0 .. RELEASE-4.22.0',
    flags: { libxlUnbindBeforeReset: false },
    release: {
      tag: 'RELEASE-4.13.0',
      previous: 'libxl-4.12-async-del',
      commits: [
        { id: 'fae4880c45', what: 'libxl_pci: Use ev_qmp for pci_remove: device_del, then query-pci every second until the device is gone, pci_remove_timeout after 10 s (the eject inside device_del of the model)' },
        { id: 'c9cccbdff8', what: 'libxl_pci: Fix guest shutdown with PCI PT attached: on the timeout a forced removal goes on with the reset, xc_deassign_device and the xenstore removal ("timed out waiting for DM to remove", libxlDeviceDelTimeout)' },
        { id: '319f9a0ba9', what: 'libxl__device_pci_assignable_add assigns the device to DOMID_IO (xl pci-assignable-add); the model binds pciback directly (dom0.pcistub_probe), see docs/model.md' },
      ],
    },
  },
  {
    id: 'unbind-before-reset',
    component: 'toolstack',
    title: 'libxl clears leftover MSI pirq bindings of the device before the reset (Jan Beulich: "an ordering issue in the tool stack?")',
    upstream: 'suggestion in review of Chao Gao\'s pciback patch (seed 004 [0], xen-devel 2019-01 msg01753); never implemented',
    versions: 'proposal',
    link: 'https://lists.xenproject.org/archives/html/xen-devel/2019-01/msg01753.html',
    confidence: 'the suggestion per reference C; the mechanism (a wildcard unbind + unmap of the device\'s pirqs) derived',
    flags: { libxlUnbindBeforeReset: true },
  },
  {
    id: 'libxl-4.12-async-del',
    component: 'toolstack',
    title: 'libxl 4.12 hot-unplug: QMP device_del returns before the guest ejects; reset, deassign and xenstore removal race the eject',
    upstream: 'tools/libxl/libxl_qmp.c:libxl__qmp_pci_del -> qmp_device_del -> qmp_run_command("device_del") @ RELEASE-4.12.0; the wait (pci_remove_qmp_device_del_cb, query-pci every second, pci_remove_timeout) came with the libxl__ev_qmp rework in 4.13',
    versions: 'Xen 4.12 and earlier (qemu-xen device model); 4.13 and later wait up to LIBXL_QMP_CMD_TIMEOUT (10 s)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=blob;f=tools/libxl/libxl_qmp.c;hb=RELEASE-4.12.0',
    confidence: 'libxl order and the synchronous QMP command read in code (RELEASE-4.12.0, RELEASE-4.13.0); QEMU side (hw/acpi/pcihp.c:acpi_pcihp_device_unplug_request_cb sets the slot\'s down bit, sends the SCI and returns; acpi_pcihp_eject_slot completes the unplug on the guest\'s eject write) read in hw/acpi/pcihp.c as quoted in later QEMU patch threads, the qemu-xen release shipped with 4.12 not read; the eject as one step (guest remove, then xen_pt_destroy) as in the synchronous model',
    flags: { libxlAsyncDeviceDel: true, libxlDeviceDelTimeout: false },
    replayCompatible: false,
    release: { tag: 'RELEASE-4.12.0', previous: null, commits: [] },
  },
  {
    id: 'libxl-4.14',
    component: 'toolstack',
    title: 'libxl 4.14: add, remove and destroy in the order of libxl 4.13 for the modelled MSI paths',
    upstream: 'tools/libxl/libxl_pci.c, libxl_domain.c @RELEASE-4.14.0',
    versions: 'Xen 4.14',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;f=tools/libxl;hb=RELEASE-4.14.0',
    confidence: 'read in code at the tag (libxl__device_pci_add, do_pci_remove / pci_remove_detached, libxl__destroy_domid); the same order as libxl 4.13 for the modelled MSI paths',
    flags: {},
    release: {
      tag: 'RELEASE-4.14.0',
      previous: 'libxl',
      commits: [
        { id: 'fc7b56510d', what: 'libxl__device_pci_setdefault gets the right hotplug argument; no modelled change' },
        { id: '2b02882ebb', what: 'libxl__mark_domid_recent before xc_domain_destroy: recently destroyed domids are not reused (the model never reuses a domid)' },
      ],
    },
  },
  {
    id: 'libxl-4.15',
    component: 'toolstack',
    title: 'libxl 4.15: moved to tools/libs/light; add, remove and destroy in the order of libxl 4.13 for the modelled MSI paths',
    upstream: 'tools/libs/light/libxl_pci.c, libxl_domain.c @RELEASE-4.15.0',
    versions: 'Xen 4.15',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;f=tools/libs/light;hb=RELEASE-4.15.0',
    confidence: 'read in code at the tag (libxl__device_pci_add, do_pci_remove / pci_remove_detached, libxl__destroy_domid); the same order as libxl 4.13 for the modelled MSI paths',
    flags: {},
    release: {
      tag: 'RELEASE-4.15.0',
      previous: 'libxl-4.14',
      commits: [
        { id: '41aea82de2', what: 'tools/libxl moved to tools/libs/light; no behaviour change' },
        { id: '33e1c5a5a8', what: 'pci_remove_detatched renamed pci_remove_detached; no behaviour change' },
      ],
    },
  },
  {
    id: 'libxl-4.16',
    component: 'toolstack',
    title: 'libxl 4.16: add, remove and destroy in the order of libxl 4.13 for the modelled MSI paths',
    upstream: 'tools/libs/light/libxl_pci.c, libxl_domain.c @RELEASE-4.16.0',
    versions: 'Xen 4.16',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;f=tools/libs/light;hb=RELEASE-4.16.0',
    confidence: 'read in code at the tag (libxl__device_pci_add, do_pci_remove / pci_remove_detached, libxl__destroy_domid); the same order as libxl 4.13 for the modelled MSI paths',
    flags: {},
    release: {
      tag: 'RELEASE-4.16.0',
      previous: 'libxl-4.15',
      commits: [
        { id: 'bc2bdd4af4', what: 'PCI removal allowed for every domain type (PVH takes the PV branch); no change for HVM/PV x86' },
      ],
    },
  },
  {
    id: 'libxl-4.17',
    component: 'toolstack',
    title: 'libxl 4.17: add, remove and destroy in the order of libxl 4.13 for the modelled MSI paths',
    upstream: 'tools/libs/light/libxl_pci.c, libxl_domain.c @RELEASE-4.17.0',
    versions: 'Xen 4.17',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;f=tools/libs/light;hb=RELEASE-4.17.0',
    confidence: 'read in code at the tag (libxl__device_pci_add, do_pci_remove / pci_remove_detached, libxl__destroy_domid); the same order as libxl 4.13 for the modelled MSI paths',
    flags: {},
    release: {
      tag: 'RELEASE-4.17.0',
      previous: 'libxl-4.16',
      commits: [
        { id: '0f4fd6b6d8', what: 'QMP device_add retried up to 10 times on error; device_add does not fail in the model' },
      ],
    },
  },
  {
    id: 'libxl-4.18',
    component: 'toolstack',
    title: 'libxl 4.18: add, remove and destroy in the order of libxl 4.13 for the modelled MSI paths; the INTx revoke/unmap moves after device_del for HVM (not modelled)',
    upstream: 'tools/libs/light/libxl_pci.c, libxl_domain.c @RELEASE-4.18.0',
    versions: 'Xen 4.18',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;f=tools/libs/light;hb=RELEASE-4.18.0',
    confidence: 'read in code at the tag (libxl__device_pci_add, do_pci_remove / pci_remove_detached, libxl__destroy_domid); the same order as libxl 4.13 for the modelled MSI paths',
    flags: {},
    release: {
      tag: 'RELEASE-4.18.0',
      previous: 'libxl-4.17',
      commits: [
        { id: '39113a8a23', what: 'tools/light: Revoke permissions when a PCI detach for HVM domain: iomem/ioport revoke and the INTx xc_physdev_unmap_pirq in pci_remove_detached, before the reset; INTx is not modelled and no MSI pirq is unmapped' },
      ],
    },
  },
  {
    id: 'libxl-4.19',
    component: 'toolstack',
    title: 'libxl 4.19: add, remove and destroy in the order of libxl 4.13 for the modelled MSI paths; HVM guests built without XENFEAT_hvm_pirqs unless hvm_pirq=1 (024e7131be, not modelled yet)',
    upstream: 'tools/libs/light/libxl_pci.c, libxl_domain.c @RELEASE-4.19.0',
    versions: 'Xen 4.19',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;f=tools/libs/light;hb=RELEASE-4.19.0',
    confidence: 'read in code at the tag (libxl__device_pci_add, do_pci_remove / pci_remove_detached, libxl__destroy_domid); the same order as libxl 4.13 for the modelled MSI paths',
    flags: {},
    release: {
      tag: 'RELEASE-4.19.0',
      previous: 'libxl-4.18',
      commits: [
        { id: '024e7131be', what: 'tools: don\'t expose XENFEAT_hvm_pirqs by default: HVM domains lose XEN_X86_EMU_USE_PIRQ and the guest takes the native MSI path; not in this variant: it needs the guest-side XENFEAT_hvm_pirqs parameter (docs/model.md)' },
      ],
    },
  },
  {
    id: 'libxl-4.20',
    component: 'toolstack',
    title: 'libxl 4.20: add, remove and destroy in the order of libxl 4.13 for the modelled MSI paths for a PV dom0',
    upstream: 'tools/libs/light/libxl_pci.c, libxl_domain.c @RELEASE-4.20.0',
    versions: 'Xen 4.20',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;f=tools/libs/light;hb=RELEASE-4.20.0',
    confidence: 'read in code at the tag (libxl__device_pci_add, do_pci_remove / pci_remove_detached, libxl__destroy_domid); the same order as libxl 4.13 for the modelled MSI paths',
    flags: {},
    release: {
      tag: 'RELEASE-4.20.0',
      previous: 'libxl-4.19',
      commits: [
        { id: 'f97f885c71', what: 'PIRQ (un)map through libxl__arch_hvm_map_gsi on a PVH dom0 (no pirq notion); a PV dom0 keeps the sysfs-irq path' },
      ],
    },
  },
  {
    id: 'libxl-4.21',
    component: 'toolstack',
    title: 'libxl 4.21: add, remove and destroy in the order of libxl 4.13 for the modelled MSI paths',
    upstream: 'tools/libs/light/libxl_pci.c, libxl_domain.c @RELEASE-4.21.0',
    versions: 'Xen 4.21',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;f=tools/libs/light;hb=RELEASE-4.21.0',
    confidence: 'read in code at the tag (libxl__device_pci_add, do_pci_remove / pci_remove_detached, libxl__destroy_domid); the same order as libxl 4.13 for the modelled MSI paths',
    flags: {},
    release: {
      tag: 'RELEASE-4.21.0',
      previous: 'libxl-4.20',
      commits: [
        { id: '19ab8356ab', what: 'qemu-traditional removed; the model\'s device model is qemu-xen' },
        { id: 'd3ac8fdce2', what: 'missing PCI GSIs skipped; INTx not modelled' },
      ],
    },
  },
  {
    id: 'libxl-4.22',
    component: 'toolstack',
    title: 'libxl 4.22: add, remove and destroy in the order of libxl 4.13 for the modelled MSI paths',
    upstream: 'tools/libs/light/libxl_pci.c, libxl_domain.c @RELEASE-4.22.0',
    versions: 'Xen 4.22',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=tree;f=tools/libs/light;hb=RELEASE-4.22.0',
    confidence: 'read in code at the tag (libxl__device_pci_add, do_pci_remove / pci_remove_detached, libxl__destroy_domid); the same order as libxl 4.13 for the modelled MSI paths',
    flags: {},
    release: {
      tag: 'RELEASE-4.22.0',
      previous: 'libxl-4.21',
      commits: [],
    },
  },
];

export const DEFAULT_VARIANT: Readonly<Record<VariantComponent, string>> = {
  guest: 'fresh-pirq',
  qemu: 'unmap-on-disable',
  xen: '4.12',
  /** Current upstream dom0 (Linux 5.1 and later). */
  dom0: 'pvops-7681f31e',
  /** The real libxl order. */
  toolstack: 'libxl',
};

export function variantsOf(component: VariantComponent): readonly Variant[] {
  return VARIANTS.filter((v) => v.component === component);
}

/** The variants of `component` a trace recorded under one of them can be replayed under, step for step. */
export function swappableVariantsOf(component: VariantComponent): readonly Variant[] {
  return variantsOf(component).filter((v) => v.replayCompatible !== false);
}

export function findVariant(component: VariantComponent, id: string): Variant | undefined {
  return VARIANTS.find((v) => v.component === component && v.id === id);
}

/**
 * Add a variant declared at run time (a user's `--variant-file`, see api/index.ts). It joins VARIANTS, so
 * findVariant, variantsOf and resolveConfig see it like a built-in one. Throws on a duplicate id.
 */
export function registerVariant(v: Variant): void {
  if (findVariant(v.component, v.id)) throw new Error(`${v.component} variant '${v.id}' already exists`);
  (VARIANTS as Variant[]).push(v);
}
