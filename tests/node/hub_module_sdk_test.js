// The official Node SDK (azure-iot-device + azure-iot-device-mqtt, MQTT over TLS) as two
// modules of an outpost-hub: A's sendOutputEvent reaches B's input handler through a route;
// twin GET, reported and desired patches work; and keep working after the hub restarts
// (the SDK reconnects with cleanSession=0 and never subscribes to the twin topics again).
// With `amqp`, the same scenario on azure-iot-device-amqp (Amqp on 5671, AmqpWs on 443), and
// a module on MQTT exchanging routed messages with modules on AMQP, every property kept.
//   usage: node hub_module_sdk_test.js <path to outpost-hub> [mqtt|amqp]
'use strict';
const { ModuleClient, Message } = require('azure-iot-device');
const { Mqtt, MqttWs } = require('azure-iot-device-mqtt');
const { Amqp, AmqpWs } = require('azure-iot-device-amqp');
const fs = require('fs');
const h = require('./lib/harness');

const binary = process.argv[2];
const protocol = process.argv[3] || 'mqtt';
const overAmqp = protocol === 'amqp';
const Main = overAmqp ? Amqp : Mqtt;
const OverWebSocket = overAmqp ? AmqpWs : MqttWs;
const dir = h.tempDir('outpost-node-sdk');
const certs = h.makeCertificates(dir);
const hostname = 'myhub.local';
const deviceId = 'edge1';
const keys = { A: h.randomKey(), B: h.randomKey(), C: h.randomKey(), D: h.randomKey() };
// A real gateway: MQTT/TLS on 8883, and WSS plus the module API (invokeMethod) on 443 —
// the SDK dials those fixed ports for the gateway host name. Served on a loopback address
// of its own so other tests can use the ports too. Binding 443 needs root; without it the
// modules use explicit ports and the steps that need 443 are skipped.
const canBind443 = process.getuid && process.getuid() === 0;
const gatewayAddress = '127.0.0.2';
const hub = new h.Hub({
  binary, dir, hostname, deviceId, certs, policyKey: h.randomKey(),
  wss: canBind443 ? `${gatewayAddress}:443` : '127.0.0.1:0',
  mqtts: canBind443 ? `${gatewayAddress}:8883` : '127.0.0.1:0',
  amqps: overAmqp ? (canBind443 ? `${gatewayAddress}:5671` : '127.0.0.1:0') : null,
  identities: [{ deviceId, moduleId: 'A', primaryKey: keys.A }, { deviceId, moduleId: 'B', primaryKey: keys.B },
               { deviceId, moduleId: 'C', primaryKey: keys.C }, { deviceId, moduleId: 'D', primaryKey: keys.D }],
  routes: { AtoB: 'FROM /messages/modules/A/outputs/out1 INTO BrokeredEndpoint("/modules/B/inputs/in1")',
            AtoC: 'FROM /messages/modules/A/outputs/out2 INTO BrokeredEndpoint("/modules/C/inputs/ws")',
            AtoD: 'FROM /messages/modules/A/outputs/toD INTO BrokeredEndpoint("/modules/D/inputs/fromA")',
            DtoB: 'FROM /messages/modules/D/outputs/toB INTO BrokeredEndpoint("/modules/B/inputs/fromD")' },
});

const clients = {};
const inbox = [];
const desiredSeen = [];

function defaultGateway() {
  return canBind443 ? gatewayAddress : `127.0.0.1:${overAmqp ? hub.ports.amqps : hub.ports.mqtts}`;
}

async function openModule(name, transport = Main, gateway = defaultGateway()) {
  const cs = `HostName=${hostname};DeviceId=${deviceId};ModuleId=${name};SharedAccessKey=${keys[name]};` +
             `GatewayHostName=${gateway}`;
  const client = ModuleClient.fromConnectionString(cs, transport);
  await client.setOptions({ ca: fs.readFileSync(certs.ca, 'utf8') });
  await h.withTimeout(`module ${name} to connect`, client.open());
  clients[name] = client;
  return client;
}

function richMessage(seq) {
  const message = new Message(JSON.stringify({ seq, temperature: 21.5 }));
  message.messageId = `msg-${seq}`;
  message.correlationId = `corr-${seq}`;
  message.contentType = 'application/json';
  message.contentEncoding = 'utf-8';
  message.properties.add('custom prop', 'a b&c=d/é');
  return message;
}

async function sendFromA(seq) {
  await h.withTimeout(`sendOutputEvent ${seq}`, clients.A.sendOutputEvent('out1', richMessage(seq)));
}

