// The service REST API as the signed-in user. The user signs in with a shared access
// policy's name and key (the same rights model as every API client); the page derives SAS
// tokens from them with WebCrypto (HMAC-SHA256, as IoT Hub's SDKs do) and sends one on every
// call. The key is kept in sessionStorage only: it is gone when the tab closes.
const STORE = 'outpost.signin';
const API_VERSION = '2021-04-12';
const TOKEN_SECONDS = 3600;

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    Object.assign(this, { status, code, body });
  }
}

export function signedIn() {
  const text = sessionStorage.getItem(STORE);
  return text ? JSON.parse(text) : null;
}

// Forgets the key and everything else this tab kept (saved searches).
export function signOut() {
  sessionStorage.clear();
  token = null;
}

// "HostName=h;SharedAccessKeyName=p;SharedAccessKey=k" -> {hostname, policy, key}, or null.
export function parseConnectionString(text) {
  const parts = Object.fromEntries(text.trim().split(';').filter(Boolean).map((kv) => {
    const i = kv.indexOf('=');
    return [kv.slice(0, i).trim().toLowerCase(), kv.slice(i + 1).trim()];
  }));
  if (!parts.hostname || !parts.sharedaccesskeyname || !parts.sharedaccesskey) return null;
  return { hostname: parts.hostname, policy: parts.sharedaccesskeyname, key: parts.sharedaccesskey };
}

// Checks the credentials with a call that any policy with registry or service rights may
// make; keeps them only when the cloud accepts them. Throws ApiError (401) when refused.
export async function signIn(credentials) {
  if (!globalThis.crypto || !crypto.subtle)
    throw new ApiError(0, 'InsecureContext', 'This page needs HTTPS (or a loopback address) to sign tokens with WebCrypto.');
  const candidate = await makeToken(credentials);
  await request('GET', '/statistics/devices', undefined, {}, candidate.value);
  sessionStorage.setItem(STORE, JSON.stringify(credentials));
  token = candidate;
}

let token = null;  // {value, expires}: re-signed when less than 5 minutes are left

function base64ToBytes(b64) {
  const bin = atob(b64.trim());
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function bytesToBase64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

async function makeToken({ hostname, policy, key }) {
  let raw;
  try {
    raw = base64ToBytes(key);
  } catch (_) {
    throw new ApiError(0, 'BadKey', 'The key is not base64 (copy it from the connection string: SharedAccessKey=...).');
  }
  const expires = Math.floor(Date.now() / 1000) + TOKEN_SECONDS;
  const sr = encodeURIComponent(hostname);
  const hmac = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', hmac, new TextEncoder().encode(`${sr}\n${expires}`)));
  return {
    value: `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(bytesToBase64(sig))}&se=${expires}` +
           `&skn=${encodeURIComponent(policy)}`,
    expires,
  };
}

async function currentToken() {
  const credentials = signedIn();
  if (!credentials) throw new ApiError(401, 'NotSignedIn', 'not signed in');
  if (!token || token.expires - Date.now() / 1000 < 300) token = await makeToken(credentials);
  return token.value;
}

// IoT Hub's error body: {"Message":"ErrorCode:Code;text", ...}
function errorOf(status, text) {
  let code = `HTTP ${status}`;
  let message = text || `HTTP ${status}`;
  try {
    const body = JSON.parse(text);
    const m = /^ErrorCode:([^;]*);(.*)$/s.exec(body.Message || '');
    if (m) [, code, message] = m;
    else if (body.Message) message = body.Message;
  } catch (_) { /* not JSON */ }
  return new ApiError(status, code, message);
}

async function request(method, path, body, headers, authorization) {
  const url = path + (path.includes('?') ? '&' : '?') + `api-version=${API_VERSION}`;
  const response = await fetch(url, {
    method,
    headers: { Authorization: authorization, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const text = await response.text();
  if (!response.ok) throw errorOf(response.status, text);
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    data = text;
  }
  return { status: response.status, data, etag: response.headers.get('ETag'), headers: response.headers };
}

// One API call as the signed-in user: {status, data, etag, headers}; ApiError when refused.
export async function api(method, path, body, headers = {}) {
  return request(method, path, body, headers, await currentToken());
}

// Every row of a query, following x-ms-continuation.
export async function query(text, pageSize = 200) {
  const rows = [];
  let continuation = null;
  do {
    const headers = { 'x-ms-max-item-count': String(pageSize) };
    if (continuation) headers['x-ms-continuation'] = continuation;
    const r = await api('POST', '/devices/query', { query: text }, headers);
    rows.push(...(r.data || []));
    continuation = r.headers.get('x-ms-continuation');
  } while (continuation && rows.length < 5000);
  return rows;
}

export const enc = encodeURIComponent;

// The path of a device's or module's twin.
export function twinPath(deviceId, moduleId) {
  return `/twins/${enc(deviceId)}` + (moduleId ? `/modules/${enc(moduleId)}` : '');
}

// A direct method: resolves {status, payload} (the device's answer) or throws ApiError.
export async function invoke(deviceId, moduleId, methodName, payload, timeoutSeconds = 30) {
  const r = await api('POST', `${twinPath(deviceId, moduleId)}/methods`,
    { methodName, payload, responseTimeoutInSeconds: timeoutSeconds });
  return r.data;
}

// Live telemetry from GET /events/stream (server-sent events read with fetch, which, unlike
// EventSource, can send the Authorization header). Calls onEvent(event) for each; reconnects
// after a lost connection, resuming with Last-Event-ID. Returns stop().
export function followEvents({ deviceId, from = 'now', onEvent, onState = () => {} }) {
  const abort = new AbortController();
  let lastId = null;
  const run = async () => {
    let delay = 500;
    while (!abort.signal.aborted) {
      try {
        const params = new URLSearchParams({ from });
        if (deviceId) params.set('deviceId', deviceId);
        const headers = { Authorization: await currentToken(), Accept: 'text/event-stream' };
        if (lastId !== null) headers['Last-Event-ID'] = String(lastId);
        const response = await fetch(`/events/stream?${params}`, { headers, signal: abort.signal, cache: 'no-store' });
        if (!response.ok) throw errorOf(response.status, await response.text());
        onState('live');
        delay = 500;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
            const id = block.split('\n').find((l) => l.startsWith('id:'));
            if (id) lastId = Number(id.slice(3).trim());
            if (data) onEvent(JSON.parse(data));
          }
        }
      } catch (e) {
        if (abort.signal.aborted) return;
        onState('reconnecting', e);
        if (e instanceof ApiError && e.status === 401) return onState('refused', e);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10000);
    }
  };
  run();
  return () => abort.abort();
}
