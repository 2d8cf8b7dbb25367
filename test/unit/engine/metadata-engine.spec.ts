import {
  DataTypeError,
  InvalidMetadataError,
  MetadataEngine,
  MetaQueue,
  PublishTimeoutError,
  QueueFullError,
  type EngineCounters,
  type Metadata,
  type OverflowPolicy,
  type DataType,
} from '../../../src/lib/index.js';

const meta = <T>(data: T, overrides: Partial<Metadata<T>> = {}): Metadata<T> => ({
  data,
  name: 'rows_imported',
  location: 'db://warehouse',
  context: 'nightly import',
  ...overrides,
});

const sum = (byReason: Record<string, number>) =>
  Object.values(byReason).reduce((a, b) => a + b, 0);
const settledBuckets = (c: EngineCounters) =>
  c.accepted + sum(c.dropped) + sum(c.rejected) + c.waiting;

class Reading {
  constructor(
    readonly celsius: number,
    readonly sensor: string,
  ) {}
}

describe('MetadataEngine', () => {
  it('works without Nest, as the seed does: MetadataEngine(topic, MetaQueue(buffer_size=3, dtype=int))', async () => {
    const engine = new MetadataEngine<number>(
      'rows',
      new MetaQueue({ bufferSize: 3, dtype: 'integer' }),
    );
    await engine.publish(meta(42));
    expect(engine.topic).toBe('rows');
    expect(engine.size).toBe(1);
    expect(engine.capacity).toBe(3);
    await expect(engine.publish(meta(4.5))).rejects.toThrow(DataTypeError);
  });

  it('stamps each record with a UUID of its publish time, that time and its JSON', async () => {
    const engine = new MetadataEngine('jobs');
    const before = Date.now();
    const a = await engine.publish(meta({ rows: 3, tags: ['x'] }));
    const b = await engine.publish(meta({ rows: 3, tags: ['x'] }));
    expect(a?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(a!.id.slice(0, 8) + a!.id.slice(9, 13), 16)).toBe(a?.publishedAt.getTime());
    expect(a?.id).not.toBe(b?.id);
    expect(a?.publishedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(a).toMatchObject({
      topic: 'jobs',
      name: 'rows_imported',
      json: '{"rows":3,"tags":["x"]}',
    });
    expect(engine.take().map((r) => r.id)).toEqual([a?.id, b?.id]);
  });

  it('keeps what was published even if the caller mutates the data afterwards', async () => {
    const engine = new MetadataEngine('jobs');
    const data = { rows: 1 };
    const record = await engine.publish(meta(data));
    data.rows = 2;
    expect(JSON.parse(record!.json)).toEqual({ rows: 1 });
  });

  describe('dtype', () => {
    it.each([
      ['number', 1.5, 'x', "a number (dtype 'number')", 'string'],
      ['integer', 7, 7.5, "a safe integer (dtype 'integer')", 'number'],
      ['string', 'ok', 1, "a string (dtype 'string')", 'number'],
      ['boolean', false, null, "a boolean (dtype 'boolean')", 'null'],
    ] as const)('%s accepts %j and rejects %j', async (dtype, good, bad, expected, received) => {
      // Typed as any dtype: what is checked here is the runtime refusal of a wrong type.
      const engine = new MetadataEngine('t', new MetaQueue<unknown, DataType>({ dtype }));
      await expect(engine.publish(meta(good))).resolves.toBeDefined();
      const error = await engine.publish(meta(bad)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataTypeError);
      expect(error).toMatchObject({ topic: 't', expected, received });
      expect((error as Error).message).toBe(
        `Cannot publish to topic 't': data must be ${expected}, received ${received}.`,
      );
    });

    it('a class accepts its instances, stored as their fields, and names itself when rejecting', async () => {
      const engine = new MetadataEngine<Reading>('readings', new MetaQueue({ dtype: Reading }));
      const record = await engine.publish(meta(new Reading(21.5, 'north')));
      expect(JSON.parse(record!.json)).toEqual({ celsius: 21.5, sensor: 'north' });
      await expect(engine.publish(meta({ celsius: 1, sensor: 'x' }))).rejects.toThrow(
        'data must be an instance of Reading, received object',
      );
    });

    it('a built-in class such as Date is a class, not a predicate', async () => {
      const engine = new MetadataEngine('dates', new MetaQueue<unknown, DataType>({ dtype: Date }));
      // Accepted by dtype, then refused by the encoder: JSON would turn it into a string.
      await expect(engine.publish(meta(new Date()))).rejects.toThrow(/defines toJSON/);
      await expect(engine.publish(meta('2026-01-01'))).rejects.toThrow(
        /instance of Date, received string/,
      );
    });

    it('a predicate decides, and is named in the error', async () => {
      const isPercent = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 100;
      const engine = new MetadataEngine('pct', new MetaQueue({ dtype: isPercent }));
      await expect(engine.publish(meta(99))).resolves.toBeDefined();
      await expect(engine.publish(meta(101))).rejects.toThrow(
        'data must be a value accepted by isPercent, received number',
      );
    });

    it('is checked by the compiler where the type is known', async () => {
      const engine = new MetadataEngine<number>('n', new MetaQueue({ dtype: 'number' }));
      // @ts-expect-error a string is not a number
      await expect(engine.publish(meta('12'))).rejects.toThrow(DataTypeError);
    });
  });

  describe('data must read back exactly', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    // The cycle comes first in the walk; the NaN after it must not be what is reported.
    const cycleThenNaN: Record<string, unknown> = { list: [{ n: 1 }] };
    (cycleThenNaN.list as object[]).push({ back: cycleThenNaN });
    cycleThenNaN.later = NaN;
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    it.each([
      ['undefined', undefined, 'data is undefined'],
      ['a nested undefined', { a: undefined }, 'data.a is undefined'],
      ['a function', { f: () => 1 }, 'data.f is function'],
      ['a symbol', Symbol('s'), 'data is symbol'],
      ['a bigint', 10n, 'data is bigint'],
      ['NaN', [NaN], 'data[0] is NaN'],
      ['Infinity', { x: Infinity }, 'data.x is Infinity'],
      ['-0', -0, 'data is -0'],
      ['a cycle', cyclic, 'data.self contains a cycle'],
      ['a cycle through an array', cycleThenNaN, 'data.list[1].back contains a cycle'],
      ['a sparse array', sparse, 'data[1] is a hole'],
      ['a Map', { m: new Map() }, 'data.m is a Map'],
      ['a Date', new Date(0), 'data is a Date'],
      ['symbol keys', { [Symbol('k')]: 1 }, 'data has symbol keys'],
      ['NUL in a string', { s: 'a\u0000b' }, 'data.s contains a NUL character'],
      ['NUL in a key', { k: { 'a\u0000': 1 } }, 'data.k has a key "a\\u0000" that contains a NUL'],
      ['a lone surrogate', '\ud800x', 'data contains a lone UTF-16 surrogate'],
    ])('rejects %s', async (_label, data, problem) => {
      const engine = new MetadataEngine('t');
      const error = await engine.publish(meta(data)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidMetadataError);
      expect((error as Error).message).toContain(`Cannot publish to topic 't': ${problem}`);
      expect(engine.size).toBe(0);
    });

    it('accepts every JSON shape, shared references and null-prototype objects', async () => {
      const shared = { k: 'v' };
      const bare = Object.assign(Object.create(null) as object, { x: 1 });
      const data = {
        shared,
        again: shared,
        bare,
        list: [null, true, 0, -1.5e300, '', 'é😀'],
        deep: [[[{}]]],
      };
      const engine = new MetadataEngine('t');
      const record = await engine.publish(meta(data));
      expect(JSON.parse(record!.json)).toEqual(JSON.parse(JSON.stringify(data)));
    });
  });

  describe('name, location and context', () => {
    it.each([
      [{ name: '1st' }, 'name must be an OpenMetrics metric name'],
      [{ name: 'rows-imported' }, 'received "rows-imported"'],
      [{ name: '' }, 'name must be an OpenMetrics metric name'],
      [{ location: '' }, 'location must be a non-empty string, received string (empty)'],
      [{ context: 3 as never }, 'context must be a non-empty string, received number'],
      [{ location: 'a\u0000' }, 'location contains a NUL character'],
    ])('rejects %j', async (overrides, problem) => {
      const engine = new MetadataEngine('t');
      await expect(engine.publish(meta(1, overrides))).rejects.toThrow(problem);
    });

    it('accepts any non-empty text in location and context, and colons in names', async () => {
      const engine = new MetadataEngine('t');
      const awkward = `'; DROP TABLE metadata; --\n"quoted" \\ back\ttab 😀`;
      const record = await engine.publish(
        meta(1, { name: 'ns:rows_total', location: awkward, context: awkward }),
      );
      expect(record).toMatchObject({ location: awkward, context: awkward });
    });

    it('rejects a publish that is not an object', async () => {
      const engine = new MetadataEngine('t');
      await expect(engine.publish(null as never)).rejects.toThrow(
        'metadata must be an object, received null',
      );
    });
  });

  describe('overflow and counters', () => {
    it('error: throws QueueFullError naming the topic and capacity', async () => {
      const engine = new MetadataEngine('t', new MetaQueue({ bufferSize: 1, overflow: 'error' }));
      await engine.publish(meta(1));
      const error = await engine.publish(meta(2)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueueFullError);
      expect((error as Error).message).toBe(
        "Queue of topic 't' is full (capacity 1): raise bufferSize, or choose another overflow policy.",
      );
    });

    it('block with a timeout: rejects with PublishTimeoutError', async () => {
      const engine = new MetadataEngine('t', new MetaQueue({ bufferSize: 1, blockTimeoutMs: 10 }));
      await engine.publish(meta(1));
      await expect(engine.publish(meta(2))).rejects.toThrow(PublishTimeoutError);
      expect(engine.counters.rejected.timeout).toBe(1);
    });

    it('drop-newest resolves to undefined; drop-oldest to the new record', async () => {
      const newest = new MetadataEngine(
        't',
        new MetaQueue({ bufferSize: 1, overflow: 'drop-newest' }),
      );
      await newest.publish(meta(1));
      await expect(newest.publish(meta(2))).resolves.toBeUndefined();
      const oldest = new MetadataEngine(
        't',
        new MetaQueue({ bufferSize: 1, overflow: 'drop-oldest' }),
      );
      await oldest.publish(meta(1));
      await expect(oldest.publish(meta(2))).resolves.toMatchObject({ data: 2 });
      expect(oldest.take().map((r) => r.data)).toEqual([2]);
    });

    const policies: [OverflowPolicy, number | undefined][] = [
      ['block', undefined],
      ['block', 2],
      ['drop-newest', undefined],
      ['drop-oldest', undefined],
      ['error', undefined],
    ];
    it.each(policies)(
      '%s (timeout %s): accepted + dropped + rejected = published, exactly, with 1,000 concurrent publishers',
      async (overflow, blockTimeoutMs) => {
        const engine = new MetadataEngine(
          't',
          new MetaQueue({ bufferSize: 8, overflow, blockTimeoutMs }),
        );
        const taken: unknown[] = [];
        let stop = false;
        // A consumer draining in small bites while publishers race.
        const consumer = (async () => {
          while (!stop || engine.counters.waiting > 0) {
            taken.push(...engine.take(3).map((r) => r.data));
            expect(settledBuckets(engine.counters)).toBe(engine.counters.published);
            await new Promise((r) => setTimeout(r, 1));
          }
        })();
        const outcomes = await Promise.allSettled(
          Array.from({ length: 1_000 }, async (_, i) => {
            await new Promise((r) => setImmediate(r));
            // Every tenth publish is invalid, so rejections of both kinds mix.
            return engine.publish(meta(i % 10 === 0 ? undefined : i));
          }),
        );
        stop = true;
        await consumer;
        taken.push(...engine.take().map((r) => r.data));

        const c = engine.counters;
        expect(c.published).toBe(1_000);
        expect(c.waiting).toBe(0);
        expect(c.accepted + sum(c.dropped) + sum(c.rejected)).toBe(1_000);
        expect(c.rejected.invalid).toBe(100);
        const rejected = outcomes.filter((o) => o.status === 'rejected').length;
        expect(sum(c.rejected)).toBe(rejected);
        expect(c.dropped['drop-newest']).toBe(
          outcomes.filter((o) => o.status === 'fulfilled' && o.value === undefined).length,
        );
        // Every accepted record was taken exactly once; nothing else was.
        expect(taken.length).toBe(c.accepted);
        expect(new Set(taken).size).toBe(taken.length);
        if (overflow === 'block' && blockTimeoutMs === undefined) expect(c.accepted).toBe(900);
      },
    );
  });
});

