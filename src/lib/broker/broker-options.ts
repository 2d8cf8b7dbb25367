import { defaults } from '../metaqueue.defaults.js';
import { assertOption, optionRules, type OptionRule } from '../utils/assert-option.util.js';
import { definedOnly } from '../utils/defined-only.util.js';
import type { BrokerRole } from '../buffer/buffer-options.interface.js';
import type { BrokerOptions } from './broker-options.interface.js';

const rules: Record<keyof ResolvedBrokerOptions, OptionRule> = {
  flushIntervalMs: optionRules.positiveMs,
  shutdownTimeoutMs: optionRules.positiveMs,
  retryInitialDelayMs: optionRules.positiveMs,
  retryMaxDelayMs: optionRules.positiveMs,
  maxBatchSize: optionRules.positiveInteger,
  maxConnectorBacklog: optionRules.positiveInteger,
  storeConcurrency: optionRules.positiveInteger,
};

/** The broker's own options, resolved; `role` is resolved with the buffer. */
export type ResolvedBrokerOptions = Required<Omit<BrokerOptions, 'role'>>;

/** The broker options with their defaults (a worker's own interval); throws `MetaqueueConfigError` on a bad one. */
export function resolveBrokerOptions(
  options: BrokerOptions = {},
  role: BrokerRole = 'both',
): ResolvedBrokerOptions {
  const { workerFlushIntervalMs, ...broker } = defaults.broker;
  const flushIntervalMs = role === 'worker' ? workerFlushIntervalMs : broker.flushIntervalMs;
  const resolved: ResolvedBrokerOptions = { ...broker, flushIntervalMs, ...definedOnly(options) };
  for (const [option, rule] of Object.entries(rules)) {
    assertOption('broker', option, resolved[option as keyof ResolvedBrokerOptions], rule);
  }
  return resolved;
}
