// One module of a device: its connection, its module twin (edit desired), direct methods.
import { api, enc } from '../api.js';
import { ago, clear, connectionBadge, every, h, statusLine } from '../ui.js';
import { methodPanel } from './methods.js';
import { twinEditor } from './twin_editor.js';

export function render(view, [deviceId, moduleId]) {
  const facts = h('p', { id: 'module-facts', class: 'facts' });
  const status = statusLine();
  const twin = twinEditor(deviceId, moduleId);
  clear(view,
    h('p', { class: 'crumbs' }, h('a', { href: '#/devices' }, 'Devices'), ' / ',
      h('a', { href: `#/devices/${enc(deviceId)}` }, deviceId), ' / ', moduleId),
    h('section', { class: 'card' }, h('h1', {}, `${deviceId} / ${moduleId}`), facts, status),
    twin.element, methodPanel(deviceId, moduleId));
  twin.load().catch((e) => status.show(e.message, 'error'));
  return every(2000, async () => {
    const m = (await api('GET', `/devices/${enc(deviceId)}/modules/${enc(moduleId)}`)).data;
    clear(facts, connectionBadge(m.connectionState), ` last activity ${ago(m.lastActivityTime)}`,
      m.managedBy ? ` · managed by ${m.managedBy}` : '');
    await twin.refresh();
  }, (e) => status.show(e.message, 'error'));
}
