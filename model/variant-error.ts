/** A variant's code cannot be used: one line naming the variant file, the function and the problem. */
export class VariantRunError extends Error {
  override readonly name = 'VariantRunError';
}
