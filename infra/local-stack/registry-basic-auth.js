// HTTP basic auth in front of the local stack's schema registry, started by stack.sh. Apicurio Registry's own
// authentication needs an OpenID Connect server (its basic-auth support trades the credentials for a token
// there); production registries (Confluent Cloud, Apicurio or Karapace behind a gateway) ask clients for basic
// auth, and this front lets a test show that carestream sends it: a request without the right credentials gets
// 401, one with them is passed to the registry unchanged.
//
//   node registry-basic-auth.js <listen port> <registry port>
// with REGISTRY_AUTH_USERNAME and REGISTRY_AUTH_PASSWORD in the environment.
import { Buffer } from 'node:buffer';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, request } from 'node:http';
import process from 'node:process';

const [listenPort, registryPort] = process.argv.slice(2).map(Number);
const { REGISTRY_AUTH_USERNAME: username, REGISTRY_AUTH_PASSWORD: password } = process.env;
if (!listenPort || !registryPort || !username || !password) {
  process.stderr.write(
    'usage: REGISTRY_AUTH_USERNAME=… REGISTRY_AUTH_PASSWORD=… node registry-basic-auth.js <listen port> <registry port>\n',
  );
  process.exit(2);
}

// Digests of equal length, so that the comparison takes as long whatever the client sent.
const digest = (text) => createHash('sha256').update(text).digest();
const expected = digest(`Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`);

const server = createServer((incoming, answer) => {
  if (!timingSafeEqual(digest(incoming.headers.authorization ?? ''), expected)) {
    incoming.resume();
    answer.writeHead(401, {
      'content-type': 'application/json',
      'www-authenticate': 'Basic realm="schema-registry"',
    });
    answer.end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
    return;
  }
  const headers = { ...incoming.headers };
  delete headers.authorization;
  const forwarded = request(
    { host: '127.0.0.1', port: registryPort, method: incoming.method, path: incoming.url, headers },
    (upstream) => {
      answer.writeHead(upstream.statusCode ?? 502, upstream.headers);
      upstream.pipe(answer);
    },
  );
  forwarded.on('error', (error) => {
    answer.writeHead(502, { 'content-type': 'application/json' });
    answer.end(JSON.stringify({ error_code: 502, message: `registry unreachable: ${error.message}` }));
  });
  incoming.pipe(forwarded);
});

server.listen(listenPort, '127.0.0.1', () => {
  process.stdout.write(
    `registry basic auth listening on 127.0.0.1:${listenPort}, forwarding to ${registryPort}\n`,
  );
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close(() => process.exit(0)));
