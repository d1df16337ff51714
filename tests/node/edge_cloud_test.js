// outpost-hub linked to outpost-cloud, with the official Node SDK as modules:
// - the $edgeHub twin (routes) comes from the cloud; modules authenticate from the cloud's
//   device scope (the hub's identities file is empty);
// - telemetry routed to $upstream lands in the cloud with its ids and properties;
// - leaf devices through the hub: C2D to one on MQTT; one on AMQP (azure-iot-device-amqp)
//   sends telemetry that reaches the cloud and gets a C2D message back;
// - a desired patch made through the cloud's REST API reaches the module, and its reported
//   patch is visible through the REST API;
// - offline: the cloud is stopped, A keeps publishing (high and low priority, and some with a
//   2 s TTL), the hub is kill -9'd and restarted while offline (modules authenticate from the
//   encrypted cache), the cloud comes back: every message arrives, all high-priority ones
//   before any low-priority one, the expired ones are counted and never delivered.
// With `amqp`, the hub's cloud link is AMQP (upstream protocol Amqp): every identity on ONE
// connection to the cloud, the same scenario passing unchanged. `amqpws`: the same in a
// WebSocket over TLS (AmqpWs), to the cloud's `wss` listener.
//   usage: node edge_cloud_test.js <outpost-hub> <outpost-cloud> [mqtt|amqp|amqpws]
'use strict';
const { Client: DeviceClient, ModuleClient, Message } = require('azure-iot-device');
const { Mqtt } = require('azure-iot-device-mqtt');
const { Amqp } = require('azure-iot-device-amqp');
const fs = require('fs');
const h = require('./lib/harness');

const [hubBinary, cloudBinary, upstreamProtocol = 'mqtt'] = process.argv.slice(2);
const amqpUpstream = upstreamProtocol.startsWith('amqp');
const webSocketUpstream = upstreamProtocol === 'amqpws';
const protocolName = { mqtt: 'Mqtt', amqp: 'Amqp', amqpws: 'AmqpWs' }[upstreamProtocol];
if (!protocolName) throw new Error(`unknown upstream protocol '${upstreamProtocol}'`);
const dir = h.tempDir('outpost-edge-cloud');
const certs = h.makeCertificates(dir);
const hostname = 'cloud.test';
const deviceId = 'edge1';
const cloud = new h.Cloud({ binary: cloudBinary, dir, hostname, certs,
  listen: { mqtts: '127.0.0.1:0', amqps: '127.0.0.1:0', http: '127.0.0.1:0', ...(webSocketUpstream ? { wss: '127.0.0.1:0' } : {}) } });
let hub;
const clients = {};
const keys = {};
const inboxB = [];
const desiredSeen = [];
const counts = { hi: 10, lo: 10, ttl: 10, hiAfterRestart: 10 };

async function openModule(name) {
  const cs = `HostName=${hostname};DeviceId=${deviceId};ModuleId=${name};SharedAccessKey=${keys[name]};` +
             `GatewayHostName=127.0.0.1:${hub.ports.mqtts}`;
  const client = ModuleClient.fromConnectionString(cs, Mqtt);
  await client.setOptions({ ca: fs.readFileSync(certs.ca, 'utf8') });
  await h.withTimeout(`module ${name} to connect`, client.open(), 20000);
  clients[name] = client;
  return client;
}

async function send(output, id) {
  const message = new Message(JSON.stringify({ id }));
  message.messageId = id;
  message.contentType = 'application/json';
  message.contentEncoding = 'utf-8';
  message.properties.add('kind', output);
  await h.withTimeout(`send ${id}`, clients.A.sendOutputEvent(output, message), 20000);
}

async function cloudEvents() {
  const r = await cloud.api('GET', `/events?from=start&deviceId=${deviceId}&limit=1000`);
  if (r.status !== 200) throw new Error('events: ' + r.text);
  return r.body.events;
}

async function hubStatus() {
  const r = await hub.api('GET', '/status');
  return r.body;
}

