import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import pino from 'pino';

type LoggerOptions = Exclude<NonNullable<FastifyServerOptions['logger']>, boolean>;

/** How often buffered log lines reach stdout at the latest. */
const FLUSH_INTERVAL_MS = 250;

/**
 * The services' logging, as Fastify options: the logger below, and one line per request, when it is answered
 * (Fastify's own writes two: "incoming request" and "request completed").
 */
export function serviceLogging(
  enabled: boolean,
  destination?: NodeJS.WritableStream,
): Pick<FastifyServerOptions, 'logger' | 'logController'> {
  return enabled
    ? { logger: serviceLogger(destination), logController: new OneLinePerRequest() }
    : { logger: false };
}

/** Fastify's log lines, but a request's method and path go on its "request completed" line, the only one. */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

/**
 * The services' logger: each request is logged by method and path only. Never its query string, which can hold
 * secrets (the dashboard's `?key=…`, Meta's `hub.verify_token`), nor its headers (keys, webhook signatures).
 * Lines go to stdout in chunks (4 KiB, or every 250 ms) rather than one write each: at 1,000 requests/s the
 * writes took ~5% of the API's CPU. They are flushed when the process exits; a process killed outright
 * (SIGKILL, out of memory) loses at most its last 250 ms of lines.
 */
function serviceLogger(destination?: NodeJS.WritableStream): LoggerOptions {
  return {
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        path: request.url.split('?')[0],
        remoteAddress: request.ip,
      }),
    },
    stream: destination ?? bufferedStdout(),
  };
}

function bufferedStdout(): pino.DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const timer = setInterval(() => {
    try {
      stream.flush();
    } catch {
      // closed at exit: flushSync below wrote what was left
    }
  }, FLUSH_INTERVAL_MS);
  timer.unref();
  process.once('exit', () => {
    try {
      stream.flushSync();
    } catch {
      // stdout already closed: nothing left to write to
    }
  });
  return stream;
}
