/**
 * What a task publishes: the seed's `Metadata(data, name, location, context)`.
 * `name` is the metric family name in the OpenMetrics file.
 */
export interface Metadata<T = unknown> {
  data: T;
  name: string;
  location: string;
  context: string;
}

/**
 * What `publish()` takes: the metadata, whose `context` may be left out by a
 * scheduled task's run, which then stamps the run's id there.
 */
export type PublishedMetadata<T = unknown> = Omit<Metadata<T>, 'context'> & { context?: string };

/** A published record: the metadata as accepted, stamped by its engine. */
export interface MetadataRecord<T = unknown> extends Readonly<Metadata<T>> {
  /** A UUID given at publish; the store's idempotency key. */
  readonly id: string;
  readonly topic: string;
  /** Shared by the records of its millisecond: its setters throw; copy it to change it. */
  readonly publishedAt: Date;
  /** `data` as JSON, encoded once at publish: what the store and the connectors write. */
  readonly json: string;
}
