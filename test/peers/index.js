// Public entry point of the test peers for tests written in JS.
export { Receiver, startReceiver } from './lib/receiver.js';
export { startControlServer } from './lib/control.js';
export { FaultScript, parseFaultSpec } from './lib/faults.js';
export { decodeJson, decodeProtobuf, normaliseRequest, encodeRequest, DecodeError } from './lib/otlp.js';
export * from './lib/spans.js';
export { runProgram, spawnReceiver, cleanEnv, RECEIVER_SCRIPT } from './lib/process.js';
