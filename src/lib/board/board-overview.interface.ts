import type { DropReason, RejectReason } from '../engine/engine-counters.interface.js';
import type { SinkStats } from '../broker/broker-stats.interface.js';
import type { MetaqueueHealth } from '../health/metaqueue-health.interface.js';

/** One topic's queue and counters. */
export interface BoardTopic {
  topic: string;
  depth: number;
  capacity: number;
  published: number;
  accepted: number;
  waiting: number;
  dropped: Record<DropReason, number>;
  rejected: Record<RejectReason, number>;
}

/** What GET <path>/api/overview returns. */
export interface BoardOverview {
  topics: BoardTopic[];
  sinks: ({ name: string } & SinkStats)[];
  inFlight: number;
  lastFlushAt: string | null;
  health: MetaqueueHealth;
  /** Whether there is a store (false with `store: false`): then there are no records or charts. */
  store: boolean;
  now: string;
}
