/**
 * Progress of a long command on a terminal, and a clean stop on Ctrl-C.
 *
 * `progress(label)` draws one line on stderr (cli-progress): items done of the total, runs, elapsed time,
 * redrawn in place; it draws nothing when stderr is not a terminal (piped, CI logs), or with `enabled: false`
 * (`--json`). `PIRQCHECK_PROGRESS=1` forces it on (for tests), `=0` off.
 *
 * `interruptible()` turns the first SIGINT into a flag the command's loop reads between units of work, so
 * the command stops after the current one and prints what it found so far; a second Ctrl-C ends the process
 * at once. Work that never yields to the event loop cannot see the flag: loops call `yieldToSignals()`.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** `done` of `total` items, and optional counters shown after them. */
  update(done: number, extra?: { runs?: number; note?: string }): void;
  /** Remove the line (before the command prints a line or its result); the next update draws it again. */
  stop(): void;
  readonly shown: boolean;
}

export function progressEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  const env = process.env['PIRQCHECK_PROGRESS'];
  if (env === '1') return true;
  if (env === '0') return false;
  return stream.isTTY === true;
}

export function progress(label: string, unit: string, total: number, o: { enabled?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = o.stream ?? process.stderr;
  if (o.enabled === false || !progressEnabled(stream)) return { update() {}, stop() {}, shown: false };
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} |{bar}| {value}/{total} ${unit}{runs}{note} | {elapsed}`,
      stream,
      clearOnComplete: true,
      hideCursor: false,
      barsize: 20,
      // Not a terminal when forced on: draw anyway, one line per redraw.
      noTTYOutput: stream.isTTY !== true,
      notTTYSchedule: 1000,
    },
    cliProgress.Presets.shades_classic,
  );
  const fields = (runs?: number, note?: string) => ({
    runs: runs === undefined ? '' : `, ${runs} runs`,
    note: note ? `, ${note}` : '',
    elapsed: `${((Date.now() - started) / 1000).toFixed(0)} s`,
  });
  bar.start(total, 0, fields());
  let running = true;
  let runs: number | undefined;
  return {
    shown: true,
    update(done, extra) {
      if (extra?.runs !== undefined) runs = extra.runs;
      // Stopped to let the command print a line (a finding): draw again below it.
      if (!running) {
        bar.start(total, done, fields(runs, extra?.note));
        running = true;
      } else bar.update(done, fields(runs, extra?.note));
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

export interface Interrupt {
  /** True once the user pressed Ctrl-C. */
  readonly requested: boolean;
  /** Stop listening (restores the default: Ctrl-C ends the process). */
  release(): void;
}

/** Exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT = 130;

export function interruptible(onFirst?: () => void): Interrupt {
  let requested = false;
  const handler = () => {
    if (requested) process.exit(INTERRUPTED_EXIT);
    requested = true;
    onFirst?.();
  };
  process.on('SIGINT', handler);
  return {
    get requested() {
      return requested;
    },
    release() {
      process.off('SIGINT', handler);
    },
  };
}

/** Let pending signals (and timers) run: a synchronous loop calls this between units of work. */
export function yieldToSignals(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
