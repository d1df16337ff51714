// Telemetry: a live chart of the numeric fields of a device's messages (picked from the
// body automatically; each can be hidden), the latest messages with their properties, pause
// and resume; and history from the telemetry store (GET /events) for a chosen time range.
import { api, enc, followEvents } from '../api.js';
import { LineChart, numericFields } from '../chart.js';
import { clear, formatTime, h, statusLine } from '../ui.js';

const LATEST = 50;
const LIVE_WINDOW_MS = 5 * 60 * 1000;
const HISTORY_MAX = 20000;

function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

export function render(view, [deviceId]) {
  const chart = new LineChart({ windowMs: LIVE_WINDOW_MS });
  const devices = h('select', { id: 'telemetry-device', 'aria-label': 'Device' },
    h('option', { value: '' }, 'all devices'));
  const fields = h('div', { id: 'telemetry-fields', class: 'fields' });
  const latest = h('tbody', { id: 'telemetry-latest' });
  const status = statusLine();
  status.id = 'telemetry-status';
  const pause = h('button', { id: 'telemetry-pause' }, 'Pause');
  const from = h('input', { id: 'history-from', type: 'datetime-local', value: localInput(Date.now() - 3600000) });
  const to = h('input', { id: 'history-to', type: 'datetime-local', value: localInput(Date.now() + 60000) });
  const loadHistory = h('button', { id: 'history-load', type: 'submit' }, 'Show history');
  const live = h('button', { id: 'telemetry-live', type: 'button', hidden: true }, 'Back to live');
  const fieldBoxes = new Map();
  let messages = [];  // newest first, at most LATEST
  let held = [];      // arrived while paused
  let paused = false;
  let stop = null;
  let count = 0;

  const seriesName = (e, field) => (deviceId ? field : `${e.deviceId}${e.moduleId ? '/' + e.moduleId : ''}: ${field}`);

  const plot = (e) => {
    const t = new Date(e.enqueuedTime).getTime();
    for (const [field, v] of numericFields(e.body)) {
      const name = seriesName(e, field);
      chart.add(name, t, v);
      if (!fieldBoxes.has(name)) {
        const box = h('input', { type: 'checkbox', checked: chart.series.get(name).visible, 'data-field': name,
                                 onchange: () => chart.setVisible(name, box.checked) });
        fieldBoxes.set(name, box);
        fields.append(h('label', { class: 'inline field' }, h('span', { class: `swatch c${chart.series.get(name).color}` }), box, ' ', name));
      }
    }
  };
  const showLatest = () => {
    clear(latest, messages.length ? messages.map((e) => h('tr', { 'data-seq': e.sequenceNumber },
      h('td', { title: e.enqueuedTime }, formatTime(e.enqueuedTime)),
      h('td', {}, e.deviceId + (e.moduleId ? `/${e.moduleId}` : '')),
      h('td', { class: 'props' }, Object.entries(e.applicationProperties || {}).map(([k, v]) => h('span', { class: 'tag' }, `${k}=${v}`)),
        e.systemProperties && e.systemProperties.outputName ? h('span', { class: 'tag' }, `output=${e.systemProperties.outputName}`) : ''),
      h('td', { class: 'body' }, h('code', {}, typeof e.body === 'string' ? e.body : JSON.stringify(e.body)))))
      : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No messages yet.')));
  };
  const take = (e) => {
    count++;
    plot(e);
    messages.unshift(e);
    if (messages.length > LATEST) messages.length = LATEST;
  };
  const onEvent = (e) => {
    if (paused) {
      held.push(e);
      if (held.length > HISTORY_MAX) held.shift();
      status.show(`Paused: ${held.length} new message${held.length === 1 ? '' : 's'} waiting.`);
      return;
    }
    take(e);
    showLatest();
  };

  const startLive = () => {
    if (stop) stop();
    chart.clear();
    chart.setRange(null);
    fieldBoxes.clear();
    clear(fields);
    messages = [];
    held = [];
    showLatest();
    live.hidden = true;
    pause.hidden = false;
    // The last few minutes from the store first, so the chart is not empty, then live.
    stop = followEvents({
      deviceId, from: new Date(Date.now() - LIVE_WINDOW_MS).toISOString(), onEvent,
      onState: (state, e) => {
        if (state === 'live') status.show(paused ? 'Paused.' : 'Live.', 'ok');
        else status.show(`Stream ${state}${e ? ': ' + e.message : ''}`, 'error');
      },
    });
  };

  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.classList.toggle('primary', paused);
    if (paused) {
      status.show('Paused.');
      return;
    }
    for (const e of held) take(e);
    held = [];
    showLatest();
    status.show('Live.', 'ok');
  });

  const historyForm = h('form', { class: 'row', id: 'history-form' },
    h('label', {}, 'From', from), h('label', {}, 'To', to), loadHistory, live);
  historyForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t0 = new Date(from.value).getTime();
    const t1 = new Date(to.value).getTime();
    if (!(t1 > t0)) return status.show('History: "To" must be after "From".', 'error');
    if (stop) stop();
    stop = null;
    chart.clear();
    fieldBoxes.clear();
    clear(fields);
    messages = [];
    pause.hidden = true;
    live.hidden = false;
    status.show('Reading history…');
    let next = new Date(t0).toISOString();
    let read = 0;
    try {
      // Pages of up to 1000 from the store, in order, until past the range's end.
      outer: for (;;) {
        const q = new URLSearchParams({ from: String(next), limit: '1000' });
        if (deviceId) q.set('deviceId', deviceId);
        const page = (await api('GET', `/events?${q}`)).data;
        for (const e of page.events) {
          if (new Date(e.enqueuedTime).getTime() > t1 || read >= HISTORY_MAX) break outer;
          take(e);
          read++;
        }
        if (page.events.length < 1000) break;
        next = page.next;
      }
      chart.setRange([t0, t1]);
      showLatest();
      status.show(`History: ${read} message${read === 1 ? '' : 's'} from ${formatTime(new Date(t0).toISOString())} ` +
                  `to ${formatTime(new Date(t1).toISOString())}${read >= HISTORY_MAX ? ' (first ' + HISTORY_MAX + ')' : ''}.`, 'ok');
    } catch (e) {
      status.show(`History: ${e.message}`, 'error');
    }
  });
  live.addEventListener('click', startLive);
  devices.addEventListener('change', () => { location.hash = devices.value ? `#/telemetry/${enc(devices.value)}` : '#/telemetry'; });

  clear(view,
    h('section', { class: 'card' },
      h('div', { class: 'title-row' }, h('h1', {}, 'Telemetry'), devices, pause),
      status,
      h('div', { class: 'chart-wrap' }, chart.svg),
      fields,
      historyForm),
    h('section', { class: 'card' }, h('h2', {}, `Latest ${LATEST} messages`),
      h('div', { class: 'table-wrap' }, h('table', { id: 'telemetry-table' },
        h('thead', {}, h('tr', {}, ['Enqueued', 'From', 'Properties', 'Body'].map((t) => h('th', {}, t)))), latest))));

  api('GET', '/devices?top=1000').then((r) => {
    for (const d of (r.data || []).map((x) => x.deviceId).sort())
      devices.append(h('option', { value: d, selected: d === deviceId }, d));
  }).catch((e) => status.show(`Devices: ${e.message}`, 'error'));
  startLive();
  // Live: slide the time window even when nothing arrives.
  const tick = setInterval(() => { if (!chart.range) chart.redraw(); }, 1000);
  return () => {
    clearInterval(tick);
    if (stop) stop();
  };
}
