// Where ingest is reached from outside: the base of the URLs it hands out (the data-deletion status url that
// Meta shows the user). Behind a proxy or TLS terminator the request alone cannot say it: INGEST_PUBLIC_URL does.
import { isIPv6 } from 'node:net';
import { printableId } from '@carestream/contract';
import { CareError } from '@carestream/errors';

/**
 * INGEST_PUBLIC_URL as a base to append paths to (no trailing slash), or a CARE_ERR_CONFIG naming the setting:
 * an absolute http or https URL, with a path if ingest is served under one, and no query, fragment or
 * credentials (a URL handed to the public must not carry any). The value is not echoed: it may hold a password.
 */
export function publicBaseUrl(name: string, value: string): string {
  const refuse = (why: string) =>
    new CareError(
      'CARE_ERR_CONFIG',
      `${name} must be ingest's public URL, absolute http or https without query, fragment or credentials ` +
        `(such as https://ingest.example.com); ${why}`,
      { field: name },
    );
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse('this is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse(`its scheme is ${url.protocol}`);
  // Checked on the text: the URL parser drops a lone '?' or '#' without a trace.
  if (value.includes('?') || value.includes('#')) throw refuse('it has a query or fragment');
  if (url.username !== '' || url.password !== '') throw refuse('it has credentials');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

// A host name (labels of letters, digits, '-' and '_', between dots; IPv4 addresses are such names) or an IPv6
// address in brackets, then an optional port.
const HOST = /^(?:([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)|\[([0-9A-Fa-f:.]+)\])(?::(\d{1,5}))?$/;

/**
 * The base URL of a request as its client addressed it (protocol and Host; behind INGEST_TRUSTED_PROXIES, what
 * they forward), for when INGEST_PUBLIC_URL is unset. A Host that is not host[:port] is refused (400 naming
 * `host`) rather than copied into a URL handed to the public, where it could point anywhere.
 */
export function requestBaseUrl(protocol: string, host: string | undefined): string {
  const match = HOST.exec(host ?? '');
  const [, name, ipv6, port] = match ?? [];
  const valid =
    match !== null &&
    (name === undefined || name.length <= 253) &&
    (ipv6 === undefined || isIPv6(ipv6)) &&
    (port === undefined || Number(port) <= 65535);
  if (!valid) {
    throw new CareError(
      'CARE_ERR_VALIDATION',
      `must be a host name or address with an optional port, such as ingest.example.com:8080, got "${printableId(host ?? '', 80)}"`,
      { field: 'host' },
    );
  }
  return `${protocol}://${host}`;
}
