import type { BoardOverview } from './board-overview.interface.js';
import type { BoardSources } from './board-sources.js';

/** Every topic, every sink, the last flush and health: the top of the page. */
export function boardOverview({ engines, broker, health, store }: BoardSources): BoardOverview {
  const counters = broker.counters;
  return {
    topics: engines.getAll().map((engine) => {
      const { published, accepted, waiting, dropped, rejected } = engine.counters;
      return {
        topic: engine.topic,
        depth: engine.size,
        capacity: engine.capacity,
        published,
        accepted,
        waiting,
        dropped,
        rejected,
      };
    }),
    sinks: Object.entries(counters.sinks).map(([name, stats]) => ({ name, ...stats })),
    inFlight: counters.inFlight,
    lastFlushAt: counters.lastFlushAt?.toISOString() ?? null,
    health: health.isHealthy('metaqueue').metaqueue,
    store: store !== null,
    now: new Date().toISOString(),
  };
}
