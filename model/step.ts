/**
 * The one dispatcher: every action kind has exactly one arm (ts-pattern `.exhaustive()`, no catch-all).
 * A step runs the real function the action names on a new root that shares every object of the parent world
 * until a handler writes into it (path copying, model/cow.ts), and returns the new world with the calls made
 * and the log lines printed.
 */
import { match } from 'ts-pattern';
import type { Action } from './actions.ts';
import { sameAction } from './actions.ts';
import type { Resolved } from './config.ts';
import type { Sys } from './context.ts';
import { CallLog, QuietLog } from './trace.ts';
import type { Call } from './types.ts';
import { rc } from './types.ts';
import { cloneWorld, encodeWorld, type World } from './world.ts';
import type { UserFunctions } from './config.ts';
import { firstDifference, takeRan } from './overrides.ts';
import { VariantRunError } from './variant-error.ts';
import { freezeNew } from './cow.ts';
import { clearTouched } from './read-view.ts';
import { enabledActions } from './scenarios.ts';
import * as life from './components/lifecycle.ts';

export interface StepResult {
  readonly world: World;
  /** The calls made, the action's own first (depth 0). */
  readonly calls: readonly Call[];
  /** Set when the action is not possible in this world under this configuration; the world is unchanged. */
  readonly refused?: string;
}

/** Run one action. An action that is not enabled in `w` is refused, never silently skipped. */
export function step(w: World, a: Action, r: Resolved): StepResult {
  if (!enabledActions(w, r.scenario).some((e) => sameAction(e, a))) {
    return { world: w, calls: [], refused: 'not possible in this state: the driver is not at this point of its program' };
  }
  return apply(w, a, r);
}

/**
 * Whether `apply` freezes the objects a step made (model/cow.ts `freezeNew`), so that an in-place write into
 * a shared world throws. Set PIRQCHECK_FREEZE=1 to turn it on: the test suite does (vitest.config.ts); it is
 * off otherwise because it costs about a quarter of a step (docs/performance.md).
 */
export const FREEZE = process.env['PIRQCHECK_FREEZE'] === '1';

/**
 * Run one action known to be enabled (the search engines call this on members of enabledActions). With
 * `quiet` no call is recorded (`calls` is empty): for the explorer, which reads only the world. A
 * configuration whose variants override functions always records (applyUser compares the calls of two runs).
 */
export function apply(w: World, a: Action, r: Resolved, quiet = false): StepResult {
  if (r.user !== null) return applyUser(w, a, r, r.user);
  const root = { ...w, audit: [] };
  const log = quiet ? QUIET : new CallLog();
  run({ w: root, owned: new Set<object>([root]), log, flags: r.flags, fn: r.fns }, a, r);
  if (FREEZE) freezeNew(root);
  return { world: root, calls: log.calls };
}

function applyOnce(w: World, a: Action, r: Resolved): StepResult {
  const root = { ...w, audit: [] };
  const log = new CallLog();
  run({ w: root, owned: new Set<object>([root]), log, flags: r.flags, fn: r.fns }, a, r);
  freezeNew(root);
  return { world: root, calls: log.calls };
}

/**
 * `apply` for a configuration whose variants override functions (model/overrides.ts): every world is frozen
 * (a write into a shared object throws), and the first steps that run an override are run twice from the same
 * world and must give the same world and calls.
 */
function applyUser(w: World, a: Action, r: Resolved, u: UserFunctions): StepResult {
  // Frozen, the parent world cannot be written in place (a write throws, or is ignored in sloppy code).
  freezeNew(w);
  takeRan();
  // What this step's override code touches of the projected fields (model/read-view.ts, checker/explore-core.ts keyAndGuard).
  clearTouched();
  const first = applyOnce(w, a, r);
  if (!takeRan() || u.verifyLeft <= 0) return first;
  u.verifyLeft--;
  const second = applyOnce(w, a, r);
  const e1 = encodeWorld(first.world);
  const e2 = encodeWorld(second.world);
  const c1 = JSON.stringify(first.calls);
  const c2 = JSON.stringify(second.calls);
  if (e1 !== e2 || c1 !== c2) {
    const files = u.layers.map((l) => `'${l.file}' (${l.component} variant '${l.variant}')`).join(', ');
    const at = e1 !== e2 ? firstDifference(JSON.parse(e1), JSON.parse(e2), 'world') : firstDifference(JSON.parse(c1), JSON.parse(c2), 'calls');
    throw new VariantRunError(`variant file ${files}: not deterministic: two runs of the step ${a.kind} from the same state differ at ${at}`);
  }
  return first;
}

