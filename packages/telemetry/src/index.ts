/**
 * OpenTelemetry for orderpulse's services. `@orderpulse/telemetry/register` (loaded first by each
 * service's `main.ts`) starts it from the standard `OTEL_*` keys; the trace context then rides
 * through events (`traceparent`, set by `@orderpulse/contracts` at write time), consumers
 * (`@orderpulse/kafka`) and jobs (`@orderpulse/jobs`) without further code.
 */
export { startTracing, tracingMode, type TracingEnv, type TracingMode } from './tracing';
