// Devices: every device with its connection state, last activity, edge or not and tags;
// search with the query language; create and delete. Refreshes every few seconds.
import { api, enc, query } from '../api.js';
import { ago, badge, clear, connectionBadge, every, h, statusLine } from '../ui.js';

const DEFAULT_QUERY = 'SELECT * FROM devices';
const REFRESH_MS = 2000;

export function render(view) {
  const saved = sessionStorage.getItem('outpost.devices.query') || DEFAULT_QUERY;
  const search = h('input', { id: 'device-query', class: 'grow', value: saved, spellcheck: 'false',
                              'aria-label': 'Query', placeholder: "SELECT * FROM devices WHERE tags.site = 'plant-1'" });
  const searchStatus = statusLine();
  const body = h('tbody', { id: 'devices-body' });
  const count = h('span', { class: 'muted', id: 'devices-count' });
  let current = saved;
  const armed = new Set();  // devices whose Delete was clicked once (rows are redrawn every refresh)

  const refresh = async () => {
    const rows = await query(current);
    searchStatus.show('');
    rows.sort((a, b) => String(a.deviceId).localeCompare(String(b.deviceId)));
    count.textContent = `${rows.length} device${rows.length === 1 ? '' : 's'}`;
    clear(body, rows.length ? rows.map(row) : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No devices match.')));
  };
  const row = (t) => {
    if (!t.deviceId) return h('tr', {}, h('td', { colspan: 7 }, h('code', {}, JSON.stringify(t))));
    const del = h('button', { class: 'link danger', 'data-delete': t.deviceId }, armed.has(t.deviceId) ? 'Confirm delete' : 'Delete');
    del.addEventListener('click', async () => {
      // Two clicks: the first asks, the second deletes.
      if (!armed.has(t.deviceId)) {
        armed.add(t.deviceId);
        del.textContent = 'Confirm delete';
        return;
      }
      armed.delete(t.deviceId);
      del.disabled = true;
      try {
        await api('DELETE', `/devices/${enc(t.deviceId)}`, undefined, { 'If-Match': '"*"' });
        await refresh();
      } catch (e) {
        searchStatus.show(`Delete ${t.deviceId}: ${e.message}`, 'error');
      }
    });
    const tags = Object.entries(t.tags || {}).map(([k, v]) => h('span', { class: 'tag' }, `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`));
    return h('tr', { 'data-device': t.deviceId, 'data-state': t.connectionState },
      h('td', {}, h('a', { href: `#/devices/${enc(t.deviceId)}` }, t.deviceId)),
      h('td', {}, connectionBadge(t.connectionState)),
      h('td', { title: t.lastActivityTime || '' }, ago(t.lastActivityTime)),
      h('td', {}, t.capabilities && t.capabilities.iotEdge ? badge('edge', 'info') : ''),
      h('td', {}, t.status === 'disabled' ? badge('disabled', 'warn') : 'enabled'),
      h('td', { class: 'tags' }, tags),
      h('td', { class: 'actions' }, del));
  };

  const searchForm = h('form', { class: 'row', id: 'device-search' }, search,
    h('button', { type: 'submit', class: 'primary' }, 'Search'),
    h('button', { type: 'button', onclick: () => { search.value = DEFAULT_QUERY; searchForm.requestSubmit(); } }, 'All'));
  searchForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    current = search.value.trim() || DEFAULT_QUERY;
    sessionStorage.setItem('outpost.devices.query', current);
    try {
      await refresh();
    } catch (err) {
      searchStatus.show(`Query refused: ${err.message}`, 'error');
    }
  });

  const newId = h('input', { id: 'new-device-id', required: true, placeholder: 'device id' });
  const newEdge = h('input', { id: 'new-device-edge', type: 'checkbox' });
  const createStatus = statusLine();
  const createForm = h('form', { class: 'row', id: 'device-create' }, newId,
    h('label', { class: 'inline' }, newEdge, ' IoT Edge device'),
    h('button', { type: 'submit', class: 'primary' }, 'Create'));
  createForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = newId.value.trim();
    try {
      const r = await api('PUT', `/devices/${enc(id)}`, { deviceId: id, capabilities: { iotEdge: newEdge.checked } });
      const key = r.data.authentication && r.data.authentication.symmetricKey && r.data.authentication.symmetricKey.primaryKey;
      createStatus.show(`Created ${id}.` + (key ? ` Its primary key: ${key}` : ''), 'ok');
      newId.value = '';
      await refresh();
    } catch (err) {
      createStatus.show(`Create ${id}: ${err.message}`, 'error');
    }
  });

  clear(view,
    h('section', { class: 'card' },
      h('div', { class: 'title-row' }, h('h1', {}, 'Devices'), count),
      searchForm, searchStatus,
      h('div', { class: 'table-wrap' }, h('table', { id: 'devices' },
        h('thead', {}, h('tr', {}, ['Device', 'State', 'Last activity', 'Edge', 'Status', 'Tags', ''].map((t) => h('th', {}, t)))),
        body))),
    h('section', { class: 'card' }, h('h2', {}, 'New device'), createForm, createStatus));
  return every(REFRESH_MS, refresh, (e) => searchStatus.show(`Query refused: ${e.message}`, 'error'));
}
