import type { FactoryProvider } from '@nestjs/common';
import type { RecordBuffer } from '../../buffer/record-buffer.interface.js';
import { RedisBuffer } from '../../buffer/redis/redis-buffer.js';
import { RECORD_BUFFER, TICK_CLAIMS } from '../../metaqueue.tokens.js';
import { MetadataStore } from '../../store/metadata-store.js';
import { LocalTickClaims } from './local-tick-claims.js';
import { RedisTickClaims } from './redis-tick-claims.js';
import { StoreTickClaims } from './store-tick-claims.js';
import type { TickClaims } from './task-run-row.interface.js';

/**
 * Where ticks are claimed: in Redis when the buffer is Redis (every role of
 * the fleet reaches it, a publisher too, which has no store); else in the
 * store's table; else, with `store: false`, in this process alone.
 */
export const tickClaimsProvider: FactoryProvider<TickClaims> = {
  provide: TICK_CLAIMS,
  useFactory: (buffer: RecordBuffer, store: MetadataStore | null): TickClaims => {
    if (buffer instanceof RedisBuffer) {
      const { url, connection, streamPrefix } = buffer.options;
      return new RedisTickClaims(url, connection, streamPrefix);
    }
    if (store) return new StoreTickClaims(store.dataSource);
    return new LocalTickClaims();
  },
  inject: [RECORD_BUFFER, MetadataStore],
};
