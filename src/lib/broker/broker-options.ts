import { defaults } from '../metaqueue.defaults.js';
import { assertOption, optionRules, type OptionRule } from '../utils/assert-option.util.js';
import { definedOnly } from '../utils/defined-only.util.js';
import type { BrokerOptions } from './broker-options.interface.js';

const rules: Record<keyof BrokerOptions, OptionRule> = {
  flushIntervalMs: optionRules.positiveMs,
  shutdownTimeoutMs: optionRules.positiveMs,
  retryInitialDelayMs: optionRules.positiveMs,
  retryMaxDelayMs: optionRules.positiveMs,
  maxBatchSize: optionRules.positiveInteger,
  maxConnectorBacklog: optionRules.positiveInteger,
  storeConcurrency: optionRules.positiveInteger,
  role: {
    test: (v) => ['both', 'publisher', 'worker'].includes(v as string),
    expected: "'both', 'publisher' or 'worker'",
  },
};

/** The broker options with their defaults; throws `MetaqueueConfigError` on a bad one. */
export function resolveBrokerOptions(options: BrokerOptions = {}): Required<BrokerOptions> {
  const resolved = { ...defaults.broker, ...definedOnly(options) };
  for (const [option, rule] of Object.entries(rules)) {
    assertOption('broker', option, resolved[option as keyof BrokerOptions], rule);
  }
  return resolved;
}
