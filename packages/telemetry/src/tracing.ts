import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** How a process traces, as decided from the standard `OTEL_*` keys. */
export type TracingMode = 'export' | 'propagate-only';

/** The standard OpenTelemetry environment keys this reads (the SDK reads the rest itself). */
export interface TracingEnv {
  OTEL_SDK_DISABLED?: string | undefined;
  OTEL_SERVICE_NAME?: string | undefined;
  OTEL_TRACES_EXPORTER?: string | undefined;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_ZIPKIN_ENDPOINT?: string | undefined;
}

/**
 * Whether spans are recorded and exported. Export is on when an OTLP endpoint is named
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `..._TRACES_ENDPOINT`) or `OTEL_TRACES_EXPORTER` names an
 * exporter (`otlp`, `zipkin` with `OTEL_EXPORTER_ZIPKIN_ENDPOINT`, `console`); off with
 * `OTEL_SDK_DISABLED=true`, `OTEL_TRACES_EXPORTER=none`, or none of these keys set.
 * Source: OpenTelemetry SDK environment variable specification.
 */
export function tracingMode(env: TracingEnv): TracingMode {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return 'propagate-only';
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter === 'none') return 'propagate-only';
  if (exporter) return 'export';
  return env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'export' : 'propagate-only';
}

let started: { mode: TracingMode; shutdown: () => Promise<void> } | undefined;

/**
 * Starts OpenTelemetry for a service process. Must run before express, mongodb, ioredis and
 * http are loaded (services load `@orderpulse/telemetry/register` first), so the
 * instrumentations can patch them.
 *
 * - `export`: the Node SDK with the http, express, mongodb, ioredis and fetch (undici)
 *   instrumentations; the exporter, endpoint, sampler and batching come from the SDK's own
 *   `OTEL_*` keys.
 * - `propagate-only`: no spans, but the W3C Trace Context propagator and the async-local
 *   context are registered, so a consumed event's `traceparent` still rides on to the events,
 *   jobs and calls it causes. Costs a header parse per message.
 *
 * Idempotent; returns how it traces and how to flush and stop (call it before exiting).
 */
export function startTracing(
  serviceName: string,
  env: TracingEnv,
): { mode: TracingMode; shutdown: () => Promise<void> } {
  if (started) return started;
  const mode = tracingMode(env);
  if (mode === 'propagate-only') {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    started = { mode, shutdown: async () => undefined };
    return started;
  }
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || serviceName,
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations: [
      // Probes and scrapes would drown the traces that matter.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)(\?|$)/.test(req.url ?? ''),
      }),
      new ExpressInstrumentation(),
      new MongoDBInstrumentation(),
      new IORedisInstrumentation(),
      new UndiciInstrumentation(),
    ],
  });
  sdk.start();
  started = { mode, shutdown: () => sdk.shutdown() };
  return started;
}
