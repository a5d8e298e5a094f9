// Finds the Frontend API from a publishable key the way Clerk's SDKs do: `pk_test_`/`pk_live_` +
// base64("<host>$"). Written with atob so it runs unchanged in browsers and Node.

const LOCAL_HOSTS = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;

export function frontendApiUrlFromPublishableKey(key: string): string {
  const match = /^pk_(test|live)_([A-Za-z0-9+/=_-]+)$/.exec(key.trim());
  if (!match) throw new Error('Not a publishable key: expected pk_test_... or pk_live_...');
  let decoded: string;
  try {
    decoded = atob(match[2]!.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    throw new Error('Not a publishable key: the part after pk_test_/pk_live_ is not base64');
  }
  if (!decoded.endsWith('$') || decoded.length < 2) throw new Error('Not a publishable key: the decoded host does not end in "$"');
  const host = decoded.slice(0, -1);
  if (!/^[A-Za-z0-9.\-[\]:]+$/.test(host)) throw new Error('Not a publishable key: the decoded host is not a host name');
  // A development server on this machine has no TLS; everything else Clerk serves over https.
  return `${LOCAL_HOSTS.test(host) ? 'http' : 'https'}://${host}`;
}
