/**
 * `pirqcheck repro TRACE`: a counterexample as a shell script for a real Xen host, in the style of Xen's
 * automation scripts (automation/scripts/qubes-x86_64.sh pci-hvm / pci-pv @staging): the domain
 * configuration, the dom0 commands (xl create / destroy / pci-detach / pci-assignable-add, the pciback
 * sysfs unbind, killing QEMU), the guest commands (modprobe, modprobe -r, poweroff -f, setpci), and after
 * each step the checks a person would make, each against what the model predicts at that point:
 *
 * - the lines the step logs in the real code, in the log that real code writes to (`xl dmesg` for Xen,
 *   dom0's `dmesg`, QEMU's qemu-dm log, the guest's `dmesg`), with the model's irq, pirq and domain numbers
 *   as wildcards (a real host numbers them its own way) and the model's BDFs replaced by the host's;
 * - the host function's registers as dom0's `lspci -vv` shows them: "MSI-X: Enable+ Count=3 Masked-" and
 *   "Control: ... Mem+ BusMaster+";
 * - in a running guest, the number of pirq-based interrupts in /proc/interrupts ("xen-pirq" lines);
 * - after the last step, the check that tells the violated invariant's real outcome from the expected one.
 *
 * Lines only some builds print (dev_dbg, Xen's dprintk in debug builds, QEMU's XEN_PT_LOG) are checked
 * but not counted. A step no host can force (an interleaving inside a driver: the nvme probe between its
 * MSI-X enable and its request_irq, the steps of one `xl pci-detach`) is a comment that says so, next to
 * the command that runs it as part of a larger whole; the checks after it are still the model's
 * prediction at that point, so a difference there may be only the host running ahead.
 *
 * The script exits 0 when every counted check matched the model (the counterexample reproduced), 1 when
 * any differed. It is deterministic: the same trace gives the same script byte for byte.
 */
import type { Action } from '../model/actions.ts';
import { initialWorld, type Scenario } from '../model/scenarios.ts';
import { step } from '../model/step.ts';
import type { World } from '../model/world.ts';
import { timeline } from './format.ts';
import { replayConfig } from './replay.ts';
import { configTitle, impactOf } from './report.ts';
import type { Trace, TraceFileStep } from './trace.ts';
import type { Call } from '../model/types.ts';

/** Quote for the shell: a single-quoted word ('it'\''s'). */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** ERE-escape a piece of literal text. */
function ere(s: string): string {
  return s.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&');
}

interface Devices {
  /** Model BDF (full, "0000:03:00.0") -> shell variable holding the host's. */
  readonly vars: readonly { readonly bdf: string; readonly v: string; readonly vslot: string }[];
  /** The pattern variables the script uses (defined in its preamble). */
  readonly used?: Set<string>;
}

/**
 * A log line as an ERE over the host's numbers: the model's irq, pirq, vector, gflags (they hold the pirq's low
 * byte) and domain numbers become [0-9]+, its BDFs the host's (a shell word: single-quoted literal parts and
 * "${VAR_RE}" parts).
 */
export function logPattern(text: string, d: Devices): string {
  // Split out the BDFs first (full, short, and 2.6.18's "bus:slot:fn"), then the numbers.
  type Part = { lit: string } | { v: string };
  let parts: Part[] = [{ lit: text }];
  for (const { bdf, v } of d.vars) {
    const short = bdf.replace(/^0000:/, '');
    const [bus, slot, fn] = short.split(/[:.]/);
    const forms: [string, string][] = [
      [bdf, `${v}_RE`],
      [short, `${v}_SHORT_RE`],
      [`${bus}:${slot}:${fn}`, `${v}_COLON_RE`],
    ];
    for (const [form, name] of forms) {
      parts = parts.flatMap((p) => ('lit' in p ? p.lit.split(form).flatMap((x, i) => (i === 0 ? [{ lit: x }] : [{ v: name }, { lit: x }])) : [p]));
    }
  }
  const num = /((?:IRQ|irq|pirq|Dom|dom|vec|gvec|gflags|port)[ =:]?)(0x[0-9a-f]+|\d+)/g;
  return parts
    .map((p) => {
      if ('v' in p) {
        d.used?.add(p.v);
        return `"\${${p.v}}"`;
      }
      if (p.lit === '') return '';
      const escaped = ere(p.lit).replace(num, (_m, lead: string) => `${lead}[0-9a-fx]+`);
      return shq(escaped);
    })
    .join('');
}

