// The dashboard's pure logic in Node, without a browser: JSON merge patches for twin edits,
// picking numeric fields from telemetry bodies, chart ticks' input, connection strings,
// and deployment manifests in the shapes people keep them.
//   usage: node --test dashboard_units_test.js
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { pathToFileURL } = require('url');

const dashboard = path.join(__dirname, '..', '..', 'src', 'cloud', 'dashboard');
const load = (file) => import(pathToFileURL(path.join(dashboard, file)).href);

test('mergePatch: changed and added keys, removed keys as null, nested objects merged, $ fields left alone', async () => {
  const { mergePatch } = await load('ui.js');
  assert.deepStrictEqual(mergePatch({ a: 1, b: 2, $version: 4 }, { a: 1, c: 3 }), { b: null, c: 3 });
  assert.deepStrictEqual(mergePatch({ m: { x: 1, y: 2 } }, { m: { x: 1, y: 3 } }), { m: { y: 3 } });
  assert.deepStrictEqual(mergePatch({ m: { x: 1 } }, { m: 5 }), { m: 5 });
  assert.deepStrictEqual(mergePatch({ list: [1, 2] }, { list: [1, 2] }), {});
  assert.deepStrictEqual(mergePatch({ list: [1, 2] }, { list: [2] }), { list: [2] });
  assert.deepStrictEqual(mergePatch({}, {}), {});
});

test('withoutMeta drops $version and $metadata', async () => {
  const { withoutMeta } = await load('ui.js');
  assert.deepStrictEqual(withoutMeta({ $version: 3, $metadata: {}, a: 1 }), { a: 1 });
});

test('numericFields: numbers at any depth (to 4), by dotted path; strings, booleans and arrays skipped', async () => {
  const { numericFields } = await load('chart.js');
  assert.deepStrictEqual(numericFields({ temperature: 21.5, label: 'x', on: true, machine: { pressure: 1.2, list: [1] } }),
    [['temperature', 21.5], ['machine.pressure', 1.2]]);
  assert.deepStrictEqual(numericFields(42), [['value', 42]]);
  assert.deepStrictEqual(numericFields('hello'), []);
  assert.deepStrictEqual(numericFields({ n: NaN, i: Infinity }), []);
  assert.deepStrictEqual(numericFields({ a: { b: { c: { d: { e: 1 } } } } }), []);
});

test('parseConnectionString: host, policy and key from a service connection string, in any case and order', async () => {
  const { parseConnectionString } = await load('api.js');
  assert.deepStrictEqual(parseConnectionString('HostName=h.local;SharedAccessKeyName=iothubowner;SharedAccessKey=abc=='),
    { hostname: 'h.local', policy: 'iothubowner', key: 'abc==' });
  assert.deepStrictEqual(parseConnectionString(' sharedaccesskey=k=;HOSTNAME=h;SharedAccessKeyName=p; '), { hostname: 'h', policy: 'p', key: 'k=' });
  assert.strictEqual(parseConnectionString('just-a-key=='), null);
  assert.strictEqual(parseConnectionString('HostName=h;DeviceId=d;SharedAccessKey=k'), null);
});

test('modulesContentOf: a manifest, a whole configuration, or the modulesContent itself', async () => {
  const { modulesContentOf } = await load('pages/deployments.js');
  const mc = { $edgeAgent: { 'properties.desired': {} }, $edgeHub: { 'properties.desired': {} } };
  assert.strictEqual(modulesContentOf({ modulesContent: mc }), mc);
  assert.strictEqual(modulesContentOf({ id: 'x', content: { modulesContent: mc } }), mc);
  assert.strictEqual(modulesContentOf(mc), mc);
  assert.throws(() => modulesContentOf({ routes: {} }), /no modulesContent/);
});
