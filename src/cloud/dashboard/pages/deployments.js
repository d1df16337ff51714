// Deployments at scale: the list with how many edge devices each targets and applied, and a
// form to create one from a manifest (pasted or uploaded) with a target condition and a priority.
import { api, enc } from '../api.js';
import { clear, every, formatTime, h, parseJsonField, statusLine } from '../ui.js';

// A manifest as people keep them: {"modulesContent": {...}} (what `iotedge` tooling writes),
// {"content": {"modulesContent": ...}} (a whole configuration), or the modulesContent itself.
export function modulesContentOf(manifest) {
  if (manifest.content && manifest.content.modulesContent) return manifest.content.modulesContent;
  if (manifest.modulesContent) return manifest.modulesContent;
  if (manifest.$edgeAgent) return manifest;
  throw new Error('the manifest has no modulesContent (nor $edgeAgent)');
}

export function render(view) {
  const body = h('tbody', { id: 'deployments-body' });
  const listStatus = statusLine();
  const refresh = async () => {
    const list = (await api('GET', '/configurations')).data || [];
    list.sort((a, b) => b.priority - a.priority || a.id.localeCompare(b.id));
    clear(body, list.length ? list.map((c) => {
      const r = (c.systemMetrics && c.systemMetrics.results) || {};
      return h('tr', { 'data-deployment': c.id },
        h('td', {}, h('a', { href: `#/deployments/${enc(c.id)}` }, c.id)),
        h('td', {}, c.priority),
        h('td', {}, h('code', {}, c.targetCondition)),
        h('td', { 'data-metric': 'targeted' }, r.targetedCount ?? ''),
        h('td', { 'data-metric': 'applied' }, r.appliedCount ?? ''),
        h('td', { 'data-metric': 'succeeded' }, r.reportedSuccessfulCount ?? ''),
        h('td', { 'data-metric': 'failed' }, r.reportedFailedCount ?? ''),
        h('td', {}, formatTime(c.createdTimeUtc)));
    }) : h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No deployments yet.')));
    listStatus.show('');
  };

  const id = h('input', { id: 'deployment-id', required: true, placeholder: 'e.g. plant1-sensors' });
  const condition = h('input', { id: 'deployment-condition', required: true, class: 'grow', value: "tags.site = 'plant-1'", spellcheck: 'false' });
  const priority = h('input', { id: 'deployment-priority', type: 'number', min: 0, value: 10 });
  const manifest = h('textarea', { id: 'deployment-manifest', rows: 12, spellcheck: 'false', required: true,
                                   placeholder: '{"modulesContent": {"$edgeAgent": {"properties.desired": {...}}, "$edgeHub": {...}}}' });
  const upload = h('input', { id: 'deployment-file', type: 'file', accept: '.json,application/json' });
  upload.addEventListener('change', async () => {
    if (upload.files[0]) manifest.value = await upload.files[0].text();
  });
  const createStatus = statusLine();
  createStatus.id = 'deployment-status';
  const form = h('form', { id: 'deployment-form' },
    h('div', { class: 'row' }, h('label', {}, 'Id', id), h('label', {}, 'Priority', priority)),
    h('label', {}, 'Target condition (the query language; * for every edge device)', condition),
    h('label', {}, 'Deployment manifest (paste, or choose a file)', manifest), upload,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Create deployment')), createStatus);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const modulesContent = modulesContentOf(parseJsonField(manifest.value, 'The manifest'));
      const name = id.value.trim();
      await api('PUT', `/configurations/${enc(name)}`, {
        id: name, content: { modulesContent }, targetCondition: condition.value.trim(), priority: Number(priority.value) || 0,
        labels: {} });
      createStatus.show(`Created ${name}.`, 'ok');
      location.hash = `#/deployments/${enc(name)}`;
    } catch (err) {
      createStatus.show(`Not created: ${err.message}`, 'error');
    }
  });

  clear(view,
    h('section', { class: 'card' }, h('h1', {}, 'Deployments'), listStatus,
      h('div', { class: 'table-wrap' }, h('table', { id: 'deployments' },
        h('thead', {}, h('tr', {}, ['Id', 'Priority', 'Target condition', 'Targeted', 'Applied', 'Succeeded', 'Failed', 'Created']
          .map((t) => h('th', {}, t)))), body))),
    h('section', { class: 'card' }, h('h2', {}, 'New deployment'), form));
  return every(3000, refresh, (e) => listStatus.show(e.message, 'error'));
}