h.runSteps(`edge+cloud/${upstreamProtocol}`, [
  ['cloud starts; edge device, modules and $edgeHub routes are registered through the REST API', async () => {
    await cloud.start();
    let r = await cloud.api('PUT', `/devices/${deviceId}`, { deviceId, capabilities: { iotEdge: true } });
    if (r.status !== 200) throw new Error('create edge: ' + r.text);
    r = await cloud.api('GET', `/devices/${deviceId}/modules/$edgeHub`);
    keys.$edgeHub = r.body.authentication.symmetricKey.primaryKey;
    const edge = (await cloud.api('GET', `/devices/${deviceId}`)).body;
    r = await cloud.api('PUT', '/devices/leaf1', { deviceId: 'leaf1', deviceScope: edge.deviceScope });
    if (r.status !== 200) throw new Error('create leaf1: ' + r.text);
    keys.leaf1 = r.body.authentication.symmetricKey.primaryKey;
    r = await cloud.api('PUT', '/devices/leaf2', { deviceId: 'leaf2', deviceScope: edge.deviceScope });
    if (r.status !== 200) throw new Error('create leaf2: ' + r.text);
    keys.leaf2 = r.body.authentication.symmetricKey.primaryKey;
    for (const m of ['A', 'B']) {
      r = await cloud.api('PUT', `/devices/${deviceId}/modules/${m}`, { deviceId, moduleId: m });
      if (r.status !== 200) throw new Error(`create ${m}: ` + r.text);
      keys[m] = r.body.authentication.symmetricKey.primaryKey;
    }
    r = await cloud.api('PATCH', `/twins/${deviceId}/modules/$edgeHub`, { properties: { desired: {
      schemaVersion: '1.1',
      routes: {
        hi: { route: 'FROM /messages/modules/A/outputs/hi INTO $upstream', priority: 0 },
        lo: { route: 'FROM /messages/modules/A/outputs/lo INTO $upstream', priority: 5 },
        ttl: { route: 'FROM /messages/modules/A/outputs/ttl INTO $upstream', priority: 1, timeToLiveSecs: 2 },
        AtoB: 'FROM /messages/modules/A/outputs/local INTO BrokeredEndpoint("/modules/B/inputs/in1")',
        leaves: 'FROM /messages/* WHERE NOT IS_DEFINED($connectionModuleId) INTO $upstream',
      },
      storeAndForwardConfiguration: { timeToLiveSecs: 7200 } } } });
    if (r.status !== 200) throw new Error('$edgeHub desired: ' + r.text);
  }],
  ['hub starts linked to the cloud, with an empty identities file', async () => {
    hub = new h.Hub({ binary: hubBinary, dir, hostname, deviceId, certs, policyKey: h.randomKey(), identities: [], amqps: '127.0.0.1:0',
      routes: { none: 'FROM /messages/modules/nobody INTO $upstream' },
      extraYaml: `upstream: { connection_string: "HostName=${hostname};DeviceId=${deviceId};ModuleId=$edgeHub;SharedAccessKey=${keys.$edgeHub}", ` +
                 `mqtt: "127.0.0.1:${cloud.ports.mqtts}", ` +
                 `amqp: "127.0.0.1:${webSocketUpstream ? cloud.ports.wss : cloud.ports.amqps}", protocol: ${protocolName}, ` +
                 `api: "http://127.0.0.1:${cloud.ports.http}", ca: ${certs.ca} }` });
    await hub.start();
    await h.waitFor('the hub to go online', async () => (await hubStatus()).upstream === 'online', 20000, 100);
    await h.waitFor('the cloud routes to be applied (lastDesiredStatus 200)', async () => {
      const t = await cloud.api('GET', `/twins/${deviceId}/modules/$edgeHub`);
      const reported = t.body && t.body.properties.reported;
      return reported && reported.lastDesiredStatus && reported.lastDesiredStatus.code === 200;
    }, 20000, 100);
  }],
  ['modules authenticate from the device scope; telemetry reaches the cloud with its ids', async () => {
    await h.waitFor('A to connect (scope fetched)', async () => { try { await openModule('A'); return true; } catch (_) { return false; } }, 30000, 300);
    const b = await openModule('B');
    b.on('inputMessage', (input, msg) => { inboxB.push(msg); b.complete(msg, () => {}); });
    await send('hi', 'online-1');
    const event = await h.waitFor('the event in the cloud', async () => (await cloudEvents()).find((e) => e.systemProperties.messageId === 'online-1'), 20000, 100);
    if (event.moduleId !== 'A' || event.applicationProperties.kind !== 'hi') throw new Error(JSON.stringify(event));
    // Counted as edgeHub counts it: the sender, its output, the priority of the route's queue.
    await h.waitFor('the upstream send counted with from="edge1/A" and priority="0"', async () =>
      /edgehub_messages_sent_total\{[^}]*from="edge1\/A",to="upstream",from_route_output="hi",to_route_input="",priority="0"\} 1/
        .test(await hub.metrics()), 5000, 100);
    await send('local', 'local-1');
    await h.waitFor('B to get the locally routed message', () => inboxB.find((m) => m.messageId === 'local-1'));
  }],
  ['the $edgeHub twin in the cloud reports the connected clients', async () => {
    await h.waitFor('clients edge1/A and edge1/B reported Connected', async () => {
      const t = await cloud.api('GET', `/twins/${deviceId}/modules/$edgeHub`);
      const c = (t.body.properties.reported || {}).clients || {};
      return c['edge1/A'] && c['edge1/A'].status === 'Connected' && c['edge1/B'] && c['edge1/B'].status === 'Connected';
    }, 20000, 200);
  }],
  ['the cloud shows a module Connected as soon as it connects to the hub', async () => {
    const state = async (path) => (await cloud.api('GET', path)).body.connectionState;
    await h.waitFor('edge1/A Connected in the cloud', async () => (await state(`/devices/${deviceId}/modules/A`)) === 'Connected', 5000, 100);
    await h.waitFor('edge1/B Connected in the cloud', async () => (await state(`/devices/${deviceId}/modules/B`)) === 'Connected', 5000, 100);
    if (amqpUpstream) {
      // Multiplexed: $edgeHub, A and B reached the cloud on one connection (one remote address).
      const over = new RegExp(`'([^']+)' connected from (\\S+) over ${webSocketUpstream ? 'amqpws' : 'amqps'}\\b`, 'g');
      const froms = [...cloud.log().matchAll(over)].map((m) => [m[1], m[2]]);
      const who = new Set(froms.map(([id]) => id));
      const addresses = new Set(froms.map(([, address]) => address));
      if (!who.has('edge1/$edgeHub') || !who.has('edge1/A') || !who.has('edge1/B') || addresses.size !== 1)
        throw new Error('expected one AMQP connection for every identity: ' + JSON.stringify(froms));
    }
  }],
  ['a direct method from the cloud reaches B through the hub; an absent module gives 404', async () => {
    clients.B.onMethod('reset', (request, response) => response.send(200, { done: request.payload }, () => {}));
    const r = await h.waitFor('B to answer reset', async () => {
      const res = await cloud.api('POST', `/twins/${deviceId}/modules/B/methods`,
        { methodName: 'reset', payload: { level: 2 }, responseTimeoutInSeconds: 10 });
      return res.status === 200 && res.body.status === 200 && res;  // 404 until B's subscription is in
    }, 20000, 200);
    if (r.body.status !== 200 || r.body.payload.done.level !== 2) throw new Error(r.text);
    const absent = await cloud.api('POST', `/twins/${deviceId}/modules/A/methods`,
      { methodName: 'nothing', payload: null, responseTimeoutInSeconds: 5 });
    if (absent.status !== 404 && !(absent.status === 200 && absent.body.status === 404))
      throw new Error('a module that listens for no methods answered: ' + absent.text);
  }],
  ['a cloud-to-device message reaches leaf device leaf1 through the hub', async () => {
    const cs = `HostName=${hostname};DeviceId=leaf1;SharedAccessKey=${keys.leaf1};GatewayHostName=127.0.0.1:${hub.ports.mqtts}`;
    const leaf = DeviceClient.fromConnectionString(cs, Mqtt);
    await leaf.setOptions({ ca: fs.readFileSync(certs.ca, 'utf8') });
    clients.leaf1 = leaf;
    const got = [];
    leaf.on('message', (msg) => { got.push(msg); leaf.complete(msg, () => {}); });
    await h.waitFor('leaf1 to connect', async () => { try { await leaf.open(); return true; } catch (_) { return false; } }, 30000, 300);
    await h.waitFor('the C2D message at leaf1', async () => {
      if (got.length === 0) {
        await new Promise((resolve, reject) => {
          const req = require('http').request({ host: '127.0.0.1', port: cloud.ports.http, method: 'POST',
            path: '/devices/leaf1/messages/devicebound?api-version=2021-04-12',
            headers: { Authorization: h.sasToken(hostname, cloud.ownerKey, 'iothubowner'), 'iothub-messageid': `c2d-${Date.now()}`,
                       'iothub-app-valve': 'open' } }, (res) => { res.resume(); res.on('end', resolve); });
          req.on('error', reject);
          req.end('close the valve');
        });
      }
      return got.find((m) => m.data.toString() === 'close the valve');
    }, 30000, 1000);
  }],
  ['leaf device leaf2 on AMQP: its telemetry reaches the cloud, a C2D message comes back over AMQP', async () => {
    const cs = `HostName=${hostname};DeviceId=leaf2;SharedAccessKey=${keys.leaf2};GatewayHostName=127.0.0.1:${hub.ports.amqps}`;
    const leaf = DeviceClient.fromConnectionString(cs, Amqp);
    await leaf.setOptions({ ca: fs.readFileSync(certs.ca, 'utf8') });
    const got = [];
    leaf.on('message', (msg) => { got.push(msg); leaf.complete(msg, () => {}); });
    await h.waitFor('leaf2 to connect over AMQP', async () => { try { await leaf.open(); return true; } catch (_) { return false; } }, 30000, 300);
    const message = new Message(JSON.stringify({ reading: 7 }));
    message.messageId = 'leaf2-1';
    message.properties.add('site', 'north');
    await h.withTimeout('leaf2 sendEvent', leaf.sendEvent(message), 20000);
    const event = await h.waitFor('leaf2\'s event in the cloud', async () => {
      const r = await cloud.api('GET', '/events?from=start&deviceId=leaf2&limit=100');
      return r.body.events.find((e) => e.systemProperties.messageId === 'leaf2-1');
    }, 20000, 100);
    if (event.deviceId !== 'leaf2' || event.applicationProperties.site !== 'north') throw new Error(JSON.stringify(event));
    await h.waitFor('the C2D message at leaf2', async () => {
      if (got.length === 0) {
        await new Promise((resolve, reject) => {
          const req = require('http').request({ host: '127.0.0.1', port: cloud.ports.http, method: 'POST',
            path: '/devices/leaf2/messages/devicebound?api-version=2021-04-12',
            headers: { Authorization: h.sasToken(hostname, cloud.ownerKey, 'iothubowner'), 'iothub-messageid': `c2d-${Date.now()}`,
                       'iothub-app-valve': 'shut' } }, (res) => { res.resume(); res.on('end', resolve); });
          req.on('error', reject);
          req.end('over amqp');
        });
      }
      return got.find((m) => m.data.toString() === 'over amqp');
    }, 30000, 1000);
    const c2d = got.find((m) => m.data.toString() === 'over amqp');
    const valve = c2d.properties.propertyList.find((p) => p.key === 'valve');
    if (!valve || valve.value !== 'shut') throw new Error('C2D properties over AMQP: ' + JSON.stringify(c2d.properties));
    await leaf.close();
  }],
  ['a leaf device that leaves the hub is Disconnected in the cloud within seconds', async () => {
    const state = async () => (await cloud.api('GET', '/devices/leaf1')).body.connectionState;
    if ((await state()) !== 'Connected') throw new Error('leaf1 should be Connected in the cloud while connected to the hub');
    await clients.leaf1.close();
    delete clients.leaf1;
    const left = Date.now();
    await h.waitFor('leaf1 Disconnected in the cloud', async () => (await state()) === 'Disconnected', 5000, 100);
    console.log(`     leaf1 shown Disconnected ${Date.now() - left} ms after it left the hub`);
  }],
  ['a desired patch through the cloud REST API reaches B; B\'s reported patch is visible there', async () => {
    const twin = await h.withTimeout('getTwin', clients.B.getTwin());
    twin.on('properties.desired', (d) => desiredSeen.push(d));
    // twin.on subscribes in the background: patch again until B has subscribed and seen it.
    await h.waitFor('B to get threshold 99', async () => {
      if (desiredSeen.find((d) => d.threshold === 99)) return true;
      const r = await cloud.api('PATCH', `/twins/${deviceId}/modules/B`, { properties: { desired: { threshold: 99 } } });
      if (r.status !== 200) throw new Error(r.text);
      return false;
    }, 20000, 500);
    await h.withTimeout('reported', new Promise((resolve, reject) =>
      twin.properties.reported.update({ applied: 99 }, (e) => (e ? reject(e) : resolve()))));
    await h.waitFor('the reported patch in the cloud', async () => {
      const t = await cloud.api('GET', `/twins/${deviceId}/modules/B`);
      return t.body.properties.reported.applied === 99;
    }, 20000, 100);
  }],
  ['cloud stops; A keeps publishing; the hub acknowledges from its store', async () => {
    await cloud.stop();
    await h.waitFor('the hub to notice', async () => (await hubStatus()).upstream === 'offline', 30000, 100);
    for (let i = 0; i < counts.lo; ++i) await send('lo', `lo-${i}`);
    for (let i = 0; i < counts.ttl; ++i) await send('ttl', `ttl-${i}`);
    for (let i = 0; i < counts.hi; ++i) await send('hi', `hi-${i}`);
  }],
  ['hub is kill -9ed and restarted while offline; modules authenticate from the cache', async () => {
    await hub.stop('SIGKILL');
    await hub.start();
    if ((await hubStatus()).upstream !== 'offline') throw new Error('the hub should be offline');
    for (let i = 0; i < counts.hiAfterRestart; ++i) {
      await h.waitFor(`A to send hi-after-${i}`, async () => { try { await send('hi', `hi-after-${i}`); return true; } catch (_) { return false; } }, 30000, 200);
    }
  }],
  ['the 2 s TTL expires while offline: counted, not delivered', async () => {
    await h.waitFor('ttl_expiry to count 10', async () => {
      const m = /edgehub_messages_dropped_total\{[^}]*reason="ttl_expiry"[^}]*\} (\d+)/.exec(await hub.metrics());
      return m && Number(m[1]) === counts.ttl;
    }, 15000, 200);
  }],
  ['cloud returns: everything drains, high priority before low, nothing expired arrives', async () => {
    await cloud.start();
    const expected = 1 + counts.lo + counts.hi + counts.hiAfterRestart;
    const events = await h.waitFor(`${expected} events in the cloud`, async () => {
      const e = await cloudEvents();
      return e.length >= expected && e;
    }, 60000, 200);
    const ids = events.map((e) => e.systemProperties.messageId);
    const unique = new Set(ids);
    for (let i = 0; i < counts.lo; ++i) if (!unique.has(`lo-${i}`)) throw new Error(`lo-${i} lost`);
    for (let i = 0; i < counts.hi; ++i) if (!unique.has(`hi-${i}`)) throw new Error(`hi-${i} lost`);
    for (let i = 0; i < counts.hiAfterRestart; ++i) if (!unique.has(`hi-after-${i}`)) throw new Error(`hi-after-${i} lost`);
    if (ids.some((id) => id.startsWith('ttl-'))) throw new Error('an expired message was delivered');
    const seq = (id) => events.find((e) => e.systemProperties.messageId === id).sequenceNumber;
    const lastHigh = Math.max(...ids.filter((id) => id.startsWith('hi-')).map(seq));
    const firstLow = Math.min(...ids.filter((id) => id.startsWith('lo-')).map(seq));
    if (!(lastHigh < firstLow)) throw new Error(`priority order broken: last high ${lastHigh}, first low ${firstLow}`);
    console.log(`     offline: ${counts.lo + counts.hi + counts.hiAfterRestart + counts.ttl} published, ` +
                `${unique.size - 1} delivered after the outage (+1 before), ${counts.ttl} expired, ${ids.length - unique.size} duplicates`);
  }],
], async (failed) => {
  for (const c of Object.values(clients)) { try { await c.close(); } catch (_) { /* closing */ } }
  if (hub) await hub.stop();
  await cloud.stop();
  if (failed) console.log('--- hub log ---\n' + (hub ? hub.log().slice(-20000) : '') + '\n--- cloud log ---\n' + cloud.log().slice(-20000));
  else fs.rmSync(dir, { recursive: true, force: true });
});
