// The official Azure IoT Node SDKs against outpost-cloud, unchanged:
//  - azure-iothub (service): Registry create/get/update/delete, modules, twins with etags,
//    queries, Client.invokeDeviceMethod;
//  - azure-iot-device + azure-iot-device-mqtt (a device, MQTT over TLS straight to the
//    cloud): twin GET/reported/desired, a direct method, telemetry (read back through
//    GET /events and the event stream), cloud-to-device messages;
//  - over AMQP (5671): azure-iothub's Client.send (C2D) with its feedback receiver, a send to
//    an unknown device refused, and devices on azure-iot-device-amqp (SAS and X.509).
// The SDKs dial https://<HostName>:443 and mqtts://<HostName>:8883, so the cloud listens on
// those ports of a random loopback address, and a `--require` preload (lib/dns_preload.js)
// maps the hub's host name to it; the CA is trusted through NODE_EXTRA_CA_CERTS. Both need
// a fresh process: the parent prepares the cloud, then runs the steps in a child.
//   usage: node cloud_sdk_test.js <path to outpost-cloud>
'use strict';
const { spawn } = require('child_process');
const path = require('path');
const h = require('./lib/harness');

const HOSTNAME = 'outpost-cloud-test.local';
const WS_GATEWAY = 'ws.outpost-cloud-test.local';  // the WebSocket listener's own address (port 443 is the API's)

if (process.getuid && process.getuid() !== 0) {
  // The SDKs' fixed ports 443/8883 can only be bound by root (CI and `make test` run as root).
  console.log('SKIP cloud-sdk: binding ports 443 and 8883 needs root');
  process.exit(0);
} else if (!process.env.OUTPOST_CLOUD_SDK_CHILD) {
  parent().catch((e) => {
    console.log('FAIL cloud-sdk: ' + (e && e.stack ? e.stack : e));
    process.exit(1);
  });
} else {
  child();
}

async function parent() {
  const binary = process.argv[2];
  const dir = h.tempDir('outpost-cloud-sdk');
  const ip = h.randomLoopback();
  let wsIp = h.randomLoopback();
  while (wsIp === ip) wsIp = h.randomLoopback();
  const certs = h.makeCertificates(dir, `DNS:${HOSTNAME},DNS:${WS_GATEWAY},IP:${ip}`);
  const cloud = new h.Cloud({
    binary, dir, hostname: HOSTNAME, certs,
    listen: { mqtts: `${ip}:8883`, amqps: `${ip}:5671`, https: `${ip}:443`, http: `${ip}:0`, wss: `${wsIp}:443` },
  });
  const connectionString = cloud.connectionString('iothubowner');
  await cloud.start();
  const code = await new Promise((resolve) => {
    const c = spawn(process.execPath, ['--require', path.join(__dirname, 'lib', 'dns_preload.js'), __filename], {
      stdio: 'inherit',
      env: { ...process.env, OUTPOST_CLOUD_SDK_CHILD: '1', OUTPOST_TEST_HOSTS: `${HOSTNAME}=${ip},${WS_GATEWAY}=${wsIp}`,
             NODE_EXTRA_CA_CERTS: certs.ca, CLOUD_CONNECTION_STRING: connectionString },
    });
    c.on('exit', (status) => resolve(status === null ? 1 : status));
  });
  await cloud.stop();
  if (code !== 0) console.log('--- outpost-cloud log (' + dir + ') ---\n' + cloud.log().split('\n').slice(-80).join('\n'));
  process.exit(code);
}

