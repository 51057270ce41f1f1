// Reading a request body as a stream, for every route that reads its own (ingest's events and webhooks, the
// API's JSON bodies): one way to stop at a limit, and to tell a client that went away from a fault.
import type { Readable } from 'node:stream';
import { CareError } from '@carestream/errors';

const endedEarly = (cause?: Error): CareError =>
  new CareError('CARE_ERR_VALIDATION', 'ended before it was complete', { field: 'body', cause });

/**
 * Node fails the body of a request whose client closed the connection mid-body, or sent a malformed chunk (the
 * server then drops the connection), with ECONNRESET "aborted". That is the client's doing: answered as a body
 * that ended early (a 4xx, which the error handler does not log as a fault), not as an internal error.
 */
function isClientAbort(error: Error): boolean {
  return (error as NodeJS.ErrnoException).code === 'ECONNRESET';
}

/**
 * Feeds each chunk of `stream` to `onChunk` until the end. When `onChunk` throws (a limit passed, bad bytes),
 * reading stops there and the stream is paused, not destroyed: destroying a request destroys its socket, and
 * the client would get a reset instead of the answer (ingest's drainUnreadBody reads the rest).
 */
export function readChunks(stream: Readable, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      stream.pause();
    };
    const onData = (chunk: Buffer | string) => {
      try {
        onChunk(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      } catch (error) {
        stop();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const onEnd = () => {
      stop();
      resolve();
    };
    const onError = (error: Error) => {
      stop();
      reject(isClientAbort(error) ? endedEarly(error) : error);
    };
    // A client that goes away mid-body: nothing to answer, but the read must not wait for ever.
    const onClose = () => {
      stop();
      reject(endedEarly());
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    stream.resume();
  });
}

/** The whole of `stream`, refused with `tooLarge()` as soon as it passes `maxBytes` (reading stops there). */
export async function readAtMost(
  stream: Readable,
  maxBytes: number,
  tooLarge: () => CareError,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  await readChunks(stream, (chunk) => {
    bytes += chunk.length;
    if (bytes > maxBytes) throw tooLarge();
    chunks.push(chunk);
  });
  return Buffer.concat(chunks, bytes);
}
