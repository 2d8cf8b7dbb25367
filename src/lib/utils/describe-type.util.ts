/** What a value is, for an error message: `null`, `array`, `NaN`, a class name, or its `typeof`. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    const name = proto?.constructor?.name;
    return name && name !== 'Object' ? name : 'object';
  }
  return typeof value;
}
