import { AppError, ErrorCodes, type ErrorCode, problemOf, ProblemMembers } from '@orderpulse/service-kit';

describe('a problem document (RFC 9457)', () => {
  const codes = Object.keys(ErrorCodes) as ErrorCode[];

  test.each(codes)('of a %s error carries the numeric HTTP status, and its details under their own names', (code) => {
    const problem = problemOf(
      new AppError(code, 'something', { orderStatus: 'not_connected', version: 3 }),
      '/v1/orders/o-1/accept',
      'req-1',
    );
    expect(problem.status).toBe(ErrorCodes[code]);
    expect(typeof problem.status).toBe('number');
    expect(problem).toMatchObject({
      code,
      instance: '/v1/orders/o-1/accept',
      requestId: 'req-1',
      orderStatus: 'not_connected',
      version: 3,
    });
  });

  test('keeps its own members even when details (from code the types did not see) try to reuse them', () => {
    const hostile = Object.fromEntries(ProblemMembers.map((m) => [m, 'not_connected']));
    // A computed object or JavaScript gets here; ProblemDetails refuses these names only when written out.
    const problem = problemOf(new AppError('WINDOW_CLOSED', 'too late', hostile), '/x', 'req-2');
    expect(problem).toMatchObject({
      status: 409,
      code: 'WINDOW_CLOSED',
      type: 'urn:orderpulse:problem:window-closed',
      title: 'window closed',
      detail: 'too late',
      instance: '/x',
      requestId: 'req-2',
    });
  });
});
