// Small DOM helpers. Text always goes in as text nodes, never parsed as HTML, so device ids,
// tags and telemetry bodies cannot inject markup.

// h('button', {class: 'primary', onclick: fn, 'data-id': 'x'}, 'Save') -> element
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// IoT Hub writes 0001-01-01T00:00:00Z for "never".
export function formatTime(iso) {
  if (!iso || iso.startsWith('0001-')) return 'never';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return t.toLocaleString();
}

export function ago(iso) {
  if (!iso || iso.startsWith('0001-')) return 'never';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (Number.isNaN(s)) return iso;
  if (s < 5) return 'just now';
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

// A coloured label: kind is ok, bad, warn or idle.
export function badge(text, kind) {
  return h('span', { class: `badge ${kind}` }, text);
}

export function connectionBadge(state) {
  return badge(state === 'Connected' ? 'online' : 'offline', state === 'Connected' ? 'ok' : 'idle');
}

// A message line under a form: errors in red, the rest plain; replaced on each call.
export function statusLine() {
  const el = h('p', { class: 'status', role: 'status' });
  el.show = (text, kind = '') => {
    el.className = `status ${kind}`;
    el.textContent = text;
  };
  return el;
}

export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

// Parses a textarea's JSON or throws an Error naming the field.
export function parseJsonField(text, what) {
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not JSON: ${e.message}`);
  }
}

// The JSON merge patch (RFC 7386) that turns `before` into `after`: changed keys, removed
// keys as null. What PATCH /twins expects.
export function mergePatch(before, after) {
  const patch = {};
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  for (const key of Object.keys(before || {})) {
    if (key.startsWith('$')) continue;
    if (!(key in after)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(after || {})) {
    const old = before ? before[key] : undefined;
    if (isObject(value) && isObject(old)) {
      const inner = mergePatch(old, value);
      if (Object.keys(inner).length) patch[key] = inner;
    } else if (JSON.stringify(value) !== JSON.stringify(old)) {
      patch[key] = value;
    }
  }
  return patch;
}

// Desired or reported properties without the service's own fields ($version, $metadata).
export function withoutMeta(props) {
  const out = {};
  for (const [k, v] of Object.entries(props || {})) if (!k.startsWith('$')) out[k] = v;
  return out;
}

// Runs fn now and every `ms` until the returned stop() (or the page changes); errors go to onError.
export function every(ms, fn, onError = () => {}) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    try {
      await fn();
    } catch (e) {
      onError(e);
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
