// Loaded first by every service's main.ts, before any instrumented module, as OpenTelemetry's
// Node SDK requires. The service name defaults to the folder the entry point is in
// (services/<name>/dist/main.js); OTEL_SERVICE_NAME overrides it.
import path from 'node:path';

import { startTracing } from './tracing';

const entry = process.argv[1] ?? '';
const name = path.basename(path.dirname(path.dirname(entry))) || 'orderpulse';
const tracing = startTracing(name, process.env);

// Spans wait in a batch: flush them when the service stops.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void tracing.shutdown().catch(() => undefined);
  });
}
