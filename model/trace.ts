import type { Call, Component } from './types.ts';

/**
 * Collects the calls and log lines of one step. The step function creates one per step, so the model stays
 * pure from the outside: same world and action in, same world and calls out.
 */
export class CallLog {
  readonly calls: Call[] = [];
  private readonly stack: Call[] = [];
  private seq = 0;
  /** Lines printed outside any recorded call (only when a handler is called directly, as in unit tests). */
  readonly loose: string[] = [];

  /** Record a call to `component`.`fn`, run `body`, and store what it returned as the call's result. */
  call<T>(component: Component, fn: string, args: string, body: () => T, show: (v: T) => string = defaultShow): T {
    const c: Call = { component, fn, args, result: '', log: [], at: this.seq++, logAt: [], depth: this.stack.length };
    this.calls.push(c);
    this.stack.push(c);
    try {
      const v = body();
      c.result = show(v);
      return v;
    } finally {
      this.stack.pop();
    }
  }

  /**
   * Run `body` inside the step's own call (the first one, depth 0) after it returned: what happens in the
   * same step once the action's function is done (xl's death watch after a domain_crash). Its calls nest
   * under the action's.
   */
  inStep<T>(body: () => T): T {
    const top = this.calls[0];
    if (!top || this.stack.length > 0) return body();
    this.stack.push(top);
    try {
      return body();
    } finally {
      this.stack.pop();
    }
  }

  /** A line the real code prints at this point (printk, dprintk, XEN_PT_ERR, dev_warn, ...). */
  log(line: string): void {
    const top = this.stack[this.stack.length - 1];
    if (top) {
      top.log.push(line);
      top.logAt.push(this.seq++);
    } else {
      this.loose.push(line);
    }
  }
}

/**
 * A call log that records nothing: the explorer and the bare loops step millions of times and never read the
 * calls (a counterexample's steps are replayed with the recording log, checker/run.ts `execute`).
 */
export class QuietLog extends CallLog {
  override call<T>(_component: Component, _fn: string, _args: string, body: () => T): T {
    return body();
  }
  override log(): void {}
}

function defaultShow(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return v < 0 ? rcName(v) : String(v);
  return String(v);
}

import { rc as rcName } from './types.ts';
