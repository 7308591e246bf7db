/**
 * Loading and validating a user's variant file, then registering the variant it declares.
 *
 * A variant file is a .ts, .mts, .js or .mjs module in any directory. It is refused, with one line naming the
 * file and the problem, when it is not a regular file (a directory, a device, a FIFO that would never finish
 * reading), when it does not compile (file:line:column of the first syntax or type error), when it throws
 * while it is imported or while its exported variant is read, and when the variant is not valid (unknown
 * flag, unknown function of its component, an override that is not a function or takes more parameters than
 * the function it replaces).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, extname, resolve, sep } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { CONFIG_COMPONENTS } from '../model/config.ts';
import { DEFAULT_VARIANT, findVariant, registerVariant, variantsOf, type Variant, type VariantComponent } from '../model/variants.ts';
import { parametersOf, TABLES, type ModelFn } from '../model/functions.ts';
export { parametersOf } from '../model/functions.ts';
import { announceLayer, type AnyOverride, type FunctionLayer } from '../model/overrides.ts';
import { flagInfo, flagInfos, flagsSchema } from './flags.ts';

/** A variant file that cannot be used: one line naming the file and the problem. */
export class VariantFileError extends Error {}

/** A loaded variant together with the variant it is compared against. */
export interface LoadedVariant extends Variant {
  readonly base: string;
  readonly file: string;
  /** sha256 of the file's content (hex), recorded in the traces found with it. */
  readonly sha256: string;
  /** The functions this file overrides (its own, not its base's). */
  readonly overridden: readonly string[];
}

/** The package root (the directory of package.json), and the API module 'pirqcheck' resolves to. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const API_URL = new URL('./index.ts', import.meta.url).href;
const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

const loaded: LoadedVariant[] = [];
/** Layers of functions declared so far in this thread (FunctionLayer.index). */
let layerCount = 0;

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
    flags: z.record(z.string(), z.unknown(), { error: "'flags' must be an object of flag values" }).optional(),
    functions: z.record(z.string(), z.unknown(), { error: "'functions' must be an object of functions by upstream name" }).optional(),
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')} (valid: ${Object.keys(specSchema().shape).join(', ')})`;
  }
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue.message}`;
}

/** Validate a value exported by a variant file. `file` names it in errors, `sha256` is its content's hash. */
export function validateVariantSpec(value: unknown, file: string, sha256 = ''): LoadedVariant {
  const fail = (msg: string): never => {
    throw new VariantFileError(`variant file '${file}': ${msg}`);
  };
  let parsed: ReturnType<ReturnType<typeof specSchema>['safeParse']>;
  try {
    // Reading the exported object runs its getters, if any.
    parsed = specSchema().safeParse(value);
  } catch (e) {
    return fail(`reading the exported variant threw ${e instanceof Error ? `${e.name}: ${firstLine(e.message)}` : String(e)}`);
  }
  if (!parsed.success) fail(describeIssue(parsed.error.issues[0]!));
  const s = parsed.data!;
  const specFlags = s.flags ?? {};
  if (s.flags === undefined && s.functions === undefined) fail("declares neither 'flags' nor 'functions': a variant changes at least one of them");
  const unknownFlags = Object.keys(specFlags).filter((k) => !flagInfo(k));
  if (unknownFlags.length) {
    fail(`unknown flag${unknownFlags.length > 1 ? 's' : ''} ${unknownFlags.map((k) => `'${k}'`).join(', ')} (valid: ${flagInfos().map((f) => f.name).join(', ')})`);
  }
  const flags = flagsSchema().safeParse(specFlags);
  if (!flags.success) fail(flags.error.issues[0]!.message);
  for (const name of Object.keys(specFlags)) {
    const owner = flagInfo(name)?.component;
    if (owner && owner !== s.component) fail(`flag '${name}' is read by the ${owner} component, not ${s.component}: a variant changes one component`);
  }
  const baseId = s.base ?? DEFAULT_VARIANT[s.component];
  const base = findVariant(s.component, baseId);
  if (!base) fail(`unknown base ${s.component} variant '${baseId}' (valid: ${variantsOf(s.component).map((v) => v.id).join(', ')})`);
  if (findVariant(s.component, s.id)) fail(`${s.component} variant '${s.id}' already exists; choose another id`);
  const table = TABLES[s.component] as Record<string, { impl: ModelFn }>;
  const overrides: Record<string, AnyOverride> = {};
  for (const [name, o] of Object.entries(s.functions ?? {})) {
    const entry = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
    if (!entry) {
      const other = (Object.keys(TABLES) as VariantComponent[]).filter((c) => c !== s.component && Object.prototype.hasOwnProperty.call(TABLES[c], name));
      fail(
        other.length
          ? `'${name}' is a function of the ${other.join(' and ')} component, not ${s.component}: a variant changes one component`
          : `'${name}' is not a modelled function of the ${s.component} component (see pirqcheck variants --functions --component ${s.component})`,
      );
    }
    if (typeof o !== 'function') fail(`functions.${name} must be a function (builtin, ${parametersOf(entry!.impl).join(', ')}), got ${o === null ? 'null' : typeof o}`);
    const params = parametersOf(entry!.impl);
    if ((o as AnyOverride).length > params.length + 1) {
      fail(`functions.${name} declares ${(o as AnyOverride).length} parameters; it receives (builtin, ${params.join(', ')})`);
    }
    overrides[name] = o as AnyOverride;
  }
  const own: FunctionLayer[] = Object.keys(overrides).length ? [{ index: layerCount++, component: s.component, variant: s.id, file, overrides }] : [];
  return {
    id: s.id,
    component: s.component,
    title: s.title,
    upstream: s.upstream,
    versions: s.versions,
    link: s.link ?? '',
    confidence: s.confidence ?? 'user-supplied variant file',
    flags: { ...base!.flags, ...flags.data },
    ...(base!.layers?.length || own.length ? { layers: [...(base!.layers ?? []), ...own] } : {}),
    base: baseId,
    file,
    sha256,
    overridden: Object.keys(overrides),
    source: { file, sha256, functions: Object.keys(overrides) },
  };
}

/** Type-check .ts files here: in the main thread and the command's watched thread, not in the explorer's workers. */
let typecheckHere = isMainThread;
export function typecheckInThisThread(): void {
  typecheckHere = true;
}

let hooks = false;

/** The loader hooks of api/variant-hooks.mjs, once per thread (not inside a vitest worker, which loads modules itself). */
function registerHooks(): boolean {
  if ('__vitest_worker__' in globalThis) return false;
  if (!hooks) {
    register(new URL('./variant-hooks.mjs', import.meta.url), { data: { root: pathToFileURL(PACKAGE_ROOT + sep).href, api: API_URL } });
    hooks = true;
  }
  return true;
}

/** Where in `file` an error was thrown (`:line:column` from its stack), or ''. */
function thrownAt(e: unknown, abs: string): string {
  const stack = e instanceof Error ? (e.stack ?? '') : '';
  const url = pathToFileURL(abs).href;
  for (const line of stack.split('\n')) {
    const m = /\((?:file:\/\/)?(.*?)(?:\?[^:)]*)?:(\d+):(\d+)\)$|at (?:file:\/\/)?(.*?)(?:\?[^:]*)?:(\d+):(\d+)$/.exec(line.trim());
    if (!m) continue;
    const f = m[1] ?? m[4] ?? '';
    if (f === abs || `file://${f}` === url) return `:${m[2] ?? m[5]}:${m[3] ?? m[6]}`;
  }
  return '';
}

