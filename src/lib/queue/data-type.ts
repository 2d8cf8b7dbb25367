import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { errorMessages } from '../metaqueue.messages.js';
import type {
  DataType,
  DataTypeClass,
  DataTypeName,
  DataTypePredicate,
} from './data-type.interface.js';

const builtInChecks: Record<DataTypeName, (value: unknown) => boolean> = {
  number: (value) => typeof value === 'number',
  integer: (value) => Number.isSafeInteger(value),
  string: (value) => typeof value === 'string',
  boolean: (value) => typeof value === 'boolean',
  // Whether a value is valid JSON is decided by the encoder, for every dtype.
  json: () => true,
};

const builtInDescriptions: Record<DataTypeName, string> = {
  number: "a number (dtype 'number')",
  integer: "a safe integer (dtype 'integer')",
  string: "a string (dtype 'string')",
  boolean: "a boolean (dtype 'boolean')",
  json: "a JSON value (dtype 'json')",
};

const dataTypeNames = Object.keys(builtInChecks);

/** A dtype turned into a check and a description for error messages. */
export interface DataTypeCheck {
  readonly description: string;
  /** Whether the dtype is a class, whose instances are stored as their own fields. */
  readonly isClass: boolean;
  accepts(value: unknown): boolean;
}

export function compileDataType(dtype: DataType): DataTypeCheck {
  if (typeof dtype === 'string') {
    const accepts = Object.hasOwn(builtInChecks, dtype) ? builtInChecks[dtype] : undefined;
    if (!accepts)
      throw new MetaqueueConfigError(errorMessages.unknownDataType(dtype, dataTypeNames));
    return { description: builtInDescriptions[dtype], isClass: false, accepts };
  }
  if (typeof dtype !== 'function') {
    throw new MetaqueueConfigError(errorMessages.unknownDataType(dtype, dataTypeNames));
  }
  if (isClass(dtype)) {
    const type = dtype;
    return {
      description: `an instance of ${type.name || 'an anonymous class'}`,
      isClass: true,
      accepts: (value) => value instanceof type,
    };
  }
  const predicate = dtype as DataTypePredicate<unknown>;
  return {
    description: `a value accepted by ${predicate.name || 'the predicate'}`,
    isClass: false,
    accepts: (value) => predicate(value) === true,
  };
}

/** Describes a value's type the way users think of it: `null`, `array`, `Date`, `number`. */
/**
 * Arrow functions have no prototype, so they are predicates; `class` syntax,
 * built-ins such as `Date` and ES5 constructors with prototype methods are classes.
 */
function isClass(fn: DataType): fn is DataTypeClass<unknown> {
  const proto = (fn as { prototype?: object }).prototype;
  if (proto === undefined) return false;
  const source = Function.prototype.toString.call(fn);
  return (
    /^class[\s{]/.test(source) ||
    source.includes('[native code]') ||
    Object.getOwnPropertyNames(proto).length > 1
  );
}
