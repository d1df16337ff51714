// Sign-in with a shared access policy (name + key, or a whole connection string). The cloud
// checks it; nothing is kept unless it accepts.
import { parseConnectionString, signIn } from '../api.js';
import { clear, h, statusLine } from '../ui.js';

export function render(view, { onSignedIn }) {
  const hostname = h('input', { id: 'signin-hostname', name: 'hostname', required: true, value: location.hostname,
                                autocomplete: 'off', spellcheck: 'false' });
  const policy = h('input', { id: 'signin-policy', name: 'policy', required: true, value: 'iothubowner', autocomplete: 'username' });
  const key = h('input', { id: 'signin-key', name: 'key', type: 'password', required: true, autocomplete: 'current-password' });
  const status = statusLine();
  // A pasted connection string fills all three fields.
  key.addEventListener('input', () => {
    const cs = parseConnectionString(key.value);
    if (!cs) return;
    hostname.value = cs.hostname;
    policy.value = cs.policy;
    key.value = cs.key;
  });
  const button = h('button', { type: 'submit', class: 'primary', id: 'signin-submit' }, 'Sign in');
  const form = h('form', { class: 'card signin', id: 'signin-form' },
    h('h1', {}, 'Sign in to outpost-cloud'),
    h('p', { class: 'muted' }, 'With a shared access policy of this cloud, e.g. iothubowner. ',
      'Paste its connection string into the key field, or get it with ',
      h('code', {}, 'outpost-cloud --config cloud.yaml --print-connection-string iothubowner'), '. ',
      'The key stays in this browser tab (session storage) and signs a token for every call.'),
    h('label', {}, 'Hub host name', hostname),
    h('label', {}, 'Policy', policy),
    h('label', {}, 'Key (or connection string)', key),
    button, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    status.show('Checking…');
    try {
      await signIn({ hostname: hostname.value.trim(), policy: policy.value.trim(), key: key.value.trim() });
      onSignedIn();
    } catch (err) {
      status.show(`Sign-in refused: ${err.message}`, 'error');
      button.disabled = false;
    }
  });
  clear(view, form);
  key.focus();
  return null;
}
