import { defaults } from '../../metaqueue.defaults.js';
import { assertOption, optionRules, type OptionRule } from '../../utils/assert-option.util.js';
import { definedOnly } from '../../utils/defined-only.util.js';
import type {
  OptionalStoreIndex,
  PartitionPeriod,
  RetentionPeriod,
  StoreLayoutOptions,
} from '../store-options.interface.js';
import { retentionMs } from './retention-horizon.js';

/** The layout options with their defaults. */
export interface StoreLayout {
  partition: PartitionPeriod;
  partitionsAhead: number;
  retention: RetentionPeriod | ((topic: string) => RetentionPeriod | undefined) | undefined;
  deadLetterRetention: RetentionPeriod | undefined;
  taskRunRetention: RetentionPeriod | undefined;
  indexes: readonly OptionalStoreIndex[];
  maintenanceIntervalMs: number;
}

const period: OptionRule = {
  test: (v) => v === undefined || retentionMs(v) !== undefined,
  expected: "a period such as '90d', '12w' or '36h'",
};

const rules: Record<keyof StoreLayout, OptionRule> = {
  partition: {
    test: (v) => v === 'day' || v === 'week' || v === 'month',
    expected: "'day', 'week' or 'month'",
  },
  partitionsAhead: {
    test: (v) => Number.isSafeInteger(v) && (v as number) >= 0,
    expected: 'a non-negative integer',
  },
  retention: {
    test: (v) => typeof v === 'function' || period.test(v),
    expected: `${period.expected}, or a function of the topic that returns one`,
  },
  deadLetterRetention: period,
  taskRunRetention: period,
  indexes: {
    test: (v) => Array.isArray(v) && v.every((index) => index === 'data'),
    expected: "a list of optional indexes: [] or ['data']",
  },
  maintenanceIntervalMs: optionRules.positiveMs,
};

/** The store's layout options with their defaults; throws `MetaqueueConfigError` on a bad one. */
export function resolveStoreLayout(options: StoreLayoutOptions = {}): StoreLayout {
  const given = definedOnly(options);
  const resolved: StoreLayout = {
    partition: given.partition ?? defaults.store.partition,
    partitionsAhead: given.partitionsAhead ?? defaults.store.partitionsAhead,
    retention: given.retention ?? defaults.store.retention,
    deadLetterRetention: given.deadLetterRetention ?? defaults.store.deadLetterRetention,
    taskRunRetention: given.taskRunRetention ?? defaults.store.taskRunRetention,
    indexes: given.indexes ?? defaults.store.indexes,
    maintenanceIntervalMs: given.maintenanceIntervalMs ?? defaults.store.maintenanceIntervalMs,
  };
  for (const [option, rule] of Object.entries(rules)) {
    assertOption('store', option, resolved[option as keyof StoreLayout], rule);
  }
  return resolved;
}
