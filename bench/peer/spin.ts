/**
 * Building and running the SPIN peer (bench/peer/nvme-hvm.pml): `spin -o2 -a` with the cell's variant macros,
 * `gcc -O2 -DBFS` of the generated pan.c, and `pan -m<depth>` runs, whose "states, stored" is the number of
 * distinct states within <depth> steps (a breadth-first search stores a state at its smallest depth, and -m stops
 * expanding at <depth>). docs/performance.md "The SPIN peer".
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const PML = new URL('./nvme-hvm.pml', import.meta.url).pathname;

/** The cells the Promela model has: guest variant -> GUEST_REUSE, QEMU variant -> QEMU_UNMAP (see the .pml). */
export const GUEST_REUSE: Readonly<Record<string, number>> = { 'fresh-pirq': 0, 'reuse-pirq-live': 1, 'reuse-pirq': 2 };
export const QEMU_UNMAP: Readonly<Record<string, number>> = { 'keep-pirqs': 0, 'unmap-on-disable': 1 };

/** SPIN and a C compiler on PATH: the peer can run. */
export function spinAvailable(): boolean {
  for (const [cmd, arg] of [['spin', '-V'], ['gcc', '--version']] as const) {
    const r = spawnSync(cmd, [arg], { stdio: 'ignore' });
    if (r.error || r.status !== 0) return false;
  }
  return true;
}

export function spinVersion(): string {
  return execFileSync('spin', ['-V'], { encoding: 'utf8' }).trim();
}

/**
 * The gcc flags of the verifier: breadth-first (-DBFS), safety only, no never claim, no partial-order
 * reduction (one process, so it would reduce nothing; off so that every interleaving is a state as in pirqcheck).
 */
export const PAN_CFLAGS = ['-O2', '-DBFS', '-DSAFETY', '-DNOCLAIM', '-DNOREDUCE'];

/**
 * Generates and compiles the verifier of one cell into `dir` (made if missing); returns the path of `pan`.
 * `spin -o2` keeps the variables no statement reads (the programmed Xen irq, the guest irq's dev, entry and
 * requested, QEMU's maskall) in the state vector, as the projection keeps them.
 */
export function buildPan(guest: string, qemu: string, dir: string): string {
  const g = GUEST_REUSE[guest];
  const q = QEMU_UNMAP[qemu];
  if (g === undefined || q === undefined) throw new Error(`the Promela peer has no cell guest=${guest} qemu=${qemu}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(PML, join(dir, 'nvme-hvm.pml'));
  execFileSync('spin', ['-o2', `-DGUEST_REUSE=${g}`, `-DQEMU_UNMAP=${q}`, '-a', 'nvme-hvm.pml'], { cwd: dir, stdio: 'pipe' });
  execFileSync('gcc', [...PAN_CFLAGS, '-o', 'pan', 'pan.c'], { cwd: dir, stdio: 'pipe' });
  const pan = join(dir, 'pan');
  if (!existsSync(pan)) throw new Error(`gcc made no ${pan}`);
  return pan;
}

export interface PanRun {
  /** "states, stored": distinct states within the depth bound. */
  readonly stored: number;
  readonly transitions: number;
  readonly depthReached: number;
  /** pan's own "elapsed time" (seconds) and "rate" (states per second). */
  readonly elapsedS: number;
  readonly rate: number;
  readonly stateVectorBytes: number;
  readonly errors: number;
  /** The pan process's user + system CPU seconds (start-up included), when /usr/bin/time is there to say it. */
  readonly cpuS: number | null;
}

const TIME = '/usr/bin/time';

/** One breadth-first run of `pan` to `depth` steps (-E: no end-state check, the driver loops for ever). */
export function runPan(pan: string, depth: number, timed = false): PanRun {
  const args = [`-m${depth}`, '-E'];
  const withTime = timed && existsSync(TIME);
  const r = withTime ? spawnSync(TIME, ['-f', 'PAN-CPU %U %S', pan, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 }) : spawnSync(pan, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.error) throw r.error;
  const out = r.stdout + r.stderr;
  const cpu = /PAN-CPU ([\d.]+) ([\d.]+)/.exec(out);
  const num = (re: RegExp, what: string): number => {
    const m = re.exec(out);
    if (!m) throw new Error(`pan printed no ${what}:\n${out}`);
    return Number(m[1]);
  };
  const errors = num(/errors: (\d+)/, 'error count');
  if (errors !== 0) throw new Error(`pan found ${errors} error(s) (an assertion of the model failed):\n${out}`);
  return {
    stored: num(/(\d+) states, stored/, 'stored states'),
    transitions: num(/(\d+) transitions \(= stored\+matched\)/, 'transitions'),
    depthReached: num(/depth reached (\d+)/, 'depth'),
    elapsedS: /elapsed time ([\d.e+-]+) seconds/.test(out) ? num(/elapsed time ([\d.e+-]+) seconds/, 'elapsed time') : 0,
    rate: /rate\s+([\d.e+-]+) states\/second/.test(out) ? num(/rate\s+([\d.e+-]+) states\/second/, 'rate') : 0,
    stateVectorBytes: num(/State-vector (\d+) byte/, 'state vector size'),
    errors,
    cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : null,
  };
}

/**
 * SPIN's distinct states first reached at each depth from..to: one run per bound, the count at d being
 * stored(-m d) - stored(-m d-1) (within 0 steps: the initial state alone; pan refuses -m0).
 */
export function spinLevels(pan: string, from: number, to: number): number[] {
  if (from < 1) throw new Error('spinLevels: depths start at 1');
  const out: number[] = [];
  let prev = from === 1 ? 1 : runPan(pan, from - 1).stored;
  for (let d = from; d <= to; d++) {
    const cur = runPan(pan, d).stored;
    out.push(cur - prev);
    prev = cur;
  }
  return out;
}
