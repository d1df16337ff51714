// A module as IoT Edge runs one: the official SDK's ModuleClient.fromEnvironment() (token
// and trust bundle from the workload API named by IOTEDGE_WORKLOADURI), connects to the
// gateway, sends one output event, writes what happened to result.json in its folder, and
// stays up until stopped.
'use strict';
const { ModuleClient, Message } = require('azure-iot-device');
const { Mqtt } = require('azure-iot-device-mqtt');
const fs = require('fs');

function report(result) {
  fs.writeFileSync('result.json.tmp', JSON.stringify(result));
  fs.renameSync('result.json.tmp', 'result.json');
}

ModuleClient.fromEnvironment(Mqtt, (err, client) => {
  if (err) return report({ ok: false, step: 'fromEnvironment', error: String(err) });
  client.open((openErr) => {
    if (openErr) return report({ ok: false, step: 'open', error: String(openErr) });
    client.sendOutputEvent('out1', new Message(JSON.stringify({ from: process.env.IOTEDGE_MODULEID })), (sendErr) => {
      report(sendErr ? { ok: false, step: 'send', error: String(sendErr) } : { ok: true, module: process.env.IOTEDGE_MODULEID });
    });
  });
});
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1 << 30);
