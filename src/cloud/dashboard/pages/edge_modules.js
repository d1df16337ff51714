// An edge device's modules as `iotedge list` shows them, from $edgeAgent's reported
// properties (runtime status, exit code, restart count, last start), with how the agent took
// the last deployment (lastDesiredStatus) and each module's logs through the agent's
// GetModuleLogs direct method.
import { api, enc, invoke, twinPath } from '../api.js';
import { ago, badge, clear, h, statusLine } from '../ui.js';

// Runtime statuses that mean trouble (IoT Edge's: failed, backoff, unhealthy).
const BAD = new Set(['failed', 'backoff', 'unhealthy', 'dead']);

export function statusBadge(status) {
  if (!status) return badge('unknown', 'idle');
  if (status === 'running') return badge(status, 'ok');
  if (BAD.has(status)) return badge(status, 'bad');
  return badge(status, 'warn');
}

function escapeRegex(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function edgeModules(deviceId) {
  const summary = h('div', { id: 'agent-summary', class: 'muted' }, 'Waiting for $edgeAgent to report…');
  const body = h('tbody', { id: 'edge-modules-body' });
  const logs = h('pre', { id: 'module-logs', class: 'logs', hidden: true });
  const logStatus = statusLine();

  const showLogs = async (name) => {
    logStatus.show(`Asking $edgeAgent for the logs of ${name}…`);
    logs.hidden = true;
    try {
      const r = await invoke(deviceId, '$edgeAgent', 'GetModuleLogs', {
        schemaVersion: '1.0', items: [{ id: `^${escapeRegex(name)}$`, filter: { tail: 200 } }], encoding: 'none', contentType: 'text' });
      if (r.status !== 200) throw new Error(`GetModuleLogs answered ${r.status}: ${JSON.stringify(r.payload)}`);
      const items = Array.isArray(r.payload) ? r.payload : [];
      logs.textContent = items.map((i) => (typeof i.payload === 'string' ? i.payload : JSON.stringify(i.payload, null, 1))).join('\n') || '(no lines)';
      logs.hidden = false;
      logStatus.show(`Logs of ${name} (last 200 lines)`, 'ok');
    } catch (e) {
      logStatus.show(`Logs of ${name}: ${e.message}`, 'error');
    }
  };

  const row = (name, m, system, desiredModule) => h('tr', { 'data-module': name, 'data-status': m.runtimeStatus || 'unknown' },
    h('td', {}, system ? h('span', {}, name, ' ', badge('system', 'info'))
                       : h('a', { href: `#/devices/${enc(deviceId)}/modules/${enc(name)}` }, name)),
    h('td', {}, (desiredModule && desiredModule.status) || m.status || (system ? 'running' : '')),
    h('td', {}, statusBadge(m.runtimeStatus)),
    h('td', {}, m.exitCode ?? ''),
    h('td', {}, m.restartCount ?? ''),
    h('td', { title: m.lastStartTimeUtc || '' }, m.lastStartTimeUtc ? ago(m.lastStartTimeUtc) : ''),
    h('td', { class: 'description' }, m.statusDescription || ''),
    h('td', {}, h('button', { class: 'link', 'data-logs': name, onclick: () => showLogs(name) }, 'Logs')));

  const refresh = async () => {
    let twin;
    try {
      twin = (await api('GET', twinPath(deviceId, '$edgeAgent'))).data;
    } catch (e) {
      summary.textContent = `$edgeAgent: ${e.message}`;
      return;
    }
    const reported = twin.properties.reported || {};
    const desired = twin.properties.desired || {};
    const last = reported.lastDesiredStatus;
    if (!last && !reported.modules) {
      clear(summary, 'The agent has not reported yet (is the device running outpostd or IoT Edge?).');
    } else {
      const ok = last && last.code === 200;
      clear(summary,
        'Last deployment: ', last ? badge(`${last.code}`, ok ? 'ok' : 'bad') : badge('none', 'idle'), ' ',
        h('span', { id: 'agent-last-status' }, last ? last.description || (ok ? 'OK' : '') : ''),
        ` · applied desired version ${reported.lastDesiredVersion ?? '?'} of ${desired.$version ?? '?'}`,
        reported.version && reported.version.version ? ` · ${reported.version.version}` : '');
    }
    const rows = [];
    for (const [name, m] of Object.entries(reported.systemModules || {}))
      rows.push(row(name, m, true, (desired.systemModules || {})[name]));
    for (const [name, m] of Object.entries(reported.modules || {}).sort(([a], [b]) => a.localeCompare(b)))
      rows.push(row(name, m, false, (desired.modules || {})[name]));
    // Modules a deployment asks for that the agent has not reported yet.
    for (const name of Object.keys(desired.modules || {}))
      if (!(reported.modules || {})[name]) rows.push(row(name, { runtimeStatus: 'pending' }, false, desired.modules[name]));
    clear(body, rows.length ? rows : h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No modules reported.')));
  };

  const element = h('section', { class: 'card', id: 'edge-modules' },
    h('h2', {}, 'Modules (as $edgeAgent reports them)'), summary,
    h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Module', 'Desired', 'Runtime status', 'Exit code', 'Restarts', 'Last start', 'Description', '']
        .map((t) => h('th', {}, t)))),
      body)),
    logStatus, logs);
  return { element, refresh };
}
