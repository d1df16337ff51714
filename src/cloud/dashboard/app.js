// The dashboard's entry: sign-in, the header, and the hash router (#/devices, #/devices/d1,
// #/devices/d1/modules/m, #/telemetry/d1, #/deployments, #/deployments/id). Each page is a
// module whose render(view, params) returns a cleanup function (timers, live streams).
import { signedIn, signOut } from './api.js';
import { clear, h } from './ui.js';

const routes = [
  [/^#\/devices\/([^/]+)\/modules\/([^/]+)$/, 'module', './pages/module.js'],
  [/^#\/devices\/([^/]+)$/, 'devices', './pages/device.js'],
  [/^#\/devices$/, 'devices', './pages/devices.js'],
  [/^#\/telemetry(?:\/([^/]+))?$/, 'telemetry', './pages/telemetry.js'],
  [/^#\/deployments\/([^/]+)$/, 'deployments', './pages/deployment.js'],
  [/^#\/deployments$/, 'deployments', './pages/deployments.js'],
];

const view = document.getElementById('view');
let cleanup = null;
let generation = 0;

async function show() {
  const mine = ++generation;
  if (cleanup) cleanup();
  cleanup = null;
  const who = signedIn();
  document.getElementById('nav').hidden = !who;
  document.getElementById('sign-out').hidden = !who;
  document.getElementById('who').textContent = who ? `${who.policy}@${who.hostname}` : '';
  if (!who) {
    const page = await import('./pages/signin.js');
    if (mine === generation) cleanup = page.render(view, { onSignedIn: () => route() });
    return;
  }
  const hash = location.hash || '#/devices';
  for (const [pattern, section, module] of routes) {
    const m = pattern.exec(hash);
    if (!m) continue;
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.section === section);
    const page = await import(module);
    if (mine !== generation) return;
    clear(view);
    cleanup = page.render(view, m.slice(1).map((p) => (p === undefined ? undefined : decodeURIComponent(p)))) || null;
    return;
  }
  clear(view, h('p', {}, 'No page here. '), h('a', { href: '#/devices' }, 'Devices'));
}

function route() {
  if (!location.hash) location.hash = '#/devices';
  else show();
}

document.getElementById('sign-out').addEventListener('click', () => {
  signOut();
  show();
});
window.addEventListener('hashchange', show);
route();