/** A load error as one line: esbuild's syntax errors as file:line:column. */
function loadError(e: unknown, path: string, abs: string): string {
  const msg = e instanceof Error ? e.message : String(e);
  const syntax = /^(?:.*?):(\d+):(\d+): ERROR: (.*)$/m.exec(msg);
  if (syntax) return `${path}:${syntax[1]}:${syntax[2]}: syntax error: ${syntax[3]}`;
  const name = e instanceof Error ? e.name : 'Error';
  if (e instanceof SyntaxError) return `${path}${thrownAt(e, abs)}: syntax error: ${firstLine(msg)}`;
  return `variant file '${path}'${thrownAt(e, abs)} threw while loading: ${name}: ${firstLine(msg)}`;
}

/**
 * Import a TypeScript or JavaScript module whose default export (or `variant` export) is a variant
 * declared with `defineVariant`, validate it, and register it so findVariant and resolveConfig see it.
 * Every problem is a VariantFileError with a one-line message; the original error is its `cause`.
 */
export async function loadVariantFile(path: string): Promise<LoadedVariant> {
  const abs = resolve(path);
  const cannot = (why: string, cause?: unknown): never => {
    throw new VariantFileError(`cannot read variant file '${path}': ${why}`, cause === undefined ? undefined : { cause });
  };
  let st;
  try {
    st = statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    return cannot(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code, e);
  }
  if (st.isDirectory()) cannot('it is a directory, not a file');
  if (st.isFIFO()) cannot('it is a FIFO (named pipe), not a regular file');
  if (st.isCharacterDevice() || st.isBlockDevice()) cannot('it is a device, not a regular file');
  if (st.isSocket()) cannot('it is a socket, not a regular file');
  if (!st.isFile()) cannot('not a regular file');
  const ext = extname(abs);
  if (!EXTENSIONS.includes(ext)) cannot(`a variant file is ${EXTENSIONS.join(', ')}, not '${ext || '(no extension)'}'`);
  let content: Buffer;
  try {
    content = readFileSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    return cannot(code === 'EACCES' ? 'permission denied' : code, e);
  }
  const sha256 = createHash('sha256').update(content).digest('hex');
  if (typecheckHere && (ext === '.ts' || ext === '.mts')) {
    const { firstTypeError } = await import('./typecheck.ts');
    const err = await firstTypeError(abs, path);
    if (err) throw new VariantFileError(err);
  }
  let mod: Record<string, unknown>;
  try {
    const url = pathToFileURL(abs).href;
    mod = (await import(registerHooks() ? `${url}?pirqcheck-variant` : url)) as Record<string, unknown>;
  } catch (e) {
    const at = e instanceof SyntaxError && !/:\d+:\d+: ERROR:/.test(e.message) ? await (await import('./typecheck.ts')).syntaxErrorAt(abs, path) : undefined;
    throw new VariantFileError(at ?? loadError(e, path, abs), { cause: e });
  }
  let value: unknown;
  try {
    value = mod['default'] ?? mod['variant'];
  } catch (e) {
    throw new VariantFileError(`variant file '${path}': reading its export threw ${e instanceof Error ? `${e.name}: ${firstLine(e.message)}` : String(e)}`, { cause: e });
  }
  if (value === undefined) {
    throw new VariantFileError(`variant file '${path}' exports no variant: use 'export default defineVariant({...})' or 'export const variant = ...'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new VariantFileError(`variant file '${path}': the exported variant must be an object (from defineVariant), got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const v = validateVariantSpec(value, path, sha256);
  registerVariant(v);
  const mine = v.layers?.at(-1);
  if (mine && mine.variant === v.id) announceLayer(mine);
  loaded.push(v);
  return v;
}
