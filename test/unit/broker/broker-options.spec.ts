import { resolveBrokerOptions } from '../../../src/lib/broker/broker-options.js';
import { defaults } from '../../../src/lib/metaqueue.defaults.js';
import { MetaqueueConfigError } from '../../../src/lib/index.js';

describe('resolveBrokerOptions', () => {
  it('fills in the defaults, and an explicit undefined does not hide one', () => {
    expect(resolveBrokerOptions()).toEqual(defaults.broker);
    expect(resolveBrokerOptions({ maxBatchSize: undefined, flushIntervalMs: 5 })).toEqual({
      ...defaults.broker,
      flushIntervalMs: 5,
    });
  });

  it.each([
    ['flushIntervalMs', 0, 'a positive number of milliseconds'],
    ['shutdownTimeoutMs', -1, 'a positive number of milliseconds'],
    ['retryInitialDelayMs', Number.NaN, 'a positive number of milliseconds'],
    ['retryMaxDelayMs', Infinity, 'a positive number of milliseconds'],
    ['maxBatchSize', 1.5, 'a positive integer'],
    ['maxConnectorBacklog', 0, 'a positive integer'],
    ['storeConcurrency', '2', 'a positive integer'],
  ])('refuses %s=%p, naming it and what it should be', (option, value, expected) => {
    const resolve = () => resolveBrokerOptions({ [option]: value });
    expect(resolve).toThrow(MetaqueueConfigError);
    expect(resolve).toThrow(
      `Invalid broker option ${option}=${JSON.stringify(value)}: expected ${expected}.`,
    );
  });
});
