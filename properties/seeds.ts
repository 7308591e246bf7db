/**
 * Seeds for the property suites: pinned by default, overridable with PIRQCHECK_SEEDS="1,2,3" (CI prints
 * them in every test title, so a failure names its seed).
 */
export function propertySeeds(): number[] {
  const env = process.env['PIRQCHECK_SEEDS'];
  if (!env) return [1, 2, 3];
  return env.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`PIRQCHECK_SEEDS: not a seed: '${s}'`);
    return n;
  });
}

export const PROPERTY_RUNS = Number(process.env['PIRQCHECK_RUNS'] ?? 300);
