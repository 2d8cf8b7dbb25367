import type { LoggerService } from '@nestjs/common';
import { logMessages } from '../metaqueue.messages.js';
import { describeError } from '../utils/describe-error.util.js';
import type { FlushObservation } from './flush-observation.interface.js';

/** Who hears of each flush pass (the metrics, or anyone); one that throws never breaks flushing. */
export class FlushObservers {
  private readonly observers = new Set<(flush: FlushObservation) => void>();

  constructor(private readonly logger: LoggerService) {}

  /** Adds `observer`; returns how to remove it. */
  add(observer: (flush: FlushObservation) => void): () => void {
    this.observers.add(observer);
    return () => void this.observers.delete(observer);
  }

  notify(flush: FlushObservation): void {
    for (const observer of this.observers) {
      try {
        observer(flush);
      } catch (error) {
        this.logger.warn(logMessages.flushObserverFailed(describeError(error)));
      }
    }
  }
}
