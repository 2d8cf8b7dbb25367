import { defaults } from '../../metaqueue.defaults.js';
import { assertOption, optionRules } from '../../utils/assert-option.util.js';
import { definedOnly } from '../../utils/defined-only.util.js';
import type { BufferSync, DiskBufferOptions } from '../buffer-options.interface.js';

export interface ResolvedDiskBuffer extends Required<DiskBufferOptions> {
  /** A segment is deleted whole, once every sink is past it: an eighth of the log, at most 64 MiB. */
  segmentBytes: number;
}

const syncModes: readonly BufferSync[] = ['none', 'interval', 'always'];

/** The disk buffer's options with their defaults; throws `MetaqueueConfigError` on a bad one. */
export function resolveDiskBuffer(options: DiskBufferOptions): ResolvedDiskBuffer {
  const resolved = { ...defaults.diskBuffer, ...definedOnly(options), type: 'disk' as const };
  assertOption('buffer', 'path', resolved.path, optionRules.path);
  assertOption('buffer', 'maxBytes', resolved.maxBytes, {
    test: (v) => Number.isSafeInteger(v) && (v as number) >= 4096,
    expected: 'an integer of at least 4096 bytes',
  });
  assertOption('buffer', 'sync', resolved.sync, {
    test: (v) => syncModes.includes(v as BufferSync),
    expected: syncModes.map((m) => `'${m}'`).join(', '),
  });
  assertOption('buffer', 'syncIntervalMs', resolved.syncIntervalMs, optionRules.positiveMs);
  const segmentBytes = Math.min(64 * 1024 * 1024, Math.floor(resolved.maxBytes / 8));
  return { ...resolved, path: resolved.path!, segmentBytes };
}