/** The log annotations of the trace format: " [dev_dbg]", " [XEN_PT_LOG]", " [dprintk: debug builds only]". */
function splitAnnotation(text: string): { text: string; note: string | null } {
  const m = /^(.*?)\s\[([^\]]+)\]$/.exec(text);
  return m ? { text: m[1]!, note: m[2]! } : { text, note: null };
}

function asCalls(s: TraceFileStep): Call[] {
  return s.calls.map((c) => ({ ...c, component: c.component as Call['component'], log: [...c.log], logAt: [...c.logAt] }));
}

/** Where each component's lines go on a real host, and how to look for one. */
function logCheck(component: string, raw: string, d: Devices): string[] {
  const { text, note } = splitAnnotation(raw);
  if (component === 'qemu' && /killed by signal/.test(text)) return [`# (the model notes QEMU's death: ${text}; QEMU itself logs nothing)`];
  const fn = component === 'xen' ? 'xen_log' : component === 'dom0' || component === 'toolstack' ? 'dom0_log' : component === 'qemu' ? 'qemu_log' : 'guest_log';
  const body = component === 'xen' ? text.replace(/^\(XEN\) /, '') : text;
  const where = { xen: 'xl dmesg', dom0: "dom0's dmesg", toolstack: "dom0's dmesg", qemu: "QEMU's log", guest: "the guest's dmesg" }[component] ?? 'the log';
  const what = `${where}: ${body}`;
  const checker = note ? 'check_info' : 'check';
  const why = note ? `  # ${note === 'dev_dbg' ? 'dev_dbg: printed with dynamic debug on' : note === 'XEN_PT_LOG' ? 'XEN_PT_LOG: printed by a QEMU built with XEN_PT_LOGGING_ENABLED' : note}` : '';
  return [`${checker} ${shq(what)} ${fn} ${logPattern(body, d)}${why}`];
}

/** The scenario's guest driver: nvme for the HVM workloads, igbvf for the PV one. */
function driverOf(sc: Scenario): string {
  return sc.lifecycle && !sc.lifecycle.hvm ? 'igbvf' : 'nvme';
}

function liveDomain(w: World): number | null {
  const ds = Object.entries(w.toolstack.domains).filter(([, d]) => d.state === 'running');
  return ds.length ? Number(ds[0]![0]) : null;
}

/** Requested pirq-based interrupts of the running guest, as /proc/interrupts would list them. */
function guestPirqs(w: World, domid: number): number {
  const g = w.guests[domid];
  if (g) return Object.values(g.irqs).filter((i) => i.requested && i.evtchn > 0).length;
  const pv = w.pv[domid];
  if (pv) return Object.values(pv.devices).reduce((n, d) => n + d.vectors.filter((v) => v.evtchn > 0).length, 0);
  return 0;
}

const pm = (b: boolean) => (b ? '+' : '-');

