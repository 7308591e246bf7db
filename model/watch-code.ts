/**
 * The code of an override in the watchdog slot (model/overrides.ts, cli/watchdog.ts): its layer's number and
 * its function's index in the component's table, the same in every thread. No imports, so the watching
 * thread can decode it without loading the model.
 */
export function watchCode(layer: number, fnIndex: number): number {
  return layer * 1000 + fnIndex + 1;
}

export function decodeWatchCode(code: number): { layer: number; fnIndex: number } {
  return { layer: Math.floor((code - 1) / 1000), fnIndex: (code - 1) % 1000 };
}
