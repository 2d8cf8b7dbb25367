/**
 * One string for each text seen lately. Records decoded from a log or a
 * stream each got their own copies of a topic, name, location and context,
 * kept until every sink had them; pooled, they share one, and the copies die
 * young. Bounded: past `capacity` distinct texts it starts again, so texts
 * that never repeat cost a lookup, not memory.
 */
export class StringPool {
  private readonly texts = new Map<string, string>();

  constructor(private readonly capacity = 4_096) {}

  of(text: string): string {
    const known = this.texts.get(text);
    if (known !== undefined) return known;
    if (this.texts.size >= this.capacity) this.texts.clear();
    // A copy of its own: `text` may be a slice that keeps a whole payload alive.
    const own = Buffer.from(text).toString();
    this.texts.set(own, own);
    return own;
  }
}
