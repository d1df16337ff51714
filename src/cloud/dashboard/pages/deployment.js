// One deployment: its settings and content, the edge devices its condition targets, and for
// each whether the deployment is applied there (the twin's configurations.<id>) and how its
// agent took it (lastDesiredStatus of $edgeAgent for the current desired version).
import { api, enc, query, twinPath } from '../api.js';
import { badge, clear, every, h, pretty, statusLine } from '../ui.js';
import { statusBadge } from './edge_modules.js';

export function render(view, [id]) {
  const facts = h('div', { id: 'deployment-facts' });
  const devices = h('tbody', { id: 'deployment-devices' });
  const content = h('pre', { class: 'json', id: 'deployment-content' });
  const status = statusLine();
  const del = h('button', { class: 'danger', id: 'deployment-delete' }, 'Delete deployment');
  del.addEventListener('click', async () => {
    if (del.dataset.armed !== 'yes') {
      del.dataset.armed = 'yes';
      del.textContent = 'Confirm delete';
      return;
    }
    try {
      await api('DELETE', `/configurations/${enc(id)}`, undefined, { 'If-Match': '"*"' });
      location.hash = '#/deployments';
    } catch (e) {
      status.show(e.message, 'error');
    }
  });

  const refresh = async () => {
    const c = (await api('GET', `/configurations/${enc(id)}`)).data;
    const r = (c.systemMetrics && c.systemMetrics.results) || {};
    clear(facts,
      h('p', {}, 'Priority ', h('strong', {}, c.priority), ' · target ', h('code', {}, c.targetCondition)),
      h('p', {}, `Targeted ${r.targetedCount ?? 0} · applied ${r.appliedCount ?? 0} · ` +
        `reported successful ${r.reportedSuccessfulCount ?? 0} · reported failed ${r.reportedFailedCount ?? 0}`));
    if (!content.textContent) content.textContent = pretty(c.content);
    const where = c.targetCondition.trim() === '*' ? '' : ` AND (${c.targetCondition})`;
    const targeted = await query(`SELECT * FROM devices WHERE capabilities.iotEdge = true${where}`);
    const rows = [];
    // Each row asks for the device's $edgeAgent twin: the first 200 devices only.
    const shown = targeted.sort((a, b) => a.deviceId.localeCompare(b.deviceId)).slice(0, 200);
    for (const t of shown) {
      const applied = !!(t.configurations && t.configurations[id] && t.configurations[id].status === 'Applied');
      let agent = null;
      try {
        agent = (await api('GET', twinPath(t.deviceId, '$edgeAgent'))).data;
      } catch (_) { /* no agent twin yet */ }
      const reported = agent ? agent.properties.reported : {};
      const last = reported.lastDesiredStatus;
      const current = agent && reported.lastDesiredVersion === agent.properties.desired.$version;
      const failing = Object.entries(reported.modules || {}).filter(([, m]) => ['failed', 'backoff', 'unhealthy'].includes(m.runtimeStatus));
      rows.push(h('tr', { 'data-device': t.deviceId, 'data-applied': applied ? 'yes' : 'no', 'data-code': last && current ? last.code : '' },
        h('td', {}, h('a', { href: `#/devices/${enc(t.deviceId)}` }, t.deviceId)),
        h('td', {}, applied ? badge('applied', 'ok') : badge('not applied (another wins)', 'idle')),
        h('td', {}, last && current ? badge(`${last.code}`, last.code === 200 ? 'ok' : 'bad') : badge('waiting', 'idle'),
          ' ', last && current ? last.description || '' : ''),
        h('td', {}, failing.length ? failing.map(([n, m]) => h('span', {}, n, ' ', statusBadge(m.runtimeStatus), ' ')) : '')));
    }
    if (targeted.length > shown.length)
      rows.push(h('tr', {}, h('td', { colspan: 4, class: 'muted' }, `… and ${targeted.length - shown.length} more`)));
    clear(devices, rows.length ? rows : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No edge device matches the condition.')));
    status.show('');
  };

  clear(view,
    h('p', { class: 'crumbs' }, h('a', { href: '#/deployments' }, 'Deployments'), ' / ', id),
    h('section', { class: 'card' }, h('h1', {}, id), facts, status, del),
    h('section', { class: 'card' }, h('h2', {}, 'Targeted edge devices'),
      h('div', { class: 'table-wrap' }, h('table', { id: 'deployment-targets' },
        h('thead', {}, h('tr', {}, ['Device', 'This deployment', 'lastDesiredStatus', 'Failing modules'].map((t) => h('th', {}, t)))),
        devices))),
    h('section', { class: 'card' }, h('h2', {}, 'Content'), content));
  return every(3000, refresh, (e) => status.show(e.message, 'error'));
}
