import type { FastifyInstance } from 'fastify';

/** `/openapi.json` (the OpenAPI 3 document @fastify/swagger builds from the route schemas) and `/docs`. */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/docs', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(DOCS_PAGE),
  );
}

// A self-contained page (no CDN: deployments may have no internet) that reads /openapi.json and lists every
// route with its parameters and answers.
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>carestream query API</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1d1d1f; }
  h1 { margin-bottom: 0; } .lead { color: #555; margin-top: .25rem; }
  section { border: 1px solid #ddd; border-radius: 6px; margin: 1rem 0; padding: .5rem 1rem; }
  .method { font-weight: 700; color: #0b6; margin-right: .5rem; } code { background: #f4f4f4; padding: 0 .25rem; }
  table { border-collapse: collapse; width: 100%; font-size: 14px; } td, th { border-bottom: 1px solid #eee; padding: .25rem; text-align: left; vertical-align: top; }
  .muted { color: #777; }
</style>
</head>
<body>
<h1>carestream query API</h1>
<p class="lead">Send <code>Authorization: Bearer &lt;api key&gt;</code>. JSON by default, CSV with <code>Accept: text/csv</code>.
The machine-readable document is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3).</p>
<div id="routes"><p class="muted">Loading /openapi.json…</p></div>
<script>
const esc = (text) => String(text ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const describe = (schema) => {
  if (!schema) return '';
  if (schema.enum) return schema.enum.join(' | ');
  if (schema.anyOf) return schema.anyOf.map(describe).join(' | ');
  return schema.type ?? '';
};
fetch('/openapi.json').then((response) => response.json()).then((doc) => {
  const out = [];
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(operations)) {
      const params = (op.parameters ?? []).map((p) =>
        '<tr><td><code>' + esc(p.name) + '</code></td><td>' + esc(p.in) + (p.required ? ', required' : '') +
        '</td><td>' + esc(describe(p.schema)) + '</td><td>' + esc(p.description ?? p.schema?.description) + '</td></tr>').join('');
      const codes = Object.entries(op.responses ?? {}).map(([code, r]) => '<code>' + esc(code) + '</code> ' + esc(r.description)).join('<br>');
      out.push('<section><h3><span class="method">' + esc(method.toUpperCase()) + '</span><code>' + esc(path) + '</code></h3>' +
        '<p>' + esc(op.summary) + '</p>' + (op.description ? '<p class="muted">' + esc(op.description) + '</p>' : '') +
        (params ? '<table><tr><th>parameter</th><th>in</th><th>values</th><th>meaning</th></tr>' + params + '</table>' : '') +
        '<p>' + codes + '</p></section>');
    }
  }
  document.getElementById('routes').innerHTML = out.join('');
}).catch((error) => {
  document.getElementById('routes').textContent = 'Could not load /openapi.json: ' + error;
});
</script>
</body>
</html>
`;
