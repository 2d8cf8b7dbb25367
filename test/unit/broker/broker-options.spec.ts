import { resolveBrokerOptions } from '../../../src/lib/broker/broker-options.js';
import { defaults } from '../../../src/lib/metaqueue.defaults.js';
import { MetaqueueConfigError } from '../../../src/lib/index.js';

describe('resolveBrokerOptions', () => {
  const { workerFlushIntervalMs, ...broker } = defaults.broker;

  it('fills in the defaults, and an explicit undefined does not hide one', () => {
    expect(resolveBrokerOptions()).toEqual(broker);
    expect(resolveBrokerOptions({ maxBatchSize: undefined, flushIntervalMs: 5 })).toEqual({
      ...broker,
      flushIntervalMs: 5,
    });
  });

  it("gives a worker, which cannot see publishers' appends, an interval of its own unless set", () => {
    expect(resolveBrokerOptions({}, 'worker')).toEqual({
      ...broker,
      flushIntervalMs: workerFlushIntervalMs,
    });
    expect(workerFlushIntervalMs).toBeLessThan(broker.flushIntervalMs);
    expect(resolveBrokerOptions({ flushIntervalMs: 2_000 }, 'worker').flushIntervalMs).toBe(2_000);
    expect(resolveBrokerOptions({}, 'publisher').flushIntervalMs).toBe(broker.flushIntervalMs);
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
