// The catalog reads routes and event patterns from their single declarations: every operation
// (shared/api/operations) is served by exactly one catalog function and every HTTP trigger is an
// operation; every event pattern names a source and detail-types that an events/ contract declares.
import { alertEventContracts } from '../../events/alerts';
import { incidentEventContracts } from '../../events/incidents';
import { probeEventContracts, probeRoundContracts } from '../../events/probes';
import { ticketEventContracts } from '../../events/tickets';
import { catalog, type EventTrigger, type FunctionDefinition, type HttpTrigger } from '../../infra/catalog';
import { isCreateOperation, routeKeyOf } from '../../shared/api/operation';
import { allOperations } from '../../shared/api/operations';

const contracts = [
  ...alertEventContracts,
  ...incidentEventContracts,
  ...ticketEventContracts,
  ...probeEventContracts,
  ...probeRoundContracts,
];

const httpRoutesOf = (fns: FunctionDefinition[]) =>
  fns.flatMap((fn) =>
    fn.triggers
      .filter((t): t is HttpTrigger => t.kind === 'http')
      .map((t) => ({ fn: fn.name, key: `${t.method} ${t.path}`, t })),
  );
const eventPatternsOf = (fns: FunctionDefinition[]) =>
  fns.flatMap((fn) =>
    fn.triggers.filter((t): t is EventTrigger => t.kind === 'event').map((t) => ({ fn: fn.name, pattern: t.pattern })),
  );

/** Problems of a catalog's routes against the operations: an operation no function serves (or two
 * serve), a route no operation declares, a route whose auth or role differs from its operation. */
function routeProblems(fns: FunctionDefinition[]): string[] {
  const routes = httpRoutesOf(fns);
  const problems: string[] = [];
  for (const op of allOperations) {
    const serving = routes.filter((r) => r.key === routeKeyOf(op));
    if (serving.length !== 1) problems.push(`${routeKeyOf(op)}: served by ${serving.length} functions`);
  }
  const ops = new Map(allOperations.map((op) => [routeKeyOf(op), op]));
  for (const r of routes) {
    const op = ops.get(r.key);
    if (!op) problems.push(`${r.key} (${r.fn}): no operation declares it`);
    else if (op.auth !== r.t.auth || op.role !== r.t.role)
      problems.push(`${r.key} (${r.fn}): auth/role differ from the operation`);
  }
  return problems;
}

/** Detail-types an event pattern names that no contract of its sources declares. */
function patternProblems(fns: FunctionDefinition[]): string[] {
  const problems: string[] = [];
  for (const { fn, pattern } of eventPatternsOf(fns)) {
    const sources = pattern.source ?? [];
    if (sources.length === 0) problems.push(`${fn}: a pattern without a source`);
    for (const source of sources)
      if (!contracts.some((c) => c.source === source)) problems.push(`${fn}: no contract has source ${source}`);
    for (const dt of pattern['detail-type'] ?? [])
      if (!contracts.some((c) => sources.includes(c.source) && c.detailType === dt))
        problems.push(`${fn}: no contract declares "${dt}" for ${sources.join(', ')}`);
  }
  return problems;
}

describe('catalog routes come from the operations', () => {
  it('every operation is served by exactly one function, and every route is an operation', () => {
    expect(routeProblems(catalog.functions)).toEqual([]);
  });

  it('fails when an operation has no function', () => {
    const without = catalog.functions.filter((f) => f.name !== 'ops-alerts');
    expect(routeProblems(without)).toEqual(expect.arrayContaining(['GET /alerts: served by 0 functions']));
  });

  it("fails when a function's route has no operation", () => {
    const extra: FunctionDefinition = {
      ...catalog.functions[0]!,
      name: 'stray',
      triggers: [{ kind: 'http', method: 'GET', path: '/stray', auth: 'public' }],
    };
    expect(routeProblems([...catalog.functions, extra])).toEqual(['GET /stray (stray): no operation declares it']);
  });
});

describe('catalog event patterns come from the events/ contracts', () => {
  it('every pattern names a declared source and detail-types', () => {
    expect(eventPatternsOf(catalog.functions).length).toBeGreaterThan(0);
    expect(patternProblems(catalog.functions)).toEqual([]);
  });

  it('fails when a pattern names a detail-type no contract declares', () => {
    const stray: FunctionDefinition = {
      ...catalog.functions[0]!,
      name: 'stray',
      triggers: [{ kind: 'event', pattern: { source: ['nocturne.incidents'], 'detail-type': ['Incident Exploded'] } }],
    };
    expect(patternProblems([stray])).toEqual([
      'stray: no contract declares "Incident Exploded" for nocturne.incidents',
    ]);
  });
});

describe('state machines', () => {
  it('each feature file has a place for them', () => {
    expect(Array.isArray(catalog.stateMachines)).toBe(true);
  });
});

describe('Idempotency-Key on create routes', () => {
  it('every function serving a create operation may write the idempotency table', () => {
    const creates = new Set(allOperations.filter(isCreateOperation).map(routeKeyOf));
    const missing = httpRoutesOf(catalog.functions)
      .filter((r) => creates.has(r.key))
      .filter((r) => catalog.functions.find((f) => f.name === r.fn)!.idempotencyTable !== 'readwrite')
      .map((r) => `${r.fn}: ${r.key}`);
    expect(creates.size).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });
});

describe('what AWS accepts', () => {
  it("every function's description fits Lambda's 256 characters (a longer one fails synthesis)", () => {
    const long = catalog.functions
      .filter((f) => (f.description ?? '').length > 256)
      .map((f) => `${f.name}: ${f.description!.length}`);
    expect(long).toEqual([]);
  });
});
