import { encodedRecordId } from '../../../../src/lib/buffer/record-codec.js';
import { streamJournal } from '../../../support/redis-journal.js';
import { withRedisServer } from '../../../harness/redis-server.js';
import { redisUnit } from '../../../support/redis-unit.js';

withRedisServer().describe('StreamPublisher', () => {
  const redis = redisUnit();

  it("appends every topic's publishes of a tick in one round trip, in order", async () => {
    const options = redis.options();
    const connection = await redis.connect(options);
    const j = streamJournal(connection, options.streamPrefix);
    const a = j.topic('a');
    const b = j.topic('b');
    const pipeline = connection.client.pipeline.bind(connection.client);
    let pipelines = 0;
    connection.client.pipeline = (...args: Parameters<typeof pipeline>) => {
      pipelines++;
      return pipeline(...args);
    };
    const published = await Promise.all([a.publish(), b.publish(), a.publish()]);
    expect(pipelines).toBe(1);
    expect(j.appended).toBe(3);
    const ids = async (stream: string) =>
      (await redis.client.xrange(stream, '-', '+')).map(([, f]) => encodedRecordId(f[1]));
    expect(await ids(a.stream)).toEqual([published[0].record.id, published[2].record.id]);
    expect(await ids(b.stream)).toEqual([published[1].record.id]);
    await j.publisher.idle();
  });

  it('sends an append whose answer was lost again, and Redis appends it once', async () => {
    const options = redis.options();
    const connection = await redis.connect(options);
    const j = streamJournal(connection, options.streamPrefix);
    const a = j.topic('a');
    const pipeline = connection.client.pipeline.bind(connection.client);
    let lose = true;
    connection.client.pipeline = (...args: Parameters<typeof pipeline>) => {
      const sent = pipeline(...args);
      const exec = sent.exec.bind(sent);
      // The first answer is lost after Redis ran the append, as when the connection breaks.
      sent.exec = async () => {
        const replies = await exec();
        if (!lose) return replies;
        lose = false;
        throw new Error('connection lost');
      };
      return sent;
    };
    expect((await a.publish()).outcome).toBe('accepted');
    expect(await redis.client.xlen(a.stream)).toBe(1);
  });
});
