import { InvalidMetadataError } from '../errors/metaqueue.errors.js';
import { describeType } from '../utils/describe-type.util.js';
import { metadataLimits } from './metadata-limits.constants.js';

/** OpenMetrics metric names: https://prometheus.io/docs/specs/om/open_metrics_spec/#metric-names */
const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Throws unless `name`, `location` and `context` can be stored and written exactly. */
export function assertMetadataFields(topic: string, metadata: unknown): void {
  if (typeof metadata !== 'object' || metadata === null) {
    throw new InvalidMetadataError(
      topic,
      'metadata',
      `must be an object, received ${describeType(metadata)}`,
    );
  }
  const { name, location, context } = metadata as Record<string, unknown>;
  if (typeof name !== 'string' || !metricName.test(name)) {
    throw new InvalidMetadataError(
      topic,
      'name',
      `must be an OpenMetrics metric name (letters, digits, '_' and ':', not starting with a digit), received ${JSON.stringify(name) ?? describeType(name)}`,
    );
  }
  if (name.length > metadataLimits.nameLength) {
    throw new InvalidMetadataError(
      topic,
      'name',
      `is ${name.length} characters long; the limit is ${metadataLimits.nameLength}`,
    );
  }
  assertLabel(topic, 'location', location);
  assertLabel(topic, 'context', context);
}

function assertLabel(topic: string, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidMetadataError(
      topic,
      field,
      `must be a non-empty string, received ${describeType(value)}${value === '' ? ' (empty)' : ''}`,
    );
  }
  const problem = stringProblem(value);
  if (problem) throw new InvalidMetadataError(topic, field, problem);
  const bytes = utf8BytesOver(value, metadataLimits.labelBytes);
  if (bytes !== undefined) {
    throw new InvalidMetadataError(
      topic,
      field,
      `is ${bytes} bytes long in UTF-8; the limit is ${metadataLimits.labelBytes}`,
    );
  }
}

/**
 * Encodes `data` as JSON, or throws if the JSON would not read back as the
 * same value: JSON.stringify silently drops or rewrites many of them.
 * `classInstance` lets the top level be an instance of the topic's class,
 * stored as its own enumerable fields.
 */
export function encodeData(topic: string, data: unknown, classInstance = false): string {
  // The usual walk counts levels only; a cycle then shows as too deep, and the
  // walk that keeps every ancestor says which it is (a publish allocated one list per record).
  let problem = jsonProblem(data, classInstance, 0);
  if (problem?.text === tooDeep) problem = jsonProblem(data, classInstance, 0, []);
  if (problem) throw new InvalidMetadataError(topic, `data${problem.path}`, problem.text);
  const json = JSON.stringify(data);
  const bytes = utf8BytesOver(json, metadataLimits.dataBytes);
  if (bytes !== undefined) {
    throw new InvalidMetadataError(
      topic,
      'data',
      `is ${bytes} bytes long as JSON; the limit is ${metadataLimits.dataBytes}`,
    );
  }
  return json;
}

/** The UTF-8 length of `text` if it is over `limit`; counted only when it could be. */
function utf8BytesOver(text: string, limit: number): number | undefined {
  // A UTF-16 code unit is at most 3 bytes in UTF-8: most texts need no count.
  if (text.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(text);
  return bytes > limit ? bytes : undefined;
}

interface Problem {
  path: string;
  text: string;
}

/** The first problem of `value`, `depth` levels down, with its `ancestors` if they are kept. */
function jsonProblem(
  value: unknown,
  classInstance: boolean,
  depth: number,
  ancestors?: object[],
): Problem | undefined {
  switch (typeof value) {
    case 'string': {
      const text = stringProblem(value);
      return text ? { path: '', text } : undefined;
    }
    case 'number':
      if (!Number.isFinite(value)) return { path: '', text: `is ${value}, which JSON cannot hold` };
      if (Object.is(value, -0)) return { path: '', text: 'is -0, which JSON stores as 0' };
      return undefined;
    case 'boolean':
      return undefined;
    case 'object':
      return value === null ? undefined : objectProblem(value, classInstance, depth, ancestors);
    default:
      return { path: '', text: `is ${describeType(value)}, which JSON cannot hold` };
  }
}

function objectProblem(
  value: object,
  classInstance: boolean,
  depth: number,
  ancestors: object[] | undefined,
): Problem | undefined {
  if (ancestors?.includes(value)) return { path: '', text: 'contains a cycle' };
  // Bounded here, the walk can never exhaust the stack, however deep the value.
  if (depth >= metadataLimits.depth) return { path: '', text: tooDeep };
  if (Array.isArray(value)) {
    ancestors?.push(value);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value))
        return { path: `[${i}]`, text: 'is a hole in a sparse array, which JSON stores as null' };
      const inner = jsonProblem(value[i], false, depth + 1, ancestors);
      if (inner) return { path: `[${i}]${inner.path}`, text: inner.text };
    }
    ancestors?.pop();
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!classInstance && proto !== Object.prototype && proto !== null) {
    return {
      path: '',
      text: `is a ${describeType(value)}: only plain objects, arrays and primitives are stored as JSON`,
    };
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return { path: '', text: 'defines toJSON(), so JSON would not hold its fields' };
  }
  if (Object.getOwnPropertySymbols(value).length > 0) {
    return { path: '', text: 'has symbol keys, which JSON drops' };
  }
  ancestors?.push(value);
  // for…in and hasOwn: the own enumerable keys, in Object.keys' order, without its array.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const keyText = stringProblem(key);
    if (keyText) return { path: '', text: `has a key ${JSON.stringify(key)} that ${keyText}` };
    const inner = jsonProblem((value as Record<string, unknown>)[key], false, depth + 1, ancestors);
    if (inner) return { path: `.${key}${inner.path}`, text: inner.text };
  }
  ancestors?.pop();
  return undefined;
}

const tooDeep = `nests deeper than ${metadataLimits.depth} levels, the limit`;

/** PostgreSQL text and jsonb hold neither NUL nor lone UTF-16 surrogates. */
function stringProblem(value: string): string | undefined {
  if (value.includes('\u0000'))
    return 'contains a NUL character (\\u0000), which PostgreSQL cannot store';
  if (!value.isWellFormed()) return 'contains a lone UTF-16 surrogate, which is not valid Unicode';
  return undefined;
}
