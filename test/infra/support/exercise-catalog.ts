// The real catalog plus fixture functions that use every trigger kind and every kind of grant,
// so the generic wiring is checked even for kinds the real catalog does not use yet. The
// fixtures are synthesized without bundling, so their entries need not exist.
import { catalog, type Catalog, type FunctionDefinition, type StateMachineDefinition } from '../../../infra/catalog';

const fixtures: FunctionDefinition[] = [
  {
    name: 'fixture-sweeper',
    description: 'Fixture: scheduled twice, writes both tables, publishes events and pages, answers task tokens.',
    entry: 'functions/fixture-sweeper/handler.ts',
    memoryMb: 1024,
    timeoutSeconds: 60,
    table: 'readwrite',
    idempotencyTable: 'readwrite',
    publishEvents: true,
    topics: ['pages', 'alerts'],
    stepFunctionsCallbacks: true,
    stateMachines: {
      start: ['fixture-saga'],
      read: ['fixture-saga'],
      redrive: ['fixture-saga'],
      stop: ['fixture-saga'],
    },
    environment: { SWEEP_WINDOW_MINUTES: '15' },
    buckets: { 'fixture-files': 'readwrite' },
    keys: { fixture: 'encrypt' },
    triggers: [
      { kind: 'schedule', expression: 'rate(1 minute)' },
      { kind: 'schedule', expression: 'cron(0/5 * * * ? *)' },
    ],
  },
  {
    name: 'fixture-notifier',
    description: 'Fixture: reacts to bus events, reads the table, notifies stakeholders.',
    entry: 'functions/fixture-notifier/handler.ts',
    memoryMb: 128,
    timeoutSeconds: 15,
    table: 'read',
    topics: ['stakeholders'],
    buckets: { 'fixture-files': 'read' },
    keys: { fixture: 'both' },
    triggers: [
      {
        kind: 'event',
        pattern: { source: ['nocturne.incidents'], 'detail-type': ['Incident.Opened', 'Incident.Resolved'] },
      },
      { kind: 'event', pattern: { source: ['nocturne.tickets'], detail: { priority: ['P1'] } } },
    ],
  },
  {
    name: 'fixture-mixed',
    description: 'Fixture: one of each trigger kind and no table grant.',
    entry: 'functions/fixture-mixed/handler.ts',
    memoryMb: 192,
    timeoutSeconds: 20,
    triggers: [
      { kind: 'http', method: 'PUT', path: '/fixtures/{id}', auth: 'jwt', role: 'responder' },
      { kind: 'http', method: 'POST', path: '/fixtures/hook/{integrationId}', auth: 'token' },
      { kind: 'schedule', expression: 'rate(1 hour)' },
      { kind: 'event', pattern: { 'detail-type': ['Fixture.Happened'] } },
      { kind: 'tableStream', batchSize: 25 },
      { kind: 'inboundEmail', prefix: 'fixtures/mixed/' },
    ],
  },
];

/** A machine whose Tasks invoke two fixture functions (direct ARN and lambda:invoke). */
const fixtureMachines: StateMachineDefinition[] = [
  {
    name: 'fixture-saga',
    description: 'Fixture: a saga whose Tasks invoke fixture-notifier and fixture-mixed.',
    definitionFile: 'test/fixtures/state-machines/saga.asl.json',
    type: 'STANDARD',
    substitutions: { ValidateFn: { function: 'fixture-notifier' }, StepFn: { function: 'fixture-mixed' } },
    timeoutSeconds: 3600,
  },
  {
    name: 'fixture-distributed',
    description: 'Fixture: a Distributed Map over the objects of a bucket, results written back to it.',
    definitionFile: 'test/fixtures/state-machines/distributed-list.asl.json',
    type: 'STANDARD',
    substitutions: { StepFn: { function: 'fixture-mixed' } },
    buckets: { 'fixture-files': 'readwrite' },
  },
];

/** The fixtures are a feature of their own: one more nested stack in AWS. */
const FIXTURES_FEATURE = 'fixtures';

export const exerciseCatalog: Catalog = {
  ...catalog,
  functions: [...catalog.functions, ...fixtures.map((f) => ({ ...f, feature: FIXTURES_FEATURE }))],
  stateMachines: [...catalog.stateMachines, ...fixtureMachines.map((m) => ({ ...m, feature: FIXTURES_FEATURE }))],
  buckets: [...catalog.buckets, { name: 'fixture-files', description: 'Fixture: a bucket without expiry.' }],
  keys: [...catalog.keys, { name: 'fixture', description: 'Fixture: an envelope key.' }],
};

/** Every catalog the infra tests run against, by a name that reads well in test titles. */
export const catalogsUnderTest: Array<[string, Catalog]> = [
  ['infra/catalog.ts', catalog],
  ['infra/catalog.ts plus fixtures for every trigger and grant', exerciseCatalog],
];
