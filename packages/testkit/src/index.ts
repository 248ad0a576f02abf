/**
 * Helpers for tests that run against the real local stack. Isolation is by unique names,
 * waiting is by condition with a deadline, and outside systems are real HTTP servers.
 */
export { loadStackEnvFile, stackEnv, type StackEnv } from './stack';
export { uniqueName } from './names';
export { waitFor, type WaitOptions } from './wait-for';
export { RecordingServer, type RecordedRequest, type Reply } from './recording-server';
export { ChildService } from './child-service';
export { httpJson, type JsonReply } from './http-json';
export { SlowLink } from './slow-link';
export { TcpProxy } from './tcp-proxy';
export { hostileTargets, rawRequest, type RawReply, type RawUpgrade, rawWebSocketUpgrade } from './raw-http';
