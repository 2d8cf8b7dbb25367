import { GrowingBytes } from '../../utils/growing-bytes.mjs';

/** See sample-bytes.mjs. */
export class SampleBytes extends GrowingBytes {
  constructor(capacity?: number, handOn?: (chunk: Uint8Array) => void);
  ascii(text: string): void;
  label(value: string): void;
  time(ms: number): void;
  end(): void;
}
