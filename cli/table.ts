/**
 * Tables and long lines that fit the terminal: 80 columns when the output is not a terminal (a pipe, a
 * file, a CI log) unless COLUMNS says otherwise, the terminal's width when it is wider. Lines wrap between
 * words (after ", " where there is one), never inside a word; a table too wide for the width moves its
 * leading columns into a heading line above the rows that share them.
 */

export const DEFAULT_WIDTH = 80;

/** Length on the screen: without terminal colour codes. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/**
 * Lines of prose and lists fitted to `width`: a longer line wraps between words, continuing 4 columns
 * further in than it starts. A line holding a command (`pirqcheck ...`) stays whole, to be copied as it is.
 */
export function fitLines(lines: readonly string[], width: number): string[] {
  return lines.flatMap((l) => {
    if (visibleLength(l) <= width || /\bpirqcheck (check|replay|explore|matrix|fuzz|repro|export-itf) /.test(l)) return [l];
    const lead = /^\s*/.exec(l)![0];
    return wrap(l.slice(lead.length), width, lead, lead + '    ', 'words');
  });
}

/** The width to fit: the terminal's columns on a TTY, else $COLUMNS, else 80 (never below 40). */
export function outputWidth(stream: NodeJS.WriteStream = process.stdout): number {
  const env = Number(process.env['COLUMNS']);
  const w = stream.isTTY && stream.columns ? stream.columns : Number.isFinite(env) && env > 0 ? env : DEFAULT_WIDTH;
  return Math.max(40, Math.floor(w));
}

/**
 * Wrap `text` to `width`: the first line starts with `first`, continuation lines with `rest`. Breaks after
 * ", " or "; " when the text is a list (mode 'auto'), else at spaces (mode 'words', for prose); a single
 * word longer than the line stays whole.
 */
export function wrap(text: string, width: number, first = '', rest = first, mode: 'auto' | 'words' = 'auto'): string[] {
  // A list breaks only between its items; an item longer than a line breaks at its spaces.
  const list = mode === 'auto' && /[,;] /.test(text);
  const tokens = list
    ? text.split(/(?<=[,;] )/).flatMap((t) => (rest.length + t.length > width ? t.split(/(?<= )/) : [t]))
    : text.split(/(?<= )/);
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const tok of tokens) {
    const candidate = line + tok;
    if (!empty && visibleLength(candidate.trimEnd()) > width) {
      out.push(line.trimEnd());
      line = rest + tok;
    } else {
      line = candidate;
    }
    empty = false;
  }
  out.push(line.trimEnd());
  return out;
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
    .join('  ')
    .trimEnd();
}

/** Columns padded to their widest cell, a rule under the head. */
export function plainTable(head: readonly string[], body: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [pad(head, widths), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map((b) => pad(b, widths))];
}

export interface FitTable {
  /** Printable lines. */
  readonly lines: string[];
  /** For each body row, the index of its line in `lines` (to colour it). */
  readonly rowLine: number[];
}

/**
 * `plainTable` if it fits `width` (after `indent`); otherwise the first `group` columns become a heading
 * line ("head0 v0, head1 v1") above the rows that share them, and the remaining columns are a table
 * indented under it (its column heads under the first heading); a row still too wide wraps.
 */
export function fitTable(head: readonly string[], body: readonly (readonly string[])[], width: number, o: { group: number; indent?: string }): FitTable {
  const indent = o.indent ?? '';
  const full = plainTable(head, body);
  if (full.every((l) => indent.length + l.length <= width) || o.group <= 0) {
    return { lines: full.map((l) => indent + l), rowLine: body.map((_b, i) => i + 2) };
  }
  const g = o.group;
  const restBody = body.map((b) => b.slice(g));
  const inner = indent + '  ';
  const widthsOf = (hs: readonly string[]) => hs.map((h, i) => Math.max(h.length, ...restBody.map((b) => b[i]!.length)));
  let restHead = head.slice(g);
  let legend: string | null = null;
  // Still too wide: a head's parenthesis ("fix (my-fix)") moves to a legend line above the column heads.
  if (inner.length + pad(restHead, widthsOf(restHead)).length > width && restHead.some((h) => / \(.+\)$/.test(h))) {
    legend = restHead
      .filter((h) => / \(.+\)$/.test(h))
      .map((h) => h.replace(/^(.*) \((.+)\)$/, '$1: $2'))
      .join(', ');
    restHead = restHead.map((h) => h.replace(/ \(.+\)$/, ''));
  }
  const widths = widthsOf(restHead);
  const lines: string[] = [];
  const rowLine: number[] = [];
  let last: string | null = null;
  body.forEach((b, i) => {
    const heading = head
      .slice(0, g)
      .map((h, k) => `${h} ${b[k]}`)
      .join(', ');
    if (heading !== last) {
      lines.push(...wrap(heading, width, indent, indent + '  '));
      // The column heads once, under the first group's heading.
      if (last === null) {
        if (legend) lines.push(...wrap(`(${legend})`, width, inner, inner + ' '));
        lines.push(inner + pad(restHead, widths), inner + widths.map((w) => '-'.repeat(w)).join('  '));
      }
      last = heading;
    }
    rowLine.push(lines.length);
    const row = inner + pad(restBody[i]!, widths);
    if (row.length <= width) lines.push(row);
    else lines.push(...wrap(restBody[i]!.join('  '), width, inner, inner + '    '));
  });
  return { lines, rowLine };
}
