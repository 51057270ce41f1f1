import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';

/** The dashboard's files in services/api/public: plain HTML, CSS and JS, served as they are (no build step). */
const PUBLIC_DIR = new URL('../../public/', import.meta.url);

const FILES = [
  { route: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { route: '/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { route: '/app.css', file: 'app.css', type: 'text/css; charset=utf-8' },
] as const;

// The page loads nothing but its own files and calls nothing but this API (no CDN: there may be no internet).
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `GET /`, `/app.js`, `/app.css`: the page that shows a brand's figures from the /v1 routes. The files are read
 * once at start-up; they need no key (the page asks for one and sends it to /v1 as a bearer token).
 */
export async function pageRoutes(app: FastifyInstance): Promise<void> {
  const contents = await Promise.all(FILES.map(({ file }) => readFile(new URL(file, PUBLIC_DIR))));
  FILES.forEach(({ route, type }, index) => {
    const body = contents[index];
    app.get(route, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type(type)
        .header('cache-control', 'no-cache')
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(body),
    );
  });
}