describe('MetadataEngine.onDropped', () => {
  const full = async (overflow: OverflowPolicy) => {
    const engine = new MetadataEngine<number>('rows', new MetaQueue({ bufferSize: 2, overflow }));
    const dropped: [number, string][] = [];
    const stop = engine.onDropped((record, reason) => dropped.push([record.data, reason]));
    for (let i = 0; i < 5; i++) await engine.publish(meta(i));
    return { engine, dropped, stop };
  };

  it('names each record drop-newest drops: the one just published', async () => {
    const { dropped } = await full('drop-newest');
    expect(dropped).toEqual([
      [2, 'drop-newest'],
      [3, 'drop-newest'],
      [4, 'drop-newest'],
    ]);
  });

  it('names each record drop-oldest pushes out, counted as it is told', async () => {
    const { engine, dropped } = await full('drop-oldest');
    expect(dropped).toEqual([
      [0, 'drop-oldest'],
      [1, 'drop-oldest'],
      [2, 'drop-oldest'],
    ]);
    expect(engine.counters.dropped['drop-oldest']).toBe(3);
    expect(engine.take().map((r) => r.data)).toEqual([3, 4]);
  });

  it('stops when asked, and a listener that throws does not fail the publish', async () => {
    const { engine, dropped, stop } = await full('drop-newest');
    stop();
    engine.onDropped(() => {
      throw new Error('listener broke');
    });
    await expect(engine.publish(meta(9))).resolves.toBeUndefined();
    expect(dropped).toHaveLength(3);
    expect(engine.counters.dropped['drop-newest']).toBe(4);
  });
});