const QUIET = new QuietLog();

/**
 * The reference step: a deep copy of the whole world, written in place. Same result as `apply` (checked by
 * model/cow.test.ts); kept as the oracle for path copying.
 */
export function applyByCopy(w: World, a: Action, r: Resolved): StepResult {
  const draft = cloneWorld(w);
  draft.audit = [];
  const log = new CallLog();
  run({ w: draft, owned: null, log, flags: r.flags, fn: r.fns }, a, r);
  return { world: draft, calls: log.calls };
}

/** Run the action's handler in `s` (whose root has its audit emptied already), recording into `s.log`. */
export function run(s: Sys, a: Action, r: Resolved): void {
  let f = ARMS.get(a.kind);
  if (f === undefined) ARMS.set(a.kind, (f = armOf(a.kind)));
  f(s, a, r);
  s.log.inStep(() => life.xl_crash_watch(s));
}

/** An arm: the handler of one action kind, given an action of that kind. */
type Arm = (s: Sys, a: Action, r: Resolved) => void;
/** The arm of each kind met so far (built once per kind: the match itself runs once per kind, not per step). */
const ARMS = new Map<Action['kind'], Arm>();
function arm<K extends Action['kind']>(_kind: K, f: (s: Sys, x: Extract<Action, { kind: K }>, r: Resolved) => void): Arm {
  return f as Arm;
}

