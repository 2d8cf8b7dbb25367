import type { EngineCounters } from './engine-counters.interface.js';

export function createCounters(): EngineCounters {
  return {
    published: 0,
    accepted: 0,
    waiting: 0,
    dropped: { 'drop-newest': 0, 'drop-oldest': 0 },
    rejected: { invalid: 0, 'queue-full': 0, timeout: 0, closed: 0, unavailable: 0, refused: 0 },
  };
}
