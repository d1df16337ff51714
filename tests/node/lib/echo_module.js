// A module that needs its edge hub's routes: ModuleClient.fromEnvironment() (the official SDK,
// unchanged), then a message on output "out1" every half second until one comes back on input
// "in1" — a route of the deployment. result.json in its folder says what happened.
'use strict';
const { ModuleClient, Message } = require('azure-iot-device');
const { Mqtt } = require('azure-iot-device-mqtt');
const fs = require('fs');

function report(result) {
  fs.writeFileSync('result.json.tmp', JSON.stringify(result));
  fs.renameSync('result.json.tmp', 'result.json');
}

let sent = 0;
let received = null;
ModuleClient.fromEnvironment(Mqtt, (err, client) => {
  if (err) return report({ ok: false, step: 'fromEnvironment', error: String(err) });
  client.on('inputMessage', (input, message) => {
    client.complete(message, () => {});
    if (input !== 'in1' || received) return;
    received = JSON.parse(message.data.toString());
    report({ ok: true, module: process.env.IOTEDGE_MODULEID, sent, received });
  });
  client.open((openErr) => {
    if (openErr) return report({ ok: false, step: 'open', error: String(openErr) });
    const send = () => {
      if (received) return;
      sent += 1;
      client.sendOutputEvent('out1', new Message(JSON.stringify({ n: sent, from: process.env.IOTEDGE_MODULEID })), (sendErr) => {
        if (sendErr) report({ ok: false, step: 'send', error: String(sendErr) });
        else setTimeout(send, 500);
      });
    };
    send();
  });
});
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1 << 30);
