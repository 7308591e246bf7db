/**
 * The closed union of interleaving points. Each kind is `<component>.<real function>`; a guest register
 * write includes the QEMU handler it traps into and the hypercalls QEMU makes for it (see qemu.ts).
 */
import type { Component } from './types.ts';

export type Action =
  | { readonly kind: 'guest.pci_enable_msix'; readonly domid: number; readonly dev: number; readonly nvec: number }
  | { readonly kind: 'guest.pci_msix_clear_and_set_ctrl'; readonly domid: number; readonly dev: number }
  | { readonly kind: 'guest.pci_enable_msi'; readonly domid: number; readonly dev: number }
  | { readonly kind: 'guest.request_irq'; readonly domid: number; readonly dev: number; readonly entry: number }
  | { readonly kind: 'guest.free_irq'; readonly domid: number; readonly dev: number; readonly entry: number }
  | { readonly kind: 'guest.pci_disable_msix'; readonly domid: number; readonly dev: number }
  | { readonly kind: 'guest.pci_disable_msi'; readonly domid: number; readonly dev: number }
  | { readonly kind: 'guest.pci_write_config_word'; readonly domid: number; readonly dev: number; readonly reg: 'MSIX_FLAGS'; readonly value: number }
  | { readonly kind: 'guest.igbvf_probe'; readonly domid: number; readonly dev: number; readonly nvec: number }
  | { readonly kind: 'guest.igbvf_remove'; readonly domid: number; readonly dev: number }
  | { readonly kind: 'guest.igbvf_shutdown'; readonly domid: number; readonly dev: number }
  | { readonly kind: 'guest.kernel_power_off'; readonly domid: number }
  | { readonly kind: 'qemu.sigkill'; readonly domid: number }
  | { readonly kind: 'dom0.pcistub_probe'; readonly dev: number }
  | { readonly kind: 'dom0.pcistub_remove'; readonly dev: number }
  | { readonly kind: 'toolstack.libxl__device_pci_add'; readonly dev: number }
  | { readonly kind: 'toolstack.libxl__destroy_domid'; readonly domid: number; readonly dev: number }
  | { readonly kind: 'toolstack.libxl__device_pci_remove'; readonly domid: number; readonly dev: number }
  | { readonly kind: 'guest.acpiphp_eject'; readonly domid: number; readonly dev: number }
  | { readonly kind: 'toolstack.libxl__device_pci_reset'; readonly domid: number; readonly dev: number }
  | { readonly kind: 'toolstack.xc_deassign_device'; readonly domid: number; readonly dev: number }
  | { readonly kind: 'toolstack.libxl__device_pci_remove_xenstore'; readonly domid: number; readonly dev: number };

export type ActionKind = Action['kind'];

/** Every action kind, for coverage reports and the trace schema. */
export const ACTION_KINDS: readonly ActionKind[] = [
  'guest.pci_enable_msix',
  'guest.pci_msix_clear_and_set_ctrl',
  'guest.pci_enable_msi',
  'guest.request_irq',
  'guest.free_irq',
  'guest.pci_disable_msix',
  'guest.pci_disable_msi',
  'guest.pci_write_config_word',
  'guest.igbvf_probe',
  'guest.igbvf_remove',
  'guest.igbvf_shutdown',
  'guest.kernel_power_off',
  'qemu.sigkill',
  'dom0.pcistub_probe',
  'dom0.pcistub_remove',
  'toolstack.libxl__device_pci_add',
  'toolstack.libxl__destroy_domid',
  'toolstack.libxl__device_pci_remove',
  // Last, so that the kinds before it keep their positions (coverage order, swarm subsets).
  'guest.acpiphp_eject',
  'toolstack.libxl__device_pci_reset',
  'toolstack.xc_deassign_device',
  'toolstack.libxl__device_pci_remove_xenstore',
];

export function componentOf(a: Action): Component {
  return a.kind.slice(0, a.kind.indexOf('.')) as Component;
}

export function functionOf(a: Action): string {
  return a.kind.slice(a.kind.indexOf('.') + 1);
}

/** The device an action concerns, if any. */
export function deviceOf(a: Action): number | null {
  return 'dev' in a ? a.dev : null;
}

/** One token group, no commas: `guest.request_irq dom1 dev=1 entry=0`. */
export function describe(a: Action, devName: (dev: number) => string = (d) => `dev${d}`): string {
  switch (a.kind) {
    case 'guest.pci_enable_msix':
    case 'guest.igbvf_probe':
      return `${a.kind} dom${a.domid} ${devName(a.dev)} nvec=${a.nvec}`;
    case 'guest.request_irq':
    case 'guest.free_irq':
      return `${a.kind} dom${a.domid} ${devName(a.dev)} entry=${a.entry}`;
    case 'guest.pci_write_config_word':
      return `${a.kind} dom${a.domid} ${devName(a.dev)} ${a.reg}=0x${a.value.toString(16)}`;
    case 'guest.pci_msix_clear_and_set_ctrl':
      return `${a.kind} dom${a.domid} ${devName(a.dev)} clear=MASKALL`;
    case 'guest.pci_enable_msi':
    case 'guest.pci_disable_msix':
    case 'guest.pci_disable_msi':
    case 'guest.igbvf_remove':
    case 'guest.igbvf_shutdown':
    case 'toolstack.libxl__destroy_domid':
    case 'toolstack.libxl__device_pci_remove':
    case 'guest.acpiphp_eject':
    case 'toolstack.libxl__device_pci_reset':
    case 'toolstack.xc_deassign_device':
    case 'toolstack.libxl__device_pci_remove_xenstore':
      return `${a.kind} dom${a.domid} ${devName(a.dev)}`;
    case 'guest.kernel_power_off':
    case 'qemu.sigkill':
      return `${a.kind} dom${a.domid}`;
    case 'dom0.pcistub_probe':
    case 'dom0.pcistub_remove':
    case 'toolstack.libxl__device_pci_add':
      return `${a.kind} ${devName(a.dev)}`;
  }
}

export function sameAction(a: Action, b: Action): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