/** The dispatcher: one arm per action kind, exhaustive over the kinds, no catch-all. */
function armOf(kind: Action['kind']): Arm {
  return match(kind)
    .with('guest.pci_enable_msix', (k) => arm(k, (s, x) =>
      s.log.call('guest', 'pci_enable_msix', `nvec=${x.nvec}`, () => s.fn.guest.pci_enable_msix(s, x.domid, x.dev, x.nvec), rc),
    ))
    .with('guest.pci_msix_clear_and_set_ctrl', (k) => arm(k, (s, x) =>
      s.log.call('guest', 'pci_msix_clear_and_set_ctrl', 'clear=PCI_MSIX_FLAGS_MASKALL', () => s.fn.guest.pci_msix_clear_and_set_ctrl(s, x.domid, x.dev), rc),
    ))
    .with('guest.pci_enable_msi', (k) => arm(k, (s, x) =>
      s.log.call('guest', 'pci_enable_msi', '', () => s.fn.guest.pci_enable_msi(s, x.domid, x.dev), rc),
    ))
    .with('guest.request_irq', (k) => arm(k, (s, x) =>
      s.log.call('guest', 'request_irq', `entry=${x.entry}`, () => s.fn.guest.request_irq(s, x.domid, x.dev, x.entry), rc),
    ))
    .with('guest.free_irq', (k) => arm(k, (s, x) =>
      s.log.call('guest', 'free_irq', `entry=${x.entry}`, () => s.fn.guest.free_irq(s, x.domid, x.dev, x.entry), rc),
    ))
    .with('guest.pci_disable_msix', (k) => arm(k, (s, x) =>
      s.log.call('guest', 'pci_disable_msix', '', () => s.fn.guest.pci_disable_msix(s, x.domid, x.dev), rc),
    ))
    .with('guest.pci_disable_msi', (k) => arm(k, (s, x) =>
      s.log.call('guest', 'pci_disable_msi', '', () => s.fn.guest.pci_disable_msi(s, x.domid, x.dev), rc),
    ))
    .with('guest.pci_write_config_word', (k) => arm(k, (s, x) =>
      s.log.call('guest', 'pci_write_config_word', `${x.reg} ${'0x' + x.value.toString(16)}`, () => s.fn.guest.pci_write_config_word(s, x.domid, x.dev, (x.value & 0x8000) !== 0), rc),
    ))
    .with('guest.igbvf_probe', (k) => arm(k, (s, x) =>
      s.log.call('guest', 'igbvf_probe', `nvec=${x.nvec}`, () => s.fn.guest.igbvf_probe(s, x.domid, x.dev, x.nvec), rc),
    ))
    .with('guest.igbvf_remove', (k) => arm(k, (s, x) => s.log.call('guest', 'igbvf_remove', '', () => s.fn.guest.igbvf_remove(s, x.domid, x.dev), rc)))
    .with('guest.igbvf_shutdown', (k) => arm(k, (s, x) =>
      s.log.call('guest', 'igbvf_shutdown', '', () => {
        const rc = s.fn.guest.igbvf_shutdown(s, x.domid, x.dev);
        return rc < 0 ? rc : life.guest_power_off(s, x.domid);
      }, rc),
    ))
    .with('guest.kernel_power_off', (k) => arm(k, (s, x) =>
      s.log.call('guest', 'kernel_power_off', 'driver leaves MSI-X enabled', () => life.guest_power_off(s, x.domid), rc),
    ))
    .with('qemu.sigkill', (k) => arm(k, (s, x) => s.log.call('qemu', 'sigkill', `dom${x.domid}`, () => life.qemu_sigkill(s, x.domid), rc)))
    .with('dom0.pcistub_probe', (k) => arm(k, (s, x) => s.log.call('dom0', 'pcistub_init_device', 'admin bind to pciback', () => s.fn.dom0.pcistub_init_device(s, x.dev), rc)))
    .with('dom0.pcistub_remove', (k) => arm(k, (s, x) =>
      s.log.call('dom0', 'pcistub_device_release', 'admin unbind from pciback', () => s.fn.dom0.pcistub_device_release(s, x.dev), rc),
    ))
    .with('toolstack.libxl__device_pci_add', (k) => arm(k, (s, x, r) =>
      s.log.call('toolstack', 'libxl__device_pci_add', 'new domain', () => {
        const spec = r.scenario.lifecycle;
        return spec ? s.fn.toolstack.libxl__device_pci_add(s, x.dev, spec) : -22;
      }, (v) => (v > 0 ? `dom${v}` : rc(v))),
    ))
    .with('toolstack.libxl__destroy_domid', (k) => arm(k, (s, x) =>
      s.log.call('toolstack', 'libxl__destroy_domid', `dom${x.domid}`, () => s.fn.toolstack.libxl__destroy_domid(s, x.domid, x.dev), rc),
    ))
    .with('toolstack.libxl__device_pci_remove', (k) => arm(k, (s, x) =>
      s.log.call('toolstack', 'libxl__device_pci_remove', `dom${x.domid} (xl pci-detach)`, () => s.fn.toolstack.libxl__device_pci_remove(s, x.domid, x.dev), rc),
    ))
    .with('guest.acpiphp_eject', (k) => arm(k, (s, x) =>
      s.log.call('guest', 'acpiphp_eject', `dom${x.domid} hotplug SCI: eject the slot`, () => s.fn.qemu.acpi_pcihp_eject_slot(s, x.domid, x.dev), rc),
    ))
    .with('toolstack.libxl__device_pci_reset', (k) => arm(k, (s, x) =>
      s.log.call('toolstack', 'libxl__device_pci_reset', `dom${x.domid} (do_pci_remove, device_del returned)`, () => life.do_pci_remove_step(s, x.domid, x.dev, 'reset'), rc),
    ))
    .with('toolstack.xc_deassign_device', (k) => arm(k, (s, x) =>
      s.log.call('toolstack', 'xc_deassign_device', `dom${x.domid}`, () => life.do_pci_remove_step(s, x.domid, x.dev, 'deassign'), rc),
    ))
    .with('toolstack.libxl__device_pci_remove_xenstore', (k) => arm(k, (s, x) =>
      s.log.call('toolstack', 'libxl__device_pci_remove_xenstore', `dom${x.domid}`, () => life.do_pci_remove_step(s, x.domid, x.dev, 'xenstore'), rc),
    ))
    .exhaustive();
}
