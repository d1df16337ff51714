// Direct methods: a name, a JSON payload and a timeout; shows the device's answer.
import { invoke } from '../api.js';
import { h, parseJsonField, pretty, statusLine } from '../ui.js';

export function methodPanel(deviceId, moduleId) {
  const name = h('input', { id: 'method-name', required: true, placeholder: 'method name, e.g. reboot' });
  const payload = h('textarea', { id: 'method-payload', rows: 3, spellcheck: 'false', 'aria-label': 'Payload' }, '{}');
  const timeout = h('input', { id: 'method-timeout', type: 'number', min: 5, max: 300, value: 30 });
  const answer = h('pre', { id: 'method-answer', class: 'json', hidden: true });
  const status = statusLine();
  status.id = 'method-status';
  const form = h('form', { id: 'method-form' },
    h('div', { class: 'row' }, h('label', { class: 'grow' }, 'Method', name), h('label', {}, 'Timeout (s)', timeout)),
    h('label', {}, 'Payload (JSON)', payload),
    h('button', { type: 'submit', class: 'primary' }, 'Invoke'), status, answer);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    answer.hidden = true;
    try {
      const body = parseJsonField(payload.value, 'Payload');
      status.show(`Invoking ${name.value}…`);
      const r = await invoke(deviceId, moduleId, name.value.trim(), body, Number(timeout.value) || 30);
      status.show(`Answered with status ${r.status}`, r.status >= 200 && r.status < 300 ? 'ok' : 'error');
      answer.textContent = pretty(r.payload);
      answer.hidden = false;
    } catch (err) {
      status.show(`${name.value}: ${err.message}`, 'error');
    }
  });
  return h('section', { class: 'card', id: 'methods' }, h('h2', {}, 'Direct method'), form);
}
