/** Names of the built-in data types a topic can declare. */
export type DataTypeName = 'number' | 'integer' | 'string' | 'boolean' | 'json';

/** A class whose instances a topic accepts (checked with `instanceof`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DataTypeClass<T> = abstract new (...args: any[]) => T;

/** A predicate deciding whether a value belongs to the topic. */
export type DataTypePredicate<T> = ((value: unknown) => value is T) | ((value: unknown) => boolean);

/**
 * What a topic's queue accepts as `data`: a built-in name, a class or a predicate.
 * The seed's `MetaQueue(dtype=int)` is `dtype: 'integer'`.
 */
export type DataType<T = unknown> = DataTypeName | DataTypeClass<T> | DataTypePredicate<T>;

/** The static type of `data` that a `dtype` admits at runtime. */
export type DataOf<D> = D extends 'number' | 'integer'
  ? number
  : D extends 'string'
    ? string
    : D extends 'boolean'
      ? boolean
      : D extends (value: unknown) => value is infer T
        ? T
        : D extends DataTypeClass<infer T>
          ? T
          : unknown;
