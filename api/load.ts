/** Loading and validating a user's variant file, then registering the variant it declares. */
import { access, constants } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { CONFIG_COMPONENTS } from '../model/config.ts';
import { DEFAULT_VARIANT, findVariant, registerVariant, variantsOf, type Variant, type VariantComponent } from '../model/variants.ts';
import { flagInfo, flagInfos, flagsSchema } from './flags.ts';

/** A variant file that cannot be used: one line naming the file and the problem. */
export class VariantFileError extends Error {}

/** A loaded variant together with the variant it is compared against. */
export interface LoadedVariant extends Variant {
  readonly base: string;
  readonly file: string;
}

const loaded: LoadedVariant[] = [];

/** Variants loaded from files in this process, in load order. */
export function loadedVariants(): readonly LoadedVariant[] {
  return loaded;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

function specSchema() {
  const text = (what: string) => z.string({ error: `'${what}' must be a string` }).min(1, { error: `'${what}' must not be empty` });
  return z.strictObject({
    id: text('id').regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, { error: "'id' may contain only letters, digits and . _ + -" }),
    component: z.enum(CONFIG_COMPONENTS as unknown as [VariantComponent, ...VariantComponent[]], {
      error: (iss) => `unknown component ${JSON.stringify(iss.input)} (valid: ${CONFIG_COMPONENTS.join(', ')})`,
    }),
    title: text('title'),
    upstream: text('upstream'),
    versions: text('versions'),
    link: text('link').optional(),
    confidence: text('confidence').optional(),
    base: text('base').optional(),
    flags: z.record(z.string(), z.unknown(), { error: "'flags' must be an object of flag values" }),
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')} (valid: ${Object.keys(specSchema().shape).join(', ')})`;
  }
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue.message}`;
}

/** Validate a value exported by a variant file. `file` names it in errors. */
export function validateVariantSpec(value: unknown, file: string): LoadedVariant {
  const fail = (msg: string): never => {
    throw new VariantFileError(`variant file '${file}': ${msg}`);
  };
  const spec = specSchema().safeParse(value);
  if (!spec.success) fail(describeIssue(spec.error.issues[0]!));
  const s = spec.data!;
  const unknownFlags = Object.keys(s.flags).filter((k) => !flagInfo(k));
  if (unknownFlags.length) {
    fail(`unknown flag${unknownFlags.length > 1 ? 's' : ''} ${unknownFlags.map((k) => `'${k}'`).join(', ')} (valid: ${flagInfos().map((f) => f.name).join(', ')})`);
  }
  const flags = flagsSchema().safeParse(s.flags);
  if (!flags.success) fail(flags.error.issues[0]!.message);
  for (const name of Object.keys(s.flags)) {
    const owner = flagInfo(name)?.component;
    if (owner && owner !== s.component) fail(`flag '${name}' is read by the ${owner} component, not ${s.component}: a variant changes one component`);
  }
  const baseId = s.base ?? DEFAULT_VARIANT[s.component];
  const base = findVariant(s.component, baseId);
  if (!base) fail(`unknown base ${s.component} variant '${baseId}' (valid: ${variantsOf(s.component).map((v) => v.id).join(', ')})`);
  if (findVariant(s.component, s.id)) fail(`${s.component} variant '${s.id}' already exists; choose another id`);
  return {
    id: s.id,
    component: s.component,
    title: s.title,
    upstream: s.upstream,
    versions: s.versions,
    link: s.link ?? '',
    confidence: s.confidence ?? 'user-supplied variant file',
    flags: { ...base!.flags, ...flags.data },
    base: baseId,
    file,
  };
}

/**
 * Import a TypeScript or JavaScript module whose default export (or `variant` export) is a variant
 * declared with `defineVariant`, validate it, and register it so findVariant and resolveConfig see it.
 * Every problem is a VariantFileError with a one-line message; the original error is its `cause`.
 */
export async function loadVariantFile(path: string): Promise<LoadedVariant> {
  const abs = resolve(path);
  try {
    await access(abs, constants.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new VariantFileError(`cannot read variant file '${path}': ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code}`, { cause: e });
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new VariantFileError(`variant file '${path}' failed to load: ${firstLine(msg)}`, { cause: e });
  }
  const value = mod['default'] ?? mod['variant'];
  if (value === undefined) {
    throw new VariantFileError(`variant file '${path}' exports no variant: use 'export default defineVariant({...})' or 'export const variant = ...'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new VariantFileError(`variant file '${path}': the exported variant must be an object (from defineVariant), got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const v = validateVariantSpec(value, path);
  registerVariant(v);
  loaded.push(v);
  return v;
}
