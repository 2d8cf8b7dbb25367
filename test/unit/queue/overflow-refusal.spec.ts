import { refusal } from '../../../src/lib/queue/overflow-refusal.js';

describe('refusal', () => {
  it.each([
    ['error', 'full', 'full'],
    ['error', 'unavailable', 'unavailable'],
    ['drop-newest', 'full', 'dropped-newest'],
    ['drop-oldest', 'unavailable', 'dropped-newest'],
    ['block', 'full', undefined],
    ['block', 'unavailable', undefined],
  ] as const)('%s, when %s, gives %s', (policy, reason, outcome) => {
    expect(refusal(policy, reason)).toBe(outcome);
  });
});
