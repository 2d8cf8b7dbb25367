/** See sample-bytes.mjs. */
export class SampleBytes {
  constructor(capacity?: number, handOn?: (chunk: Uint8Array) => void);
  bytes(bytes: Uint8Array): void;
  ascii(text: string): void;
  label(value: string): void;
  time(ms: number): void;
  written(): Buffer;
  end(): void;
}
