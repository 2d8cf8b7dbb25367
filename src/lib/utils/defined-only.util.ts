/** Drops `undefined` fields, so `{ bufferSize: undefined }` cannot hide a default when spread. */
export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
