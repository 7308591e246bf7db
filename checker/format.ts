/** Plain-text rendering of a search result: numbered steps, nested calls, log lines, evidence. */
import type { TraceStep } from './run.ts';
import type { Violation } from '../model/invariants.ts';
import { findInvariant } from '../model/invariants.ts';
import type { Call } from '../model/types.ts';

const COMPONENT_WIDTH = 6;

/** Calls and log lines of one step in the order they happened: (depth, text) pairs. */
export function timeline(calls: readonly Call[]): { depth: number; kind: 'call' | 'log'; call: Call; text: string }[] {
  const ev: { at: number; depth: number; kind: 'call' | 'log'; call: Call; text: string }[] = [];
  for (const c of calls) {
    ev.push({ at: c.at, depth: c.depth, kind: 'call', call: c, text: '' });
    c.log.forEach((text, i) => ev.push({ at: c.logAt[i] ?? Number.MAX_SAFE_INTEGER, depth: c.depth, kind: 'log', call: c, text }));
  }
  return ev.sort((a, b) => a.at - b.at).map(({ depth, kind, call, text }) => ({ depth, kind, call, text }));
}

export function formatSteps(steps: readonly TraceStep[], indent = '  '): string[] {
  const out: string[] = [];
  const width = String(steps.length).length;
  for (const s of steps) {
    const num = String(s.n).padStart(width);
    const dev = s.device ? ` ${s.device}` : '';
    for (const e of timeline(s.calls)) {
      const pad = ' '.repeat(width + 2 + 2 * e.depth);
      if (e.kind === 'call' && e.depth === 0) {
        out.push(`${indent}${num}  ${s.component.padEnd(COMPONENT_WIDTH)} ${s.action}${dev} ${s.args}${s.result ? `  → ${s.result}` : ''}`);
      } else if (e.kind === 'call') {
        const c = e.call;
        out.push(`${indent}${pad}${c.component.padEnd(COMPONENT_WIDTH)} ${c.fn}(${c.args})${c.result ? `  → ${c.result}` : ''}`);
      } else {
        out.push(`${indent}${pad}${' '.repeat(COMPONENT_WIDTH + 1)}| ${e.text}`);
      }
    }
  }
  return out;
}

export function formatViolation(v: Violation): string[] {
  const inv = findInvariant(v.invariant);
  return [`invariant ${v.invariant}${inv ? ` — "${inv.doc}"` : ''}`, `evidence: ${v.evidence.text}`];
}
