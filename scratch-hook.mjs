export async function resolve(specifier, context, nextResolve) {
  const r = await nextResolve(specifier, context);
  if (r.url.includes('pirqcheck-variant=')) return { ...r, format: r.url.match(/\.(c|m)?ts\?/) ? 'module-typescript' : 'module' };
  return r;
}