/** The commands of one step, or a comment when a host cannot make it happen on its own. */
function commandsOf(a: Action, ctx: { sc: Scenario; driverLoaded: boolean; nextGuestEnables: boolean; vslot: (dev: number) => string; dev: (dev: number) => string }): { lines: string[]; forced: boolean } {
  const drv = driverOf(ctx.sc);
  const inside = (what: string) => ({
    lines: [`# Not forced by a host: ${what}. The checks below are the model's state at this point.`],
    forced: false,
  });
  switch (a.kind) {
    case 'dom0.pcistub_probe':
      return { lines: [`run xl pci-assignable-add "${ctx.dev(a.dev)}"`], forced: true };
    case 'dom0.pcistub_remove':
      return { lines: ['# The administrator unbinds the device from pciback (seed 003\'s workaround is to bind it again).', `run sh -c "echo '${'$'}{${varName(a.dev)}}' > /sys/bus/pci/drivers/pciback/unbind"`], forced: true };
    case 'toolstack.libxl__device_pci_add':
      return { lines: ['run xl create "$DOMU_CFG"', 'domid=$(xl domid "$DOMU")', 'echo "  $DOMU is domain $domid"', 'wait_guest'], forced: true };
    case 'toolstack.libxl__destroy_domid':
      return { lines: ['run xl destroy "$DOMU"'], forced: true };
    case 'toolstack.libxl__device_pci_remove':
      return { lines: [`run xl pci-detach "$DOMU" "${ctx.dev(a.dev)}"`], forced: true };
    case 'toolstack.libxl__device_pci_reset':
    case 'toolstack.xc_deassign_device':
    case 'toolstack.libxl__device_pci_remove_xenstore':
      return inside(`${a.kind.slice(10)} is one statement of do_pci_remove inside the \`xl pci-detach\` above; libxl runs it when QEMU's device_del returns`);
    case 'guest.acpiphp_eject':
      return inside('the guest ejects the slot when QEMU signals the hot-unplug of `xl pci-detach`; its timing against libxl is not under a host\'s control');
    case 'qemu.sigkill':
      return { lines: ['run pkill -KILL -f -- "-xen-domid ${domid} "'], forced: true };
    case 'guest.kernel_power_off':
      return { lines: ['# kernel_power_off: the drivers\' .shutdown run, none calls pci_disable_msix.', 'run in_guest poweroff -f', 'sleep 5'], forced: true };
    case 'guest.igbvf_shutdown':
      return { lines: ['# A controlled shutdown: device_shutdown -> igbvf_shutdown clears PCI_COMMAND IO|MEMORY; the driver does not disable MSI-X.', 'run in_guest poweroff -f', 'sleep 5'], forced: true };
    case 'guest.igbvf_probe':
      return { lines: [`run in_guest modprobe ${drv}`], forced: true };
    case 'guest.igbvf_remove':
      return { lines: [`run in_guest modprobe -r ${drv}`], forced: true };
    case 'guest.pci_write_config_word':
      return { lines: [`run in_guest setpci -s ${ctx.vslot(a.dev)} CAP_MSIX+2.w=0x${a.value.toString(16).padStart(4, '0')}`], forced: true };
    case 'guest.pci_enable_msix':
    case 'guest.pci_enable_msi':
      if (!ctx.driverLoaded) {
        return {
          lines: [`# ${drv}'s probe: pci_alloc_irq_vectors enables ${a.kind === 'guest.pci_enable_msi' ? 'MSI' : `MSI-X (${'nvec' in a ? a.nvec : 1} vector(s))`}; the driver then goes on by itself (unmask, request_irq, its I/O vectors): no host can stop it here.`, `run in_guest modprobe ${drv}`],
          forced: true,
        };
      }
      return inside(`${drv} enables ${'nvec' in a ? `${a.nvec} vectors` : 'its vector'} itself (nvme_reset_work setting up its I/O queues), as part of the probe started above`);
    case 'guest.pci_msix_clear_and_set_ctrl':
      return inside(`the MSI-X core clears MASKALL at the end of msix_capability_init, inside ${drv}'s probe`);
    case 'guest.request_irq':
      return inside(`${drv} requests vector ${a.entry} itself, inside its probe`);
    case 'guest.free_irq':
    case 'guest.pci_disable_msix':
    case 'guest.pci_disable_msi':
      if (ctx.driverLoaded && !ctx.nextGuestEnables) {
        return a.kind === 'guest.free_irq'
          ? { lines: [`# ${drv}'s remove frees every vector and disables MSI(-X): \`modprobe -r ${drv}\` runs this step and the next ones of the removal.`, `run in_guest modprobe -r ${drv}`], forced: true }
          : inside(`part of ${drv}'s removal (\`modprobe -r ${drv}\` above)`);
      }
      return inside(`${drv} frees its admin vector and disables MSI-X before enabling its I/O vectors, inside its probe`);
  }
}

function varName(dev: number): string {
  return dev === 0 ? 'PCIDEV' : `PCIDEV${dev + 1}`;
}

