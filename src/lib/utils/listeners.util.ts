/**
 * A set of listeners that hear of an event and can never break it: one that
 * throws is reported to `onError`, and the others still hear. `add()` returns
 * how to stop listening.
 */
export class Listeners<Args extends unknown[]> {
  private readonly listeners = new Set<(...args: Args) => void>();

  constructor(private readonly onError: (error: unknown) => void) {}

  add(listener: (...args: Args) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  notify(...args: Args): void {
    for (const listener of this.listeners) {
      try {
        listener(...args);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
