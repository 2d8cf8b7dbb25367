import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { errorMessages } from '../metaqueue.messages.js';

/** What an option must be: a test, and how the error message says it. */
export interface OptionRule {
  test(value: unknown): boolean;
  expected: string;
}

export const optionRules = {
  positiveInteger: {
    test: (v) => Number.isSafeInteger(v) && (v as number) > 0,
    expected: 'a positive integer',
  },
  positiveMs: {
    test: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0,
    expected: 'a positive number of milliseconds',
  },
  nonNegativeMs: {
    test: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0,
    expected: 'a non-negative number of milliseconds',
  },
  // prom-client 12 and earlier render a registry synchronously: metaqueue's series, read at each scrape, would break it.
  promRegistry: {
    test: (v) =>
      typeof v === 'object' &&
      v !== null &&
      ['registerMetric', 'getSingleMetric', 'removeSingleMetric', 'metrics'].every(
        (method) => typeof (v as Record<string, unknown>)[method] === 'function',
      ) &&
      !('registerCollector' in v),
    expected:
      "a Registry of prom-client 13 or later, such as register from 'prom-client' (the one @willsoto/nestjs-prometheus serves) or a new Registry()",
  },
  path: {
    test: (v) => typeof v === 'string' && v !== '',
    expected: 'a file path',
  },
} satisfies Record<string, OptionRule>;

/** One of `values`. */
export function oneOf(values: readonly unknown[]): OptionRule {
  return {
    test: (v) => values.includes(v),
    expected: `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
  };
}

/** An array of distinct items from `values`. */
export function distinctOf(values: readonly unknown[]): OptionRule {
  return {
    test: (v) =>
      Array.isArray(v) && new Set(v).size === v.length && v.every((x) => values.includes(x)),
    expected: `an array of distinct items from ${values.map((v) => JSON.stringify(v)).join(', ')}`,
  };
}

/**
 * Throws a `MetaqueueConfigError` naming the option, its value and what it
 * should be, unless `rule` accepts the value. `owner` says whose option it is
 * ("broker", "queue", …).
 */
export function assertOption(
  owner: string,
  option: string,
  value: unknown,
  rule: OptionRule,
): void {
  if (!rule.test(value)) {
    throw new MetaqueueConfigError(
      errorMessages.invalidOption(owner, option, value, rule.expected),
    );
  }
}
