/**
 * A one-line progress indicator on a terminal: `done/total label  detail`, rewritten in place on stderr, and
 * nothing at all when stderr is not a terminal (CI logs, pipes) or when disabled (--json).
 */
export interface ProgressLine {
  update(done: number, total: number, detail?: string): void;
  /** Erase the line (call before printing the result). */
  end(): void;
}

export function progressLine(label: string, o: { enabled?: boolean; stream?: NodeJS.WriteStream } = {}): ProgressLine {
  const stream = o.stream ?? process.stderr;
  const on = (o.enabled ?? true) && stream.isTTY === true;
  let shown = false;
  return {
    update(done, total, detail) {
      if (!on) return;
      const width = Math.max(20, (stream.columns || 80) - 1);
      const text = `${done}/${total} ${label}${detail ? `  ${detail}` : ''}`;
      stream.write(`\r${text.length > width ? text.slice(0, width) : text}\x1b[K`);
      shown = true;
    },
    end() {
      if (on && shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
