// A simulated temperature sensor, as IoT Edge's SimulatedTemperatureSensor sample does it:
// an ordinary module written with the official Azure IoT Node SDK. Nothing here knows about
// Outpost — it reads the standard environment (EdgeHubConnectionString and
// EdgeModuleCACertificateFile, or the IOTEDGE_* workload variables) and sends readings on
// the output "temperatureOutput". The desired property "sendIntervalSeconds" changes the pace.
'use strict';
const { ModuleClient, Message } = require('azure-iot-device');
const { Mqtt } = require('azure-iot-device-mqtt');

let intervalSeconds = Number(process.env.SEND_INTERVAL_SECONDS || 1);
let temperature = 21.0;
let sequence = 0;
let timer;

function schedule(client) {
  clearInterval(timer);
  timer = setInterval(() => {
    temperature += (Math.random() - 0.45) * 0.6;
    const body = { machine: { temperature: Number(temperature.toFixed(2)), pressure: 1.0 + temperature / 100 },
                   ambient: { temperature: 20.5, humidity: 25 }, timeCreated: new Date().toISOString() };
    const message = new Message(JSON.stringify(body));
    message.messageId = `reading-${++sequence}`;
    message.contentType = 'application/json';
    message.contentEncoding = 'utf-8';
    message.properties.add('sensor', 'simulated');
    client.sendOutputEvent('temperatureOutput', message, (err) => {
      if (err) console.error(`temp-sensor: send failed (the hub keeps nothing it did not acknowledge): ${err.message}`);
    });
  }, intervalSeconds * 1000);
}

ModuleClient.fromEnvironment(Mqtt, (err, client) => {
  if (err) {
    console.error('temp-sensor: cannot create the module client: ' + err.message);
    process.exit(1);
  }
  client.on('error', (e) => console.error('temp-sensor: ' + e.message));
  const open = () => client.open((openErr) => {
    if (openErr) {
      // On IoT Edge the agent would restart us; here, simply try again.
      console.error('temp-sensor: cannot connect yet (' + openErr.message + '); retrying in 2 s');
      setTimeout(open, 2000);
      return;
    }
    client.getTwin((twinErr, twin) => {
      if (!twinErr) {
        twin.on('properties.desired', (desired) => {
          if (typeof desired.sendIntervalSeconds === 'number' && desired.sendIntervalSeconds > 0) {
            intervalSeconds = desired.sendIntervalSeconds;
            schedule(client);
            twin.properties.reported.update({ sendIntervalSeconds: intervalSeconds }, () => {});
          }
        });
      }
    });
    schedule(client);
  });
  open();
});

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
