import { tracingMode } from '../src';

/** Which standard OTEL_* settings turn span export on (OpenTelemetry SDK environment variable spec). */
describe('tracingMode', () => {
  test('exports when an OTLP endpoint is named', () => {
    expect(tracingMode({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe('export');
    expect(tracingMode({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe('export');
  });

  test('exports when an exporter is named, such as zipkin', () => {
    expect(
      tracingMode({
        OTEL_TRACES_EXPORTER: 'zipkin',
        OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans',
      }),
    ).toBe('export');
  });

  test('only propagates when nothing is named, when disabled, or with the none exporter', () => {
    expect(tracingMode({})).toBe('propagate-only');
    expect(tracingMode({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(
      'propagate-only',
    );
    expect(tracingMode({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(
      'propagate-only',
    );
  });
});
