// One device: its identity and connection, its twin (edit desired and tags), its module
// identities, for an edge device the modules as its agent reports them, and direct methods.
import { api, enc } from '../api.js';
import { ago, badge, clear, connectionBadge, every, h, statusLine } from '../ui.js';
import { edgeModules } from './edge_modules.js';
import { methodPanel } from './methods.js';
import { twinEditor } from './twin_editor.js';

const REFRESH_MS = 2000;

export function render(view, [deviceId]) {
  const head = h('div', { class: 'title-row' }, h('h1', {}, deviceId));
  const facts = h('p', { id: 'device-facts', class: 'facts' });
  const status = statusLine();
  const identities = h('tbody', { id: 'module-identities' });
  const twin = twinEditor(deviceId);
  let edge = null;

  clear(view,
    h('p', { class: 'crumbs' }, h('a', { href: '#/devices' }, 'Devices'), ' / ', deviceId),
    h('section', { class: 'card' }, head, facts, status,
      h('p', {}, h('a', { href: `#/telemetry/${enc(deviceId)}`, id: 'device-telemetry-link' }, 'Telemetry of this device →'))),
    twin.element);

  const refreshDevice = async () => {
    const d = (await api('GET', `/devices/${enc(deviceId)}`)).data;
    clear(facts,
      h('span', { id: 'device-state', 'data-state': d.connectionState }, connectionBadge(d.connectionState)), ' ',
      d.capabilities && d.capabilities.iotEdge ? badge('IoT Edge', 'info') : badge('device', 'idle'), ' ',
      d.status === 'enabled' ? '' : badge('disabled', 'warn'),
      ` last activity ${ago(d.lastActivityTime)} · authentication ${d.authentication ? d.authentication.type : '?'}`);
    if (d.capabilities && d.capabilities.iotEdge && !edge) {
      edge = edgeModules(deviceId);
      view.insertBefore(edge.element, twin.element);
    }
    if (edge) await edge.refresh();
    const modules = (await api('GET', `/devices/${enc(deviceId)}/modules`)).data || [];
    clear(identities, modules.length
      ? modules.map((m) => h('tr', { 'data-module-identity': m.moduleId },
        h('td', {}, h('a', { href: `#/devices/${enc(deviceId)}/modules/${enc(m.moduleId)}` }, m.moduleId)),
        h('td', {}, connectionBadge(m.connectionState)),
        h('td', {}, ago(m.lastActivityTime)),
        h('td', {}, m.managedBy || '')))
      : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No module identities.')));
    await twin.refresh();
  };

  view.append(
    h('section', { class: 'card' }, h('h2', {}, 'Module identities'),
      h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, ['Module', 'State', 'Last activity', 'Managed by'].map((t) => h('th', {}, t)))),
        identities))),
    methodPanel(deviceId));
  twin.load().catch((e) => status.show(e.message, 'error'));
  return every(REFRESH_MS, refreshDevice, (e) => status.show(e.message, 'error'));
}