/** The check after the last step that tells the violated invariant's real outcome from the model's. */
function finalCheck(t: Trace, w: World, d: Devices, sc: Scenario): string[] {
  const inv = t.violation.invariant;
  const drv = driverOf(sc);
  const out = [`# The model's evidence: ${t.violation.evidence.text}`];
  const dev0 = d.vars[0]!;
  const hw = w.hw[0];
  const live = liveDomain(w);
  switch (inv) {
    case 'enabled-vector-delivers':
    case 'guest-xen-agree':
    case 'pv-vectors-bound':
      if (live !== null) {
        out.push(
          `# An enabled vector that cannot deliver: I/O through the device raises no interrupt in the guest (the counts stay, ${drv === 'nvme' ? 'the I/O times out' : 'the link sees no traffic'}).`,
          'before=$(in_guest cat /proc/interrupts | awk \'/xen-pirq/ { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i } END { print n + 0 }\')',
          drv === 'nvme'
            ? 'run in_guest timeout 60 dd if=/dev/nvme0n1 of=/dev/null bs=4k count=256 iflag=direct'
            : 'run in_guest timeout 30 ping -c 5 "${PING_ADDR:-192.168.0.1}"',
          'after=$(in_guest cat /proc/interrupts | awk \'/xen-pirq/ { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i } END { print n + 0 }\')',
          'check "no interrupt arrived during the I/O (before ${before}, after ${after})" test "$before" -eq "$after"',
        );
      }
      break;
    case 'maskall-clear-after-assign':
    case 'no-carried-over-mask':
    case 'host-maskall-not-guest-clearable':
    case 'no-mask-without-decoding':
      if (hw) out.push(`check ${shq(`the host function's MSI-X mask: Enable${pm(hw.msix.enable)} Masked${pm(hw.msix.maskall)}`)} host_msix "\${${dev0.v}}" ${shq(pm(hw.msix.enable))} ${shq(pm(hw.msix.maskall))}`);
      break;
    case 'clean-handover':
    case 'no-stale-pirq-after-destroy':
    case 'no-stuck-pirq':
    case 'free-pirq-has-no-evtchn':
    case 'used-entries-accounting':
      out.push(
        "# Xen's interrupt table ('i' debug key, xen/arch/x86/irq.c:dump_irqs @RELEASE-4.12.0): an MSI-X irq a guest",
        '# domain still holds ("domain-list=D:PIRQ(...)" with D > 0), or one still mapped with no event channel',
        '# ("mapped, unbound"), after the device was handed over. On a host whose dom0 has MSI-X irqs of its own',
        '# mapped but unbound, compare with the same dump taken before the first step.',
        'run xl debug-keys i',
        `check ${shq('xl dmesg: an MSI-X irq still held by a guest domain, or mapped and unbound')} xen_log 'type=PCI-MSI/-X.*(domain-list=(.*,)?[1-9][0-9]*:|mapped, unbound)'`,
      );
      break;
    case 'dom0-no-stale-msix-entries':
    case 'dom0-flag-matches-holdings':
      out.push(
        "# dom0's MSI-X bookkeeping has no view from user space; what a user sees is the next boot's enable failing:",
        '# dom0\'s dmesg then has "msix entry N for dev BB:SS:F are not freed before acquire again." (2.6.18-xen) and',
        '# the guest\'s driver cannot enable MSI-X. Boot the guest again to see it:',
        'run xl create "$DOMU_CFG"',
        'wait_guest',
        `run in_guest modprobe ${drv}`,
        `check ${shq("dom0's dmesg: msix entry N ... are not freed before acquire again.")} dom0_log 'msix entry [0-9]+ for dev .* are not freed before acquire again'`,
        'run xl destroy "$DOMU"',
      );
      break;
    default:
      out.push(`# (no host-side check for ${inv} beyond the lines above)`);
  }
  return out;
}

export interface ReproOptions {
  /** The trace's path as printed (in the header and the regenerate command). */
  readonly tracePath: string;
}

/** The script, or why there is none (a trace whose steps the model cannot run). */
export function reproScript(t: Trace, o: ReproOptions): string {
  const r = replayConfig(t, {});
  const sc = r.scenario;
  const lifecycle = sc.lifecycle;
  const hvm = lifecycle ? lifecycle.hvm : true;
  const devs: Devices = {
    vars: (lifecycle ? [{ bdf: lifecycle.bdf, vslot: lifecycle.vslot }] : sc.devices.map((x) => ({ bdf: x.bdf, vslot: x.vslot }))).map((x, i) => ({ ...x, v: varName(i) })),
    used: new Set<string>(),
  };
  const drv = driverOf(sc);
  // The world after each step, to say what the checks expect.
  let w = initialWorld(sc);
  const worlds: World[] = [w];
  for (const a of t.actions) {
    const res = step(w, a, r);
    if (res.refused !== undefined) break;
    w = res.world;
    worlds.push(w);
  }
  const { headline } = impactOf(t.violation.invariant);
  const L: string[] = [];
  L.push('#!/bin/bash');
  L.push('#');
  L.push(`# pirqcheck repro: ${headline}`);
  L.push(`# Trace: ${o.tracePath} (${t.steps.length} steps; violates ${t.violation.invariant} after step ${t.violation.step})`);
  L.push(`# Configuration: ${configTitle(t)}`);
  L.push('#');
  L.push('# Run as root in dom0 of a test host whose Xen, dom0 kernel, QEMU, toolstack and guest kernel are the');
  L.push('# versions the configuration names. It drives the steps a host can drive, and after each one checks');
  L.push('# what the model predicts: "as modelled" or "DIFFERS from the model". Exit 0: every counted check');
  L.push('# matched (the counterexample reproduced); 1: some differed (the real system took another path).');
  L.push('#');
  L.push(`# Set ${devs.vars.map((x) => `${x.v} (the host BDF standing for the model's ${x.bdf})`).join(', ')}${lifecycle && !hvm ? ', an SR-IOV VF with MSI-X (echo 1 > /sys/bus/pci/devices/PF/sriov_numvfs)' : ', an MSI-X capable NVMe controller'},`);
  L.push(`# and GUEST_ADDR (the guest's address for ssh as root). The guest kernel must not load ${drv} by itself:`);
  L.push(`# its command line has modprobe.blacklist=${drv} (DOMU_EXTRA), so the driver runs when this script says.`);
  L.push('# Generated by: pirqcheck repro ' + o.tracePath);
  L.push('');
  L.push('# The helpers below are called through run and check.');
  L.push('# shellcheck disable=SC2317');
  L.push('set -u -o pipefail');
  L.push('');
  for (const x of devs.vars) {
    L.push(`if [ -z "\${${x.v}:-}" ]; then`);
    L.push(`    echo "Please set '${x.v}' to the BDF of the test device (the model's ${x.bdf})" >&2`);
    L.push('    exit 2');
    L.push('fi');
  }
  L.push('if [ -z "${GUEST_ADDR:-}" ]; then');
  L.push('    echo "Please set \'GUEST_ADDR\' to the guest\'s address (ssh root@GUEST_ADDR)" >&2');
  L.push('    exit 2');
  L.push('fi');
  L.push('DOMU=${DOMU:-pirqcheck-repro}');
  L.push('DOMU_KERNEL=${DOMU_KERNEL:-/boot/vmlinuz-domU}');
  L.push('DOMU_RAMDISK=${DOMU_RAMDISK:-/boot/initrd-domU}');
  L.push(`DOMU_EXTRA=\${DOMU_EXTRA:-"console=hvc0 modprobe.blacklist=${drv}"}`);
  // The BDF patterns of the log checks (filled in below with those the checks use).
  const patternsAt = L.length;
  L.push('domid=');
  L.push('');
  L.push('### domain config');
  L.push('DOMU_CFG=$(mktemp /tmp/pirqcheck-repro.XXXXXX.cfg)');
  L.push('trap \'rm -f "$DOMU_CFG"\' EXIT');
  L.push('cat > "$DOMU_CFG" <<EOF');
  L.push(`type = '${hvm ? 'hvm' : 'pv'}'`);
  L.push("name = '${DOMU}'");
  L.push("kernel = '${DOMU_KERNEL}'");
  L.push("ramdisk = '${DOMU_RAMDISK}'");
  L.push("extra = '${DOMU_EXTRA}'");
  L.push('memory = 1024');
  L.push("vif = [ 'bridge=xenbr0' ]");
  L.push(`pci = [ ${devs.vars.map((x) => `'\${${x.v}}${hvm ? `,vslot=0x${x.vslot.split(/[:.]/)[1]}` : ''}'`).join(', ')} ]`);
  L.push("on_reboot = 'destroy'");
  L.push('EOF');
  L.push('');
  L.push('### helpers');
  L.push('modelled=0');
  L.push('differs=0');
  L.push('# run CMD...: print and run a step\'s command; a failure is reported, the script goes on.');
  L.push('run() {');
  L.push('    echo "+ $*"');
  L.push('    "$@" || echo "  (exit status $?)"');
  L.push('}');
  L.push('# check WHAT CMD...: the model predicts that CMD succeeds at this point.');
  L.push('check() {');
  L.push('    local what=$1');
  L.push('    shift');
  L.push('    if "$@" >/dev/null 2>&1; then');
  L.push('        echo "  as modelled: $what"');
  L.push('        modelled=$((modelled + 1))');
  L.push('    else');
  L.push('        echo "  DIFFERS from the model: $what"');
  L.push('        differs=$((differs + 1))');
  L.push('    fi');
  L.push('}');
  L.push('# check_info WHAT CMD...: the same for a line only some builds print; not counted.');
  L.push('check_info() {');
  L.push('    local what=$1');
  L.push('    shift');
  L.push('    if "$@" >/dev/null 2>&1; then echo "  seen: $what"; else echo "  not seen (this build may not print it): $what"; fi');
  L.push('}');
  L.push('in_guest() { ssh -o BatchMode=yes -o ConnectTimeout=5 "root@${GUEST_ADDR}" "$@"; }');
  L.push('wait_guest() {');
  L.push('    local _');
  L.push('    for _ in $(seq 1 120); do');
  L.push('        if in_guest true 2>/dev/null; then return 0; fi');
  L.push('        sleep 1');
  L.push('    done');
  L.push('    echo "  the guest did not answer on ${GUEST_ADDR} within 120 s" >&2');
  L.push('}');
  L.push('xen_log() { xl dmesg | grep -Eq -- "$1"; }');
  L.push('dom0_log() { dmesg | grep -Eq -- "$1"; }');
  L.push('qemu_log() { grep -Eq -- "$1" "/var/log/xen/qemu-dm-${DOMU}.log"; }');
  L.push('guest_log() { in_guest dmesg | grep -Eq -- "$1"; }');
  L.push('# host_msix BDF ENABLE MASKALL: dom0\'s lspci shows "MSI-X: Enable<+|-> Count=N Masked<+|->".');
  L.push('host_msix() { lspci -vvs "$1" | grep -Eq -- "MSI-X: Enable[$2] Count=[0-9]+ Masked[$3]"; }');
  L.push('# host_command BDF MEM MASTER: dom0\'s lspci shows "Control: ... Mem<+|-> BusMaster<+|->".');
  L.push('host_command() { lspci -vvs "$1" | grep -Eq -- "Control:.* Mem[$2] BusMaster[$3]"; }');
  L.push('# guest_pirqs N: the guest lists N pirq-based interrupts in /proc/interrupts.');
  L.push('guest_pirqs() { test "$(in_guest grep -c xen-pirq /proc/interrupts)" -eq "$1"; }');
  L.push('');
  L.push('### the starting state');
  if (lifecycle) {
    L.push(`# The model starts with the device in dom0, not bound to pciback, and no guest domain.`);
    L.push('if xl domid "$DOMU" >/dev/null 2>&1; then xl destroy "$DOMU"; fi');
    for (const x of devs.vars) {
      L.push(`xl pci-assignable-remove -r "\${${x.v}}" 2>/dev/null || true`);
      L.push(`check "the device is not bound to pciback" sh -c "! lspci -ks '\${${x.v}}' | grep -q 'driver in use: pciback'"`);
    }
  } else {
    L.push('# The model starts with the devices assigned to a running guest, no driver loaded.');
    for (const x of devs.vars) L.push(`xl pci-assignable-add "\${${x.v}}" 2>/dev/null || true`);
    L.push('run xl create "$DOMU_CFG"');
    L.push('domid=$(xl domid "$DOMU")');
    L.push('echo "  $DOMU is domain $domid"');
    L.push('wait_guest');
  }
  L.push('');
  let driverLoaded = false;
  for (let i = 0; i < t.steps.length; i++) {
    const s = t.steps[i]!;
    const a = t.actions[i]!;
    const before = worlds[i]!;
    const after = worlds[i + 1];
    L.push(`### step ${s.n}: ${s.component} ${s.action}(${s.args})${s.device ? ' ' + s.device : ''}${s.result ? ' -> ' + s.result : ''}`);
    const rest = t.actions.slice(i + 1);
    const nextGuest = rest.find((x) => x.kind.startsWith('guest.'));
    const nextGuestEnables = nextGuest !== undefined && (nextGuest.kind === 'guest.pci_enable_msix' || nextGuest.kind === 'guest.pci_enable_msi') && rest.slice(0, rest.indexOf(nextGuest)).every((x) => x.kind.startsWith('guest.'));
    const cmd = commandsOf(a, {
      sc,
      driverLoaded,
      nextGuestEnables,
      vslot: (dev) => devs.vars[dev]?.vslot ?? '00:04.0',
      dev: (dev) => `\${${varName(dev)}}`,
    });
    L.push(...cmd.lines);
    if (a.kind === 'guest.pci_enable_msix' || a.kind === 'guest.pci_enable_msi' || a.kind === 'guest.igbvf_probe') driverLoaded = true;
    if ((a.kind === 'guest.free_irq' || a.kind === 'guest.pci_disable_msix' || a.kind === 'guest.pci_disable_msi') && !nextGuestEnables && cmd.forced) driverLoaded = false;
    if (a.kind === 'guest.igbvf_remove' || a.kind === 'guest.kernel_power_off' || a.kind === 'guest.igbvf_shutdown' || a.kind === 'toolstack.libxl__destroy_domid' || a.kind === 'toolstack.libxl__device_pci_add') {
      driverLoaded = false;
    }
    if (!after) {
      L.push('# The model refuses this step; the trace ends here.', '');
      break;
    }
    for (const e of timeline(asCalls(s))) if (e.kind === 'log') L.push(...logCheck(e.call.component, e.text, devs));
    devs.vars.forEach((x, dev) => {
      const h0 = before.hw[dev];
      const h1 = after.hw[dev];
      if (!h1) return;
      const changedMsix = !h0 || h0.msix.enable !== h1.msix.enable || h0.msix.maskall !== h1.msix.maskall || i === t.steps.length - 1;
      const changedCmd = !h0 || h0.command.memory !== h1.command.memory || h0.command.master !== h1.command.master || i === t.steps.length - 1;
      if (changedMsix) L.push(`check ${shq(`host ${x.v}: MSI-X Enable${pm(h1.msix.enable)} Masked${pm(h1.msix.maskall)}`)} host_msix "\${${x.v}}" ${shq(pm(h1.msix.enable))} ${shq(pm(h1.msix.maskall))}`);
      if (changedCmd) L.push(`check ${shq(`host ${x.v}: Mem${pm(h1.command.memory)} BusMaster${pm(h1.command.master)}`)} host_command "\${${x.v}}" ${shq(pm(h1.command.memory))} ${shq(pm(h1.command.master))}`);
    });
    const live = lifecycle ? liveDomain(after) : sc.domid;
    if (live !== null) {
      const n0 = lifecycle && liveDomain(before) !== live ? -1 : guestPirqs(before, live);
      const n1 = guestPirqs(after, live);
      if (n1 !== n0) L.push(`check ${shq(`the guest lists ${n1} pirq-based interrupt(s) in /proc/interrupts`)} guest_pirqs ${n1}`);
    }
    L.push('');
  }
  L.push('### the violation');
  L.push(...finalCheck(t, worlds[worlds.length - 1]!, devs, sc));
  L.push('');
  const defs: string[] = [];
  for (const x of devs.vars) {
    const u = (n: string) => devs.used!.has(`${x.v}${n}`);
    if (u('_RE') || u('_SHORT_RE')) defs.push(`${x.v}_RE=$(printf '%s' "$${x.v}" | sed 's/[.]/[.]/g')`);
    if (u('_SHORT_RE')) defs.push(`${x.v}_SHORT_RE=\${${x.v}_RE#0000:}`);
    if (u('_COLON_RE')) defs.push(`${x.v}_COLON_RE=$(printf '%s' "\${${x.v}#0000:}" | sed 's/[.]/:/')`);
  }
  L.splice(patternsAt, 0, ...defs);
  L.push('echo "pirqcheck repro: ${modelled} check(s) as modelled, ${differs} differ"');
  L.push('if [ "$differs" -gt 0 ]; then exit 1; fi');
  L.push('exit 0');
  L.push('');
  return L.join('\n');
}