describe('what a record may hold: every limit, and one past it', () => {
  const engine = () => new MetadataEngine('limits');
  const nested = (levels: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  };
  const expectRefused = async (metadata: Metadata<unknown>, field: string, limit: RegExp) => {
    const error = (await engine()
      .publish(metadata)
      .catch((e: unknown) => e)) as InvalidMetadataError;
    expect(error).toBeInstanceOf(InvalidMetadataError);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(limit);
  };

  it('name: 200 characters', async () => {
    await expect(engine().publish(meta(1, { name: 'n'.repeat(200) }))).resolves.toBeDefined();
    await expectRefused(meta(1, { name: 'n'.repeat(201) }), 'name', /limit is 200/);
  });

  it('location and context: 4,096 bytes of UTF-8 each', async () => {
    const at = 'é'.repeat(2_048); // two bytes each
    await expect(engine().publish(meta(1, { location: at, context: at }))).resolves.toBeDefined();
    await expectRefused(meta(1, { location: `${at}x` }), 'location', /4097 bytes.*limit is 4096/);
    await expectRefused(meta(1, { context: `${at}x` }), 'context', /limit is 4096/);
  });

  it('data: 4 MiB of JSON', async () => {
    const at = 'x'.repeat(4_194_304 - 2); // the quotes make it 4 MiB
    await expect(engine().publish(meta(at))).resolves.toBeDefined();
    await expectRefused(meta(`${at}x`), 'data', /limit is 4194304/);
  });

  it('data: 64 levels deep; thousands of levels give the same clear error, not a stack overflow', async () => {
    await expect(engine().publish(meta(nested(64)))).resolves.toBeDefined();
    await expectRefused(meta(nested(65)), `data${'[0]'.repeat(64)}`, /deeper than 64 levels/);
    await expectRefused(meta(nested(100_000)), `data${'[0]'.repeat(64)}`, /deeper than 64/);
  });
});
