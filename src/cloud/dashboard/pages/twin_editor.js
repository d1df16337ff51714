// A device's or module's twin: tags and desired properties to edit, reported properties to
// read. Saving sends a merge patch with If-Match set to the ETag the editor was loaded with,
// so a change someone else made in between is refused (412) and shown, not overwritten.
import { api, twinPath } from '../api.js';
import { clear, h, mergePatch, parseJsonField, pretty, statusLine, withoutMeta } from '../ui.js';

export function twinEditor(deviceId, moduleId) {
  let loaded = null;  // the twin the editor holds: its etag and properties
  const tags = h('textarea', { id: 'twin-tags', rows: 4, spellcheck: 'false', 'aria-label': 'Tags' });
  const desired = h('textarea', { id: 'twin-desired', rows: 8, spellcheck: 'false', 'aria-label': 'Desired properties' });
  const reported = h('pre', { id: 'twin-reported', class: 'json' });
  const meta = h('p', { class: 'muted', id: 'twin-meta' });
  const status = statusLine();
  status.id = 'twin-status';
  const save = h('button', { class: 'primary', id: 'twin-save' }, 'Save desired and tags');
  const reload = h('button', { id: 'twin-reload' }, 'Reload');

  const load = async () => {
    const r = await api('GET', twinPath(deviceId, moduleId));
    loaded = r.data;
    tags.value = pretty(loaded.tags || {});
    desired.value = pretty(withoutMeta(loaded.properties.desired));
    showReported(loaded);
    status.show('');
  };
  const showReported = (twin) => {
    reported.textContent = pretty(withoutMeta(twin.properties.reported));
    const changed = loaded && twin.etag !== loaded.etag;
    meta.textContent = `ETag ${twin.etag} · desired version ${twin.properties.desired.$version} · ` +
      `reported version ${twin.properties.reported.$version}` + (changed ? ' · changed since loaded' : '');
  };

  save.addEventListener('click', async () => {
    try {
      const newTags = parseJsonField(tags.value, 'Tags');
      const newDesired = parseJsonField(desired.value, 'Desired');
      const patch = {};
      const tagPatch = mergePatch(loaded.tags || {}, newTags);
      const desiredPatch = mergePatch(withoutMeta(loaded.properties.desired), newDesired);
      if (Object.keys(tagPatch).length) patch.tags = tagPatch;
      if (Object.keys(desiredPatch).length) patch.properties = { desired: desiredPatch };
      if (!Object.keys(patch).length) return status.show('Nothing changed.');
      save.disabled = true;
      const r = await api('PATCH', twinPath(deviceId, moduleId), patch, { 'If-Match': `"${loaded.etag}"` });
      loaded = r.data;
      tags.value = pretty(loaded.tags || {});
      desired.value = pretty(withoutMeta(loaded.properties.desired));
      showReported(loaded);
      status.show(`Saved: desired version ${loaded.properties.desired.$version}.`, 'ok');
    } catch (e) {
      if (e.status === 412) {
        status.show(`Conflict: the twin changed since it was loaded (ETag ${loaded.etag}). ` +
                    'Your edit was not saved; Reload to see the change, then edit again.', 'error conflict');
      } else {
        status.show(`Not saved: ${e.message}`, 'error');
      }
    } finally {
      save.disabled = false;
    }
  });
  reload.addEventListener('click', () => load().catch((e) => status.show(e.message, 'error')));

  const element = h('section', { class: 'card', id: 'twin' },
    h('h2', {}, moduleId ? `Module twin of ${moduleId}` : 'Device twin'), meta,
    h('div', { class: 'cols' },
      h('div', {}, h('h3', {}, 'Desired properties'), desired, h('h3', {}, 'Tags'), tags,
        h('div', { class: 'row' }, save, reload), status),
      h('div', {}, h('h3', {}, 'Reported properties'), reported)));
  return {
    element,
    load,
    // Live: the reported side and the ETag, without touching what the user is editing.
    refresh: async () => {
      const r = await api('GET', twinPath(deviceId, moduleId));
      showReported(r.data);
      return r.data;
    },
    clear: () => clear(element),
  };
}
