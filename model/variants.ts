/**
 * Every historical version and proposed fix, as data. A variant sets flags; each flag is read at exactly
 * one decision point, in the handler named after the function the patch changed (see the comments there).
 */
import type { Component } from './types.ts';

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
   * arch/x86/pci/xen.c:xen_hvm_setup_msi_irqs after the 5.10 irqdomain rework (2e4386eba0c0 and its series):
   * xen_msi_compose_msg writes delivery mode ExtINT (data 0x700, no level-assert bit) instead of
   * XEN_PIRQ_MSI_DATA (0x4300), and a failed setup prints "Failed to create MSI%s! ret=%d!" instead of "Xen PCI
   * frontend has not registered MSI/MSI-X support!".
   */
  readonly guestXenMsiIrqdomain: boolean;
  /**
   * drivers/pci/msi.c:msix_capability_init, 438553958ba1 "PCI/MSI: Enable and mask MSI-X early" (Linux 5.14,
   * stable): ENABLE|MASKALL is written first and the entries are programmed while MSI-X is enabled and
   * function-masked; before it the messages were written with MSI-X disabled.
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
   * drivers/xen/xen-pciback/pciback_ops.c:xen_pcibk_enable_msix, XSA-157 (Linux 4.4, CVE-2015-8551/8552/8553):
   * -EALREADY if dev->msix_enabled, -ENXIO if dev->msi_enabled or PCI_COMMAND_MEMORY is off.
   */
  readonly pcibackMsixEnableChecks: boolean;
  /**
   * xen/arch/x86/hvm/vmsi.c:_msixtbl_write, 64b21662b1 "x86/msi: passthrough all MSI-X vector ctrl writes to
   * device model" (Xen 4.19, XENFEAT_dm_msix_all_writes): a vector-control write Xen handled also goes to QEMU.
   */
  readonly xenMsixtblForwardAll: boolean;
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
  guestXenMsiIrqdomain: false,
  guestMsixEarlyEnable: false,
  guestMsixMaskForUpdate: false,
  qemuLatchMsixTable: false,
  qemuMsixCommitOnMask: false,
  qemuBindUnmasked: false,
  qemuLogErrno: false,
  pcibackMsixEnableChecks: false,
  xenMsixtblForwardAll: false,
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
   * False for a variant that splits one step of the others into several (libxl-4.12-async-del: the
   * removal after device_del). A trace recorded under another variant, replayed under it, stops midway
   * through that step's work and says nothing about the variant, so reports do not offer it as a swap
   * (checker/report.ts). Absent: true.
   */
  readonly replayCompatible?: false;
}

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
    versions: 'Linux 5.10 - 5.13',
    link: 'https://git.kernel.org/torvalds/c/2e4386eba0c0',
    confidence: 'arch/x86/pci/xen.c @01be83eea08d (5.10-5.16 shape) and the msi_msg shadow-struct version read; the first release of the error text not identified [derived: present in every 5.10+ version read]; the native path\'s order from drivers/pci/msi.c v4.4..5.13 read',
    flags: { guestReuse: 'never', guestXenMsiIrqdomain: true },
  },
  {
    id: 'linux-6x',
    component: 'guest',
    title: 'Linux 6.x: MSI-X enabled and function-masked first (438553958ba1), table entries masked for update (da181dc974ad), the Xen pirq domain writes no vector control (7e0815b3e099)',
    upstream: '438553958ba1 + da181dc974ad (Linux 5.14, stable), 7e0815b3e099 (5.18, stable), msix_mask_all late (Stefan Roese, 2021-12, stable)',
    versions: 'Linux 5.18 - 6.x (5.14 - 5.17 for the native path)',
    link: 'https://git.kernel.org/torvalds/c/438553958ba19296663c6d6583d208dfb6792830',
    confidence: 'diffs of 438553958ba1, da181dc974ad, 7e0815b3e099 and the late msix_mask_all read in list/stable mails; pci_write_msg_msix and msi_domain_deactivate (zero message) read in 6.x text; the early (reservation-mode) message carries MANAGED_IRQ_SHUTDOWN_VECTOR (arch/x86/kernel/apic/vector.c:x86_vector_activate `if (reserve || irqd_is_managed_and_shutdown(irqd)) vector_assign_managed_shutdown(irqd);` read in stored text; its value 0xef from irq_vectors.h not re-read); 5.14-5.17 pirq-path vector-control writes left out',
    flags: { guestReuse: 'never', guestXenMsiIrqdomain: true, guestMsixEarlyEnable: true, guestMsixMaskForUpdate: true },
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
    versions: 'QEMU 2.6 - 2.10; qemu-xen of Xen 4.7 - 4.9',
    link: 'https://gitlab.com/qemu-project/qemu/-/commit/f0ada3608ac13cf13f4e2955ed348dc93a38ac45',
    confidence: 'pci_msix_write, xen_pt_msix_update_one, xen_pt_msixctrl_reg_write read @upstream-tested (2.6.50) in xen-project/qemu-xen; merge-base with v2.5.0/v2.6.0 read',
    flags: { qemuUnmapOnDisable: true, qemuRewriteIfUnassigned: true, qemuLogErrno: true, qemuLatchMsixTable: true, qemuMsixCommitOnMask: true },
  },
  {
    id: 'bind-unmasked',
    component: 'qemu',
    title: 'xen/pt: allow QEMU to request MSI unmasking at bind time (XEN_DOMCTL_VMSI_X86_UNMASKED when the entry is unmasked); today\'s xen_pt',
    upstream: 'Roger Pau Monne, 2017 (QEMU); Xen side 69d99d1b22 (4.10)',
    versions: 'QEMU 2.11 - 10.x (no XENFEAT_dm_msix_all_writes use in the upstream tree read)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=commit;h=69d99d1b22',
    confidence: 'msi_msix_update with `masked` read in marmarek/qemu @217c906307 and patchew-project/qemu @033628ec19 (a recent tree: latch, UNMASKED, /dev/mem unconditional); the QEMU commit id and release (2.11) not read [unverified]; no 9.x/10.x tag read',
    flags: { qemuUnmapOnDisable: true, qemuRewriteIfUnassigned: true, qemuLogErrno: true, qemuLatchMsixTable: true, qemuMsixCommitOnMask: true, qemuBindUnmasked: true },
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
  },
  {
    id: '4.13',
    component: 'xen',
    title: 'pci: clear {host/guest}_maskall field on assign (pci_reset_msix_state: -EBUSY if MASKALL is set in hardware)',
    upstream: '575e18d54d (Xen), Roger Pau Monne, 2019-10-10, Tested-by Chao Gao',
    versions: 'Xen 4.13.0 and later (moved into pdev_msix_assign by a12ceae85b, 4.16)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=commit;h=575e18d54d',
    confidence: 'read in code (reference C); the rest of the 4.13 paths modelled as 4.12',
    flags: { xenResetMsixOnAssign: true },
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
    upstream: 'tools/libxl/libxl_pci.c:do_pci_remove, libxl_domain.c:libxl__destroy_domid @ RELEASE-4.12.0',
    versions: 'Xen 4.1 - master (pci_remove_detached in master, same order)',
    link: 'https://xenbits.xen.org/gitweb/?p=xen.git;a=blob;f=tools/libxl/libxl_pci.c;hb=RELEASE-4.12.0',
    confidence: 'read in code (X4.12, Xm)',
    flags: { libxlUnbindBeforeReset: false },
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
    flags: { libxlAsyncDeviceDel: true },
    replayCompatible: false,
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