const prop = (msg, k) => { const i = msg.properties.propertyList.findIndex((x) => x.key === k); return i < 0 ? undefined : msg.properties.getItem(i).value; };
// Who sent it: MQTT puts the hub's connection ids in the property bag ($.cdid), AMQP in the
// message annotations (iothub-connection-device-id), as IoT Hub does.
function connectionIds(msg) {
  const annotations = msg.transportObj && msg.transportObj.message_annotations;
  if (annotations && annotations['iothub-connection-device-id'])
    return [annotations['iothub-connection-device-id'], annotations['iothub-connection-module-id']];
  return [prop(msg, '$.cdid'), prop(msg, '$.cmid')];
}
function checkRich(msg, seq, sender) {
  if (msg.messageId !== `msg-${seq}`) throw new Error('messageId ' + msg.messageId);
  if (msg.correlationId !== `corr-${seq}`) throw new Error('correlationId ' + msg.correlationId);
  if (prop(msg, 'custom prop') !== 'a b&c=d/é') throw new Error('custom prop ' + JSON.stringify(msg.properties));
  const [cdid, cmid] = connectionIds(msg);
  if (cdid !== deviceId || cmid !== sender) throw new Error(`connection ids ${cdid}/${cmid}: ` + JSON.stringify(msg));
}