function child() {
  const https = require('https');
  const iothub = require('azure-iothub');
  const { Client: DeviceClient, ModuleClient, Message } = require('azure-iot-device');
  const { Mqtt, MqttWs } = require('azure-iot-device-mqtt');
  const { Amqp } = require('azure-iot-device-amqp');

  const cs = process.env.CLOUD_CONNECTION_STRING;
  const ownerKey = /SharedAccessKey=([^;]+)/.exec(cs)[1];
  const registry = iothub.Registry.fromConnectionString(cs);
  const service = iothub.Client.fromConnectionString(cs);
  const state = { desired: [], c2d: [], stream: [] };
  let device = null;
  let deviceKey = null;

  const api = (method, pathAndQuery, body, headers = {}) => new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
    const req = https.request({ host: HOSTNAME, port: 443, method, path: pathAndQuery,
      headers: { Authorization: h.sasToken(HOSTNAME, ownerKey, 'iothubowner'), 'Content-Type': 'application/json',
                 ...(data ? { 'Content-Length': Buffer.byteLength(data) } : {}), ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text,
                                    body: text && res.headers['content-type'].includes('json') ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });

  const expectError = async (what, promise, name) => {
    try {
      await promise;
    } catch (e) {
      if (name && e.name !== name) throw new Error(`${what}: expected ${name}, got ${e.name}: ${e.message}`);
      return e;
    }
    throw new Error(`${what}: expected an error`);
  };

  h.runSteps('cloud-sdk', [
    ['Registry.create a device without keys: keys are generated', async () => {
      const created = await h.withTimeout('create', registry.create({ deviceId: 'dev1' }));
      const d = created.responseBody;
      if (d.deviceId !== 'dev1' || !d.authentication.symmetricKey.primaryKey || !d.etag)
        throw new Error('created device: ' + JSON.stringify(d));
      deviceKey = d.authentication.symmetricKey.primaryKey;
      await expectError('create twice', registry.create({ deviceId: 'dev1' }), 'DeviceAlreadyExistsError');
    }],
    ['Registry.get, update (If-Match "*"), list', async () => {
      const got = (await registry.get('dev1')).responseBody;
      if (got.authentication.symmetricKey.primaryKey !== deviceKey) throw new Error('keys changed: ' + JSON.stringify(got));
      const updated = (await registry.update({ deviceId: 'dev1', status: 'disabled' })).responseBody;
      if (updated.status !== 'disabled' || updated.authentication.symmetricKey.primaryKey !== deviceKey)
        throw new Error('update: ' + JSON.stringify(updated));
      await registry.update({ deviceId: 'dev1', status: 'enabled' });
      const list = (await registry.list()).responseBody;
      if (!list.find((x) => x.deviceId === 'dev1')) throw new Error('list: ' + JSON.stringify(list));
      await expectError('get unknown', registry.get('nope'), 'DeviceNotFoundError');
    }],
    ['an edge device gets $edgeAgent and $edgeHub; addModule adds a module', async () => {
      await registry.create({ deviceId: 'edge1', capabilities: { iotEdge: true } });
      await registry.addModule({ deviceId: 'edge1', moduleId: 'modA' });
      const modules = (await registry.getModulesOnDevice('edge1')).responseBody.map((m) => m.moduleId).sort();
      if (JSON.stringify(modules) !== JSON.stringify(['$edgeAgent', '$edgeHub', 'modA'])) throw new Error('modules: ' + modules);
      const mod = (await registry.getModule('edge1', 'modA')).responseBody;
      if (!mod.authentication.symmetricKey.primaryKey) throw new Error('module keys: ' + JSON.stringify(mod));
      const twin = (await registry.getModuleTwin('edge1', 'modA')).responseBody;
      if (twin.moduleId !== 'modA') throw new Error('module twin: ' + JSON.stringify(twin));
    }],
    ['getTwin / twin.update with tags and desired; a stale etag is refused', async () => {
      const twin = (await registry.getTwin('dev1')).responseBody;
      const oldEtag = twin.etag;
      await twin.update({ tags: { env: 'prod', site: { floor: 3 } }, properties: { desired: { interval: 5 } } });
      if (twin.tags.env !== 'prod' || twin.properties.desired.interval !== 5 || twin.etag === oldEtag)
        throw new Error('updated twin: ' + JSON.stringify(twin));
      await expectError('stale etag', registry.updateTwin('dev1', { tags: { env: 'dev' } }, oldEtag), 'InvalidEtagError');
    }],
    ['query: SELECT * FROM devices WHERE tags.env = \'prod\'', async () => {
      const q = registry.createQuery("SELECT * FROM devices WHERE tags.env = 'prod' AND tags.site.floor > 2", 10);
      const twins = (await q.nextAsTwin()).result;
      if (twins.length !== 1 || twins[0].deviceId !== 'dev1') throw new Error('query: ' + JSON.stringify(twins));
      const count = (await registry.createQuery('SELECT COUNT() AS n FROM devices').next()).result;
      if (count[0].n !== 2) throw new Error('count: ' + JSON.stringify(count));
    }],
    ['addConfiguration deploys to matching edge devices; applyConfigurationContentOnDevice', async () => {
      const edgeTwin = (await registry.getTwin('edge1')).responseBody;
      await edgeTwin.update({ tags: { environment: 'prod' } });
      await registry.addConfiguration({
        id: 'base-prod', priority: 1, targetCondition: "tags.environment='prod'",
        content: { modulesContent: {
          $edgeAgent: { 'properties.desired': { schemaVersion: '1.1', modules: {} } },
          $edgeHub: { 'properties.desired': { schemaVersion: '1.1', routes: { up: 'FROM /* INTO $upstream' } } } } } });
      await registry.addConfiguration({
        id: 'layer-sensor', priority: 5, targetCondition: "tags.environment='prod'",
        content: { modulesContent: { $edgeAgent: { 'properties.desired.modules.sensor': { type: 'docker' } } } } });
      const agent = (await registry.getModuleTwin('edge1', '$edgeAgent')).responseBody;
      if (agent.properties.desired.schemaVersion !== '1.1' || agent.properties.desired.modules.sensor.type !== 'docker')
        throw new Error('$edgeAgent desired: ' + JSON.stringify(agent.properties.desired));
      const config = (await registry.getConfiguration('base-prod')).responseBody;
      if (config.systemMetrics.results.appliedCount !== 1) throw new Error('configuration: ' + JSON.stringify(config));
      const all = (await registry.getConfigurations()).responseBody;
      if (all.length !== 2) throw new Error('configurations: ' + JSON.stringify(all));
      await registry.removeConfiguration('layer-sensor');
      await registry.applyConfigurationContentOnDevice('edge1', { modulesContent: {
        $edgeAgent: { 'properties.desired': { schemaVersion: '1.1', modules: { direct: {} } } },
        $edgeHub: { 'properties.desired': { schemaVersion: '1.1', routes: {} } } } });
      const direct = (await registry.getModuleTwin('edge1', '$edgeAgent')).responseBody;
      if (!direct.properties.desired.modules.direct) throw new Error('applied content: ' + JSON.stringify(direct.properties.desired));
    }],
    ['a device connects with azure-iot-device over MQTT/TLS and reads its twin', async () => {
      device = DeviceClient.fromConnectionString(`HostName=${HOSTNAME};DeviceId=dev1;SharedAccessKey=${deviceKey}`, Mqtt);
      await h.withTimeout('device open', device.open());
      const twin = await h.withTimeout('getTwin', device.getTwin());
      if (twin.properties.desired.interval !== 5) throw new Error('desired: ' + JSON.stringify(twin.properties.desired));
      twin.on('properties.desired', (delta) => state.desired.push(delta));
      await h.withTimeout('reported', new Promise((resolve, reject) =>
        twin.properties.reported.update({ firmware: '1.0.1' }, (e) => (e ? reject(e) : resolve()))));
      const seen = (await registry.getTwin('dev1')).responseBody;
      if (seen.properties.reported.firmware !== '1.0.1' || seen.connectionState !== 'Connected')
        throw new Error('service view: ' + JSON.stringify(seen));
    }],
    ['a desired patch from the service reaches the device', async () => {
      const twin = (await registry.getTwin('dev1')).responseBody;
      await twin.update({ properties: { desired: { interval: 10 } } });
      await h.waitFor('the desired patch', () => state.desired.find((d) => d.interval === 10));
    }],
    ['Client.invokeDeviceMethod reaches the device and returns its answer', async () => {
      device.onDeviceMethod('reboot', (request, response) => {
        response.send(200, { rebooted: true, delay: request.payload.delay }, () => {});
      });
      const result = await h.waitFor('a method answer', async () => {
        try {
          return (await service.invokeDeviceMethod('dev1', { methodName: 'reboot', payload: { delay: 3 },
                                                              responseTimeoutInSeconds: 10 })).result;
        } catch (e) {
          if (e.response && e.response.statusCode === 404) return undefined;  // the subscription is lazy
          throw e;
        }
      });
      if (result.status !== 200 || result.payload.rebooted !== true || result.payload.delay !== 3)
        throw new Error('method result: ' + JSON.stringify(result));
      const offline = await expectError('method on an offline device',
        service.invokeDeviceMethod('edge1', { methodName: 'x', responseTimeoutInSeconds: 5 }));
      if (!offline.response || offline.response.statusCode !== 404) throw new Error('offline: ' + offline);
    }],
    ['a module connects with ModuleClient; its twin and a module method work', async () => {
      const key = (await registry.getModule('edge1', 'modA')).responseBody.authentication.symmetricKey.primaryKey;
      const mod = ModuleClient.fromConnectionString(
        `HostName=${HOSTNAME};DeviceId=edge1;ModuleId=modA;SharedAccessKey=${key}`, Mqtt);
      await h.withTimeout('module open', mod.open());
      try {
        mod.onMethod('status', (request, response) => response.send(200, { module: 'modA' }, () => {}));
        const twin = await h.withTimeout('module getTwin', mod.getTwin());
        await h.withTimeout('module reported', new Promise((resolve, reject) =>
          twin.properties.reported.update({ running: true }, (e) => (e ? reject(e) : resolve()))));
        const seen = (await registry.getModuleTwin('edge1', 'modA')).responseBody;
        if (seen.properties.reported.running !== true) throw new Error('module twin: ' + JSON.stringify(seen));
        const result = await h.waitFor('a module method answer', async () => {
          try {
            return (await service.invokeDeviceMethod('edge1', 'modA', { methodName: 'status', payload: null,
                                                                        responseTimeoutInSeconds: 10 })).result;
          } catch (e) {
            if (e.response && e.response.statusCode === 404) return undefined;
            throw e;
          }
        });
        if (result.status !== 200 || result.payload.module !== 'modA') throw new Error('module method: ' + JSON.stringify(result));
      } finally {
        await mod.close();
      }
    }],
    ['telemetry is stored and readable from a point in time, live over SSE too', async () => {
      const since = new Date(Date.now() - 1000).toISOString();
      const stream = await new Promise((resolve, reject) => {
        const req = https.request({ host: HOSTNAME, port: 443, path: '/events/stream?deviceId=dev1&from=now',
          headers: { Authorization: h.sasToken(HOSTNAME, ownerKey, 'iothubowner') } }, (res) => {
          if (res.statusCode !== 200) return reject(new Error('stream status ' + res.statusCode));
          let buffer = '';
          res.on('data', (chunk) => {
            buffer += chunk;
            let end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = block.split('\n').find((l) => l.startsWith('data: '));
              if (data) state.stream.push(JSON.parse(data.slice(6)));
            }
          });
          resolve(req);
        });
        req.on('error', reject);
        req.end();
      });
      const message = new Message(JSON.stringify({ temperature: 21.5 }));
      message.messageId = 'm-1';
      message.correlationId = 'c-1';
      message.contentType = 'application/json';
      message.contentEncoding = 'utf-8';
      message.properties.add('alert', 'no');
      await h.withTimeout('sendEvent', device.sendEvent(message));
      const page = await api('GET', `/events?deviceId=dev1&from=${encodeURIComponent(since)}`);
      const e = page.body.events.find((x) => x.systemProperties.messageId === 'm-1');
      if (!e || e.body.temperature !== 21.5 || e.applicationProperties.alert !== 'no' ||
          e.systemProperties.correlationId !== 'c-1' || e.systemProperties.contentType !== 'application/json' ||
          e.systemProperties.connectionDeviceId !== 'dev1' || !e.systemProperties.enqueuedTime)
        throw new Error('events page: ' + page.text);
      await h.waitFor('the event on the stream', () => state.stream.find((x) => x.systemProperties.messageId === 'm-1'));
      stream.destroy();
    }],
    ['a cloud-to-device message reaches the device', async () => {
      device.on('message', (msg) => {
        state.c2d.push(msg);
        device.complete(msg, () => {});
      });
      const sent = await api('POST', '/devices/dev1/messages/devicebound?api-version=2021-04-12', 'hello device',
        { 'Content-Type': 'text/plain', 'iothub-messageid': 'c2d-1', 'iothub-app-kind': 'greeting' });
      if (sent.status !== 202) throw new Error('c2d: ' + sent.text);
      const got = await h.waitFor('the C2D message', () => state.c2d.find((m) => m.messageId === 'c2d-1'));
      if (got.data.toString() !== 'hello device') throw new Error('c2d body: ' + got.data.toString());
    }],
    ['Client.send over AMQP: the C2D message reaches the device; the feedback receiver gets its record', async () => {
      await h.withTimeout('service open (AMQP)', service.open());
      const feedback = [];
      const receiver = await h.withTimeout('getFeedbackReceiver', service.getFeedbackReceiver());
      const feedbackReceiver = receiver.result || receiver;
      feedbackReceiver.on('message', (msg) => {
        feedback.push(...JSON.parse(msg.data.toString()));
        feedbackReceiver.complete(msg, () => {});
      });
      const message = new Message('over amqp');
      message.messageId = 'c2d-amqp-1';
      message.ack = 'full';
      message.properties.add('kind', 'amqp');
      await h.withTimeout('Client.send', service.send('dev1', message));
      const got = await h.waitFor('the AMQP-sent C2D message', () => state.c2d.find((m) => m.messageId === 'c2d-amqp-1'));
      if (got.data.toString() !== 'over amqp') throw new Error('c2d body: ' + got.data.toString());
      const kind = got.properties.propertyList.find((p) => p.key === 'kind');
      if (!kind || kind.value !== 'amqp') throw new Error('c2d properties: ' + JSON.stringify(got.properties));
      const record = await h.waitFor('the feedback record', () => feedback.find((f) => f.originalMessageId === 'c2d-amqp-1'));
      if (record.statusCode !== 'Success' || record.deviceId !== 'dev1') throw new Error('feedback: ' + JSON.stringify(record));
      // No such device: IoT Hub's error for it.
      await expectError('send to a device that does not exist', service.send('nobody', new Message('x')));
    }],
    ['a device on azure-iot-device-amqp (SAS) sends telemetry and gets a C2D message', async () => {
      await registry.create({ deviceId: 'amqpdev' });
      const key = (await registry.get('amqpdev')).responseBody.authentication.symmetricKey.primaryKey;
      const dev = DeviceClient.fromConnectionString(`HostName=${HOSTNAME};DeviceId=amqpdev;SharedAccessKey=${key}`, Amqp);
      const got = [];
      dev.on('message', (msg) => { got.push(msg); dev.complete(msg, () => {}); });
      await h.withTimeout('amqp open', dev.open());
      const m = new Message('over amqp telemetry');
      m.messageId = 'amqp-1';
      await h.withTimeout('amqp sendEvent', dev.sendEvent(m));
      const page = await api('GET', '/events?deviceId=amqpdev&from=start');
      if (!page.body.events.find((e) => e.systemProperties.messageId === 'amqp-1' && e.body === 'over amqp telemetry'))
        throw new Error('amqp event: ' + page.text);
      await h.withTimeout('Client.send to amqpdev', service.send('amqpdev', new Message('to the amqp device')));
      await h.waitFor('the C2D message over AMQP', () => got.find((x) => x.data.toString() === 'to the amqp device'));
      await dev.close();
      await registry.delete('amqpdev');
    }],
    ['a device connects over MQTT/WebSocket (MqttWs) and sends telemetry', async () => {
      await registry.create({ deviceId: 'wsdev' });
      const key = (await registry.get('wsdev')).responseBody.authentication.symmetricKey.primaryKey;
      const ws = DeviceClient.fromConnectionString(
        `HostName=${HOSTNAME};DeviceId=wsdev;SharedAccessKey=${key};GatewayHostName=${WS_GATEWAY}`, MqttWs);
      await h.withTimeout('wss open', ws.open());
      const m = new Message('over websocket');
      m.messageId = 'ws-1';
      await h.withTimeout('wss sendEvent', ws.sendEvent(m));
      await ws.close();
      const page = await api('GET', '/events?deviceId=wsdev&from=start');
      if (!page.body.events.find((e) => e.systemProperties.messageId === 'ws-1' && e.body === 'over websocket'))
        throw new Error('wss event: ' + page.text);
    }],
    ['an X.509 device (selfSigned thumbprint) connects with its certificate; another certificate is refused', async () => {
      const crypto = require('crypto');
      const fs = require('fs');
      const os = require('os');
      const { execFileSync } = require('child_process');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-x509-device-'));
      const makeCert = (name) => {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
          '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`], { cwd: dir, stdio: 'pipe' });
        return { cert: fs.readFileSync(path.join(dir, `${name}.pem`), 'utf8'), key: fs.readFileSync(path.join(dir, `${name}.key`), 'utf8') };
      };
      const mine = makeCert('x509dev');
      const other = makeCert('intruder');
      // Node prints SHA-1 as "AB:CD:…": registered as it is, colons and all.
      const thumbprint = new crypto.X509Certificate(mine.cert).fingerprint;
      await registry.create({ deviceId: 'x509dev', authentication: { type: 'selfSigned',
        x509Thumbprint: { primaryThumbprint: thumbprint, secondaryThumbprint: null } } });
      const x509 = DeviceClient.fromConnectionString(`HostName=${HOSTNAME};DeviceId=x509dev;x509=true`, Mqtt);
      x509.setOptions({ cert: mine.cert, key: mine.key });
      await h.withTimeout('x509 open', x509.open());
      await h.withTimeout('x509 sendEvent', x509.sendEvent(new Message('signed by my key')));
      const seen = (await registry.getTwin('x509dev')).responseBody;
      if (seen.connectionState !== 'Connected' || seen.authenticationType !== 'selfSigned')
        throw new Error('service view of the X.509 device: ' + JSON.stringify(seen));
      await h.withTimeout('x509 close', x509.close());
      // The same over AMQP: no token; the certificate is the credential.
      const overAmqp = DeviceClient.fromConnectionString(`HostName=${HOSTNAME};DeviceId=x509dev;x509=true`, Amqp);
      overAmqp.setOptions({ cert: mine.cert, key: mine.key });
      await h.withTimeout('x509 open over AMQP', overAmqp.open());
      const viaAmqp = new Message('signed by my key, over amqp');
      viaAmqp.messageId = 'x509-amqp-1';
      await h.withTimeout('x509 sendEvent over AMQP', overAmqp.sendEvent(viaAmqp));
      await h.withTimeout('x509 close over AMQP', overAmqp.close());
      const intruderAmqp = DeviceClient.fromConnectionString(`HostName=${HOSTNAME};DeviceId=x509dev;x509=true`, Amqp);
      intruderAmqp.setOptions({ cert: other.cert, key: other.key });
      // Over AMQP the SDK's open() attaches nothing; its first link is refused.
      await expectError('AMQP send with another certificate', h.withTimeout('intruder over AMQP',
        intruderAmqp.open().then(() => intruderAmqp.sendEvent(new Message('not mine'))), 20000));
      await intruderAmqp.close().catch(() => {});
      const intruder = DeviceClient.fromConnectionString(`HostName=${HOSTNAME};DeviceId=x509dev;x509=true`, Mqtt);
      intruder.setOptions({ cert: other.cert, key: other.key });
      await expectError('open with another certificate', h.withTimeout('intruder open', intruder.open()));
      await registry.delete('x509dev');
      fs.rmSync(dir, { recursive: true, force: true });
    }],
    ['a wrong key is refused; Registry.delete removes the device', async () => {
      const bad = DeviceClient.fromConnectionString(`HostName=${HOSTNAME};DeviceId=dev1;SharedAccessKey=${h.randomKey()}`, Mqtt);
      await expectError('open with a wrong key', h.withTimeout('bad open', bad.open()));
      await h.withTimeout('device close', device.close());
      device = null;
      await registry.delete('dev1');
      await expectError('get deleted', registry.get('dev1'), 'DeviceNotFoundError');
    }],
  ], async () => {
    if (device) await device.close().catch(() => {});
  });
}
