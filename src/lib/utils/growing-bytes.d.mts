/** See growing-bytes.mjs. */
export class GrowingBytes {
  constructor(capacity?: number);
  protected buffer: Buffer<ArrayBuffer>;
  protected length: number;
  bytes(bytes: Uint8Array): void;
  written(): Buffer<ArrayBuffer>;
  reserve(bytes: number): void;
}