h.runSteps(`node-sdk/${protocol}`, [
  ['hub starts with TLS, WebSocket and management listeners', async () => { await hub.start(); }],
  [`modules A and B connect over ${overAmqp ? 'AMQP' : 'MQTT'}/TLS with SAS tokens`, async () => {
    await openModule('A');
    const b = await openModule('B');
    b.on('inputMessage', (inputName, msg) => {
      inbox.push({ inputName, msg });
      b.complete(msg, () => {});
    });
  }],
  ['A sendOutputEvent -> route -> B input handler', async () => {
    await sendFromA(1);
    const got = await h.waitFor('B to receive message 1', () => inbox.find((m) => JSON.parse(m.msg.data).seq === 1));
    if (got.inputName !== 'in1') throw new Error('input name ' + got.inputName);
    checkRich(got.msg, 1, 'A');
  }],
  ...(overAmqp ? [['mixed: module D on MQTT and modules A, B on AMQP exchange routed messages, properties kept', async () => {
    const d = await openModule('D', Mqtt, canBind443 ? gatewayAddress : `127.0.0.1:${hub.ports.mqtts}`);
    const dInbox = [];
    d.on('inputMessage', (inputName, msg) => { dInbox.push({ inputName, msg }); d.complete(msg, () => {}); });
    await h.withTimeout('A (AMQP) sendOutputEvent toD', clients.A.sendOutputEvent('toD', richMessage(10)));
    const atD = await h.waitFor('D (MQTT) to receive from A (AMQP)', () => dInbox.find((m) => JSON.parse(m.msg.data).seq === 10));
    if (atD.inputName !== 'fromA') throw new Error('input name at D ' + atD.inputName);
    checkRich(atD.msg, 10, 'A');
    await h.withTimeout('D (MQTT) sendOutputEvent toB', d.sendOutputEvent('toB', richMessage(11)));
    const atB = await h.waitFor('B (AMQP) to receive from D (MQTT)', () => inbox.find((m) => JSON.parse(m.msg.data).seq === 11));
    if (atB.inputName !== 'fromD') throw new Error('input name at B ' + atB.inputName);
    checkRich(atB.msg, 11, 'D');
  }]] : []),
  [`module C connects over ${overAmqp ? 'AMQP' : 'MQTT'}/WebSocket (${OverWebSocket.name}) and gets its routed message`, async () => {
    if (!canBind443) { console.log('     (skipped: binding port 443 for WSS needs root)'); return; }
    const c = await openModule('C', OverWebSocket, gatewayAddress);
    const got = [];
    c.on('inputMessage', (inputName, msg) => { got.push({ inputName, msg }); c.complete(msg, () => {}); });
    await h.withTimeout('sendOutputEvent out2', clients.A.sendOutputEvent('out2', new Message('over websocket')));
    const m = await h.waitFor('C to receive over WebSocket', () => got[0]);
    if (m.inputName !== 'ws' || m.msg.data.toString() !== 'over websocket') throw new Error(JSON.stringify(m));
  }],
  ['module A invokes a direct method on module B through the hub (ModuleClient.invokeMethod)', async () => {
    if (!canBind443) { console.log('     (skipped: the module API on port 443 needs root)'); return; }
    clients.B.onMethod('ping', (request, response) => response.send(200, { pong: request.payload }, () => {}));
    // onMethod subscribes in the background: retry while the hub answers 404 (not listening yet).
    const result = await h.waitFor('B to answer ping', () => clients.A.invokeMethod(deviceId, 'B',
      { methodName: 'ping', payload: { n: 7 }, responseTimeoutInSeconds: 10 }).catch(() => null), 10000, 50);
    if (result.status !== 200 || !result.payload || result.payload.pong.n !== 7) throw new Error(JSON.stringify(result));
    const offline = await h.withTimeout('invokeMethod offline', clients.A.invokeMethod(deviceId, 'nobody',
      { methodName: 'ping', payload: null, responseTimeoutInSeconds: 5 }).then(() => null, (e) => e));
    if (!offline) throw new Error('a method on a module that is not connected succeeded');
  }],
  ['twin GET, reported PATCH and desired PATCH', async () => {
    const twin = await h.withTimeout('getTwin', clients.B.getTwin());
    twin.on('properties.desired', (delta) => desiredSeen.push(delta));
    await h.withTimeout('reported update', new Promise((resolve, reject) =>
      twin.properties.reported.update({ firmware: '1.2.3', telemetry: { interval: 5 } }, (e) => (e ? reject(e) : resolve()))));
    const apiTwin = await hub.api('GET', `/twins/${deviceId}/modules/B`);
    if (apiTwin.status !== 200 || apiTwin.body.properties.reported.firmware !== '1.2.3')
      throw new Error('management API twin: ' + apiTwin.text);
    const patched = await hub.api('PATCH', `/twins/${deviceId}/modules/B`, { properties: { desired: { setpoint: 42 } } });
    if (patched.status !== 200) throw new Error('desired patch: ' + patched.text);
    await h.waitFor('B to get the desired patch', () => desiredSeen.find((d) => d.setpoint === 42));
    const again = await h.withTimeout('getTwin again', clients.B.getTwin());
    if (again.properties.desired.setpoint !== 42) throw new Error('desired not in twin: ' + JSON.stringify(again.properties.desired));
  }],
  ['a reported patch that breaks IoT Hub limits is refused', async () => {
    const twin = await h.withTimeout('getTwin', clients.A.getTwin());
    const error = await h.withTimeout('bad reported update', new Promise((resolve) =>
      twin.properties.reported.update({ 'bad.key': 1 }, (e) => resolve(e))));
    if (!error) throw new Error('a key with a dot was accepted');
  }],
  ['hub restarts; the SDK reconnects; twin and routing still work', async () => {
    await hub.stop('SIGTERM');
    await hub.start();
    // The SDK retries on its own; its twin subscriptions must come from our persisted session.
    await h.waitFor('a twin GET to succeed after the restart', async () => {
      try {
        const t = await h.withTimeout('getTwin after restart', clients.B.getTwin(), 3000);
        return t.properties.reported.firmware === '1.2.3' && t.properties.desired.setpoint === 42;
      } catch (_) { return false; }
    }, 30000, 200);
    // Over MQTT the subscription is the persisted session's, there at once. Over AMQP the SDK
    // enables desired patches again in the background after it reconnects (a GET may be
    // served first): patch again until it has. Were the subscription lost, none would arrive.
    let polls = 0;
    await h.waitFor('B to get the desired patch after the restart', async () => {
      if (desiredSeen.find((d) => d.setpoint === 43)) return true;
      if (polls++ === 0 || (overAmqp && polls % 25 === 0)) {  // MQTT: once; AMQP: every 0.5 s
        const patched = await hub.api('PATCH', `/twins/${deviceId}/modules/B`, { properties: { desired: { setpoint: 43 } } });
        if (patched.status !== 200) throw new Error('desired patch: ' + patched.text);
      }
      return false;
    });
    await h.waitFor('A to send after the restart', async () => {
      try { await sendFromA(2); return true; } catch (_) { return false; }
    }, 30000, 200);
    await h.waitFor('B to receive message 2', () => inbox.find((m) => JSON.parse(m.msg.data).seq === 2), 15000);
  }],
  ['metrics count what happened', async () => {
    const text = await hub.metrics();
    if (!/edgehub_messages_received_total\{[^}]*route_output="out1"[^}]*id="edge1\/A"[^}]*\} [1-9]/.test(text))
      throw new Error('no received_total for edge1/A out1:\n' + text);
    if (overAmqp && !/amqps/.test(hub.log())) throw new Error('the hub log shows no AMQP connection');
  }],
], async (failed) => {
  for (const c of Object.values(clients)) { try { await c.close(); } catch (_) { /* closing */ } }
  await hub.stop();
  if (failed) console.log('--- hub log ---\n' + hub.log());
  else fs.rmSync(dir, { recursive: true, force: true });
});
