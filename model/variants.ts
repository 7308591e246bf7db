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
}

export const DEFAULT_FLAGS: Flags = {
  guestReuse: 'never',
  qemuUnmapOnDisable: true,
  qemuRewriteIfUnassigned: true,
};

export type VariantComponent = Extract<Component, 'guest' | 'qemu' | 'xen'>;

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
    versions: 'Linux 4.11 and later; Ubuntu Xenial 4.4.0-61 (LP: #1656381)',
    link: 'https://git.kernel.org/torvalds/c/c74fd80f2f41d05f350bb478151021f88551afe8',
    confidence: 'read in code (L-cur); exact first release unconfirmed (v4.10/v4.11 timeframe)',
    flags: { guestReuse: 'never' },
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
    versions: 'QEMU 2.1.0 and later (Ubuntu Vivid and later, UCA Kilo and later)',
    link: 'https://gitlab.com/qemu-project/qemu/-/commit/c976437c7dba9c7444fb41df45468968aaa326ad',
    confidence: 'behaviour read in code (Q-new); version per LP: #1657489',
    flags: { qemuUnmapOnDisable: true, qemuRewriteIfUnassigned: true },
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
];

export const DEFAULT_VARIANT: Readonly<Record<VariantComponent, string>> = {
  guest: 'fresh-pirq',
  qemu: 'unmap-on-disable',
  xen: '4.12',
};

export function variantsOf(component: VariantComponent): readonly Variant[] {
  return VARIANTS.filter((v) => v.component === component);
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
