// Judging answers against a probe's expectations (pure).
import { dnsProblem, httpProblem, readJsonPath } from '../../../shared/domain/probes/expectations';

const spec = {
  expectedStatus: [] as number[],
  bodyContains: undefined as string | undefined,
  jsonPath: undefined as { path: string; equals: string | number | boolean | null } | undefined,
  latencyThresholdMs: undefined as number | undefined,
};

describe('HTTP expectations', () => {
  it('accepts any 2xx by default', () => {
    expect(httpProblem(spec, { statusCode: 204, body: '', latencyMs: 10 })).toBeUndefined();
    expect(httpProblem(spec, { statusCode: 301, body: '', latencyMs: 10 })).toBe('status 301, expected 2xx');
  });

  it('accepts only the listed statuses when given', () => {
    expect(
      httpProblem({ ...spec, expectedStatus: [301, 302] }, { statusCode: 302, body: '', latencyMs: 1 }),
    ).toBeUndefined();
    expect(httpProblem({ ...spec, expectedStatus: [200] }, { statusCode: 500, body: '', latencyMs: 1 })).toBe(
      'status 500, expected 200',
    );
  });

  it('checks the body text', () => {
    expect(
      httpProblem({ ...spec, bodyContains: 'OK' }, { statusCode: 200, body: 'all OK', latencyMs: 1 }),
    ).toBeUndefined();
    expect(httpProblem({ ...spec, bodyContains: 'OK' }, { statusCode: 200, body: 'degraded', latencyMs: 1 })).toBe(
      'body does not contain "OK"',
    );
  });

  it('checks a JSON path value, and says what it found', () => {
    const jp = { path: '$.checks[1].status', equals: 'pass' };
    const body = JSON.stringify({ checks: [{ status: 'pass' }, { status: 'fail' }] });
    expect(httpProblem({ ...spec, jsonPath: jp }, { statusCode: 200, body, latencyMs: 1 })).toBe(
      '$.checks[1].status is "fail", expected "pass"',
    );
    expect(
      httpProblem(
        { ...spec, jsonPath: { path: '$.checks[0].status', equals: 'pass' } },
        { statusCode: 200, body, latencyMs: 1 },
      ),
    ).toBeUndefined();
    expect(httpProblem({ ...spec, jsonPath: jp }, { statusCode: 200, body: '<html>', latencyMs: 1 })).toMatch(
      /^body is not JSON/,
    );
    expect(
      httpProblem(
        { ...spec, jsonPath: { path: '$.missing', equals: true } },
        { statusCode: 200, body: '{}', latencyMs: 1 },
      ),
    ).toBe('$.missing is missing, expected true');
  });

  it('fails a slow answer over the latency threshold', () => {
    expect(httpProblem({ ...spec, latencyThresholdMs: 500 }, { statusCode: 200, body: '', latencyMs: 800 })).toBe(
      'slow: answered in 800 ms, threshold 500 ms',
    );
  });

  it('reads JSON paths with names, indices and quoted names', () => {
    const doc = { a: { 'b c': [1, { d: null }] } };
    expect(readJsonPath(doc, '$.a["b c"][1].d')).toEqual({ exists: true, value: null });
    expect(readJsonPath(doc, '$.a["b c"][5]')).toEqual({ exists: false });
    expect(readJsonPath(doc, '$')).toEqual({ exists: true, value: doc });
  });
});

describe('DNS expectations', () => {
  it('needs at least one answer', () => {
    expect(dnsProblem({ recordType: 'A', hostname: 'x.test' }, [])).toBe('no A record for x.test');
  });

  it('compares names case-insensitively without the final dot', () => {
    expect(
      dnsProblem({ recordType: 'CNAME', hostname: 'w.test', expected: 'LB.Example.COM.' }, ['lb.example.com']),
    ).toBeUndefined();
  });

  it('accepts an MX exchange alone', () => {
    expect(
      dnsProblem({ recordType: 'MX', hostname: 'x.test', expected: 'mx1.x.test' }, ['10 mx1.x.test']),
    ).toBeUndefined();
  });

  it('says what it got when the expected answer is missing', () => {
    expect(dnsProblem({ recordType: 'A', hostname: 'x.test', expected: '10.0.0.1' }, ['10.0.0.2'])).toBe(
      'A x.test answered 10.0.0.2, expected 10.0.0.1',
    );
  });
});
