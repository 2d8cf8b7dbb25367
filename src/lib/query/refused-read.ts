import { HttpException, ServiceUnavailableException } from '@nestjs/common';
import { ReadCancelledError, ReadTimeoutError } from '../errors/metaqueue.errors.js';

/** nginx's "client closed request": no one reads it, but Nest does not log it as a failure. */
const clientClosedRequest = 499;

/**
 * A read, its refusals as HTTP answers: a read that timed out, or found no
 * connection in time, is a 503 saying which option bounds it.
 */
export async function refusedRead<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof ReadTimeoutError) throw new ServiceUnavailableException(error.message);
    if (error instanceof ReadCancelledError) {
      throw new HttpException(error.message, clientClosedRequest);
    }
    throw error;
  }
}
