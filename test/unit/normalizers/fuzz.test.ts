// Property tests: every real fixture, mutated (keys dropped, types changed, huge strings, deep
// nesting, random JSON, random bytes), either normalizes into valid canonical alerts or is
// rejected with MalformedPayloadError / ValidationError. Never any other error.
import fc from 'fast-check';
import { canonicalAlertSchema, type AlertSource, type CanonicalAlert } from '../../../shared/domain/alert';
import { MalformedPayloadError, ValidationError } from '../../../shared/domain/errors';
import { normalize, normalizers } from '../../../shared/domain/normalizers';
import { normalizeCloudWatchAlarm, parseSnsEnvelope } from '../../../shared/domain/normalizers/cloudwatch';
import { validatePagerDutyEvent } from '../../../shared/domain/normalizers/pagerduty';
import { allFixtures, contentTypeOf, ctx, fixtureText } from './fixtures';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain', ''];
const DEEP = '"\u0000deep\u0000"';

/** The outcome every normalizer promises. */
function expectAllowedOutcome(run: () => CanonicalAlert[]): void {
  let alerts: CanonicalAlert[];
  try {
    alerts = run();
  } catch (err) {
    if (err instanceof MalformedPayloadError) return;
    if (err instanceof ValidationError) {
      expect(Array.isArray(err.issues)).toBe(true);
      for (const i of err.issues) expect(typeof i.field === 'string' && typeof i.message === 'string').toBe(true);
      return;
    }
    throw err;
  }
  expect(Array.isArray(alerts)).toBe(true);
  expect(alerts.length).toBeLessThanOrEqual(500);
  for (const a of alerts) {
    const r = canonicalAlertSchema.safeParse(a);
    if (!r.success) throw new Error(`invalid alert: ${JSON.stringify(r.error.issues).slice(0, 1000)}`);
  }
}

/** Every path in a JSON value (objects and arrays, a few levels deep), the root included. */
function pathsOf(value: Json, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (path.length > 6) return out;
  if (Array.isArray(value)) value.slice(0, 5).forEach((v, i) => pathsOf(v, [...path, i], out));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...path, k], out);
  return out;
}

function getAt(value: Json, path: Path): Json | undefined {
  let cur: Json | undefined = value;
  for (const p of path)
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, Json>)[p as string] : undefined;
  return cur;
}

/** A copy of value with the thing at path replaced (or removed when replacement is undefined). */
function setAt(value: Json, path: Path, replacement: Json | undefined): Json | undefined {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = setAt(copy[head as number] ?? null, rest, replacement);
    if (next === undefined) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  if (value !== null && typeof value === 'object') {
    const copy = { ...value };
    const next = setAt(copy[head as string] ?? null, rest, replacement);
    if (next === undefined) delete copy[head as string];
    else copy[head as string] = next;
    return copy;
  }
  return value;
}

type Mutation =
  | { kind: 'drop' }
  | { kind: 'replace'; with: Json }
  | { kind: 'huge'; size: number; char: string }
  | { kind: 'weird-string'; text: string }
  | { kind: 'deep'; depth: number; open: '[' | '{"a":' }
  | { kind: 'multiply'; times: number }
  | { kind: 'inner'; mutation: Mutation; pick: number };

const leafMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ kind: 'drop' }),
  fc.jsonValue({ maxDepth: 3 }).map((v): Mutation => ({ kind: 'replace', with: v as Json })),
  fc
    .constantFrom<Json>(
      null,
      0,
      -1,
      1e308,
      true,
      '',
      ' ',
      [],
      {},
      '0001-01-01T00:00:00Z',
      'javascript:alert(1)',
      '$HOSTNAME$',
      '{EVENT.ID}',
      '__proto__',
    )
    .map((v): Mutation => ({ kind: 'replace', with: v })),
  fc
    .record({
      size: fc.integer({ min: 1000, max: 120_000 }),
      char: fc.constantFrom('x', 'é', '😀', ',', ':', '\n', '%'),
    })
    .map((r): Mutation => ({ kind: 'huge', ...r })),
  fc.string({ unit: 'binary', maxLength: 64 }).map((text): Mutation => ({ kind: 'weird-string', text })),
  fc
    .record({ depth: fc.integer({ min: 10, max: 20_000 }), open: fc.constantFrom<'[' | '{"a":'>('[', '{"a":') })
    .map((r): Mutation => ({ kind: 'deep', ...r })),
  fc.integer({ min: 2, max: 700 }).map((times): Mutation => ({ kind: 'multiply', times })),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: leafMutation },
  {
    weight: 1,
    arbitrary: fc.record({ mutation: leafMutation, pick: fc.nat() }).map((r): Mutation => ({ kind: 'inner', ...r })),
  },
);

/** Apply one mutation at path; `deep` leaves a marker that the serialiser swaps for a nested literal. */
function mutate(value: Json, path: Path, m: Mutation, deep: string[]): Json | undefined {
  const current = getAt(value, path);
  switch (m.kind) {
    case 'drop':
      return setAt(value, path, undefined);
    case 'replace':
      return setAt(value, path, m.with);
    case 'huge':
      return setAt(value, path, m.char.repeat(m.size));
    case 'weird-string':
      return setAt(value, path, m.text);
    case 'deep':
      deep.push(`${m.open.repeat(m.depth)}1${(m.open === '[' ? ']' : '}').repeat(m.depth)}`);
      return setAt(value, path, DEEP.replace('deep', `deep${deep.length - 1}`).slice(1, -1));
    case 'multiply':
      return Array.isArray(current) && current.length > 0
        ? setAt(
            value,
            path,
            Array.from({ length: m.times }, (_, i) => current[i % current.length]!),
          )
        : value;
    case 'inner': {
      // A field holding JSON text (the SNS Message, Zabbix tags): mutate inside it.
      if (typeof current !== 'string') return value;
      let inner: Json;
      try {
        inner = JSON.parse(current) as Json;
      } catch {
        return value;
      }
      const paths = pathsOf(inner);
      const innerDeep: string[] = [];
      const mutated = mutate(inner, paths[m.pick % paths.length]!, m.mutation, innerDeep);
      try {
        return setAt(value, path, mutated === undefined ? '' : serialise(mutated, innerDeep));
      } catch {
        return value; // the text was already nested too deeply for this test to re-serialise
      }
    }
  }
}

function serialise(value: Json | undefined, deep: string[]): string {
  let text = JSON.stringify(value) ?? '';
  deep.forEach((literal, i) => {
    text = text.replace(JSON.stringify(`\u0000deep${i}\u0000`), literal);
  });
  return text;
}

/** How each fixture is fed to its normalizer (alarm-*.json are the bare alarm inside an SNS Message). */
function runnerFor(source: AlertSource, name: string): (body: string, contentType: string) => CanonicalAlert[] {
  if (source === 'cloudwatch' && name.startsWith('alarm-')) return (body) => normalizeCloudWatchAlarm(body, ctx);
  return (body, contentType) => normalizers[source]({ body, contentType, query: {} }, ctx);
}

const fixtures = allFixtures();

describe.each(fixtures)('fuzzing $source/$name', ({ source, name }) => {
  const original = fixtureText(source, name);
  const run = runnerFor(source, name);
  const contentType = contentTypeOf(name);

  it('normalizes the fixture itself or rejects it with a domain error', () => {
    expectAllowedOutcome(() => run(original, contentType));
  });

  if (name.endsWith('.json')) {
    const value = JSON.parse(original) as Json;
    const paths = pathsOf(value);

    it('survives structural mutations (dropped keys, changed types, huge strings, deep nesting, batches)', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 4 }), (ops) => {
          const deep: string[] = [];
          let v: Json | undefined = value;
          for (const [pick, m] of ops) {
            const candidates: Path[] = v === undefined ? [[]] : pathsOf(v);
            v = v === undefined ? undefined : mutate(v, candidates[pick % candidates.length] ?? [], m, deep);
          }
          const body = serialise(v, deep);
          expectAllowedOutcome(() => run(body, contentType));
        }),
        { numRuns: RUNS },
      );
    });

    it('survives each path being dropped in turn', () => {
      for (const p of paths.filter((x) => x.length > 0))
        expectAllowedOutcome(() => run(JSON.stringify(setAt(value, p, undefined)), contentType));
    });
  } else {
    const fields = [...new URLSearchParams(original)];

    it('survives form fields dropped, emptied, replaced, duplicated or made huge', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.tuple(
              fc.nat(),
              fc.oneof(
                fc.constant<string | null>(null),
                fc.string({ unit: 'binary', maxLength: 80 }),
                fc.integer({ min: 1000, max: 200_000 }).map((n) => 'A'.repeat(n)),
                fc.constantFrom(
                  '',
                  '$HOSTNAME$',
                  'PROBLEM',
                  'RECOVERY',
                  'DOWN',
                  'CRITICAL',
                  '-1',
                  '99999999999999999999',
                ),
              ),
            ),
            { minLength: 1, maxLength: 6 },
          ),
          fc.constantFrom(...CONTENT_TYPES),
          (ops, type) => {
            const f = [...fields];
            for (const [pick, replacement] of ops) {
              const i = pick % Math.max(f.length, 1);
              if (replacement === null) f.splice(i, 1);
              else if (f[i]) f[i] = [f[i]![0], replacement];
              else f.push(['NOTIFICATIONTYPE', replacement]);
            }
            expectAllowedOutcome(() => run(new URLSearchParams(f).toString(), type));
          },
        ),
        { numRuns: RUNS },
      );
    });
  }

  it('survives the body cut short or with bytes flipped', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: original.length }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 5 }),
        (cut, flips) => {
          const bytes = Buffer.from(original.slice(0, cut), 'utf8');
          for (const [at, b] of flips) if (bytes.length > 0) bytes[at % bytes.length] = b;
          expectAllowedOutcome(() => run(bytes.toString('utf8'), contentType));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe.each(Object.keys(normalizers) as AlertSource[])('fuzzing the %s normalizer with arbitrary input', (source) => {
  const run = (body: string, contentType: string) => normalize(source, { body, contentType, query: {} }, ctx);

  it('survives random JSON documents', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.constantFrom(...CONTENT_TYPES), (v, type) => {
        expectAllowedOutcome(() => run(JSON.stringify(v) ?? 'null', type));
      }),
      { numRuns: RUNS },
    );
  });

  it('survives random objects with the fields this format reads', () => {
    const keys = [
      'alerts',
      'status',
      'labels',
      'annotations',
      'fingerprint',
      'version',
      'startsAt',
      'endsAt',
      'generatorURL',
      'externalURL',
      'aggreg_key',
      'alert_id',
      'transition',
      'title',
      'tags',
      'date',
      'hostname',
      'priority',
      'event_id',
      'event_value',
      'event_nseverity',
      'event_tags',
      'NOTIFICATIONTYPE',
      'HOSTNAME',
      'SERVICEDESC',
      'SERVICESTATE',
      'TIMET',
      'Type',
      'Message',
      'MessageId',
      'TopicArn',
      'Timestamp',
      'SignatureVersion',
      'Signature',
      'SigningCertURL',
      'routing_key',
      'event_action',
      'dedup_key',
      'payload',
      'links',
      'images',
      'dedupKey',
      'summary',
      'severity',
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 12 }), (obj) => {
        expectAllowedOutcome(() => run(JSON.stringify(obj), 'application/json'));
      }),
      { numRuns: RUNS },
    );
  });

  it('survives random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.constantFrom(...CONTENT_TYPES), (bytes, type) => {
        expectAllowedOutcome(() => run(Buffer.from(bytes).toString('utf8'), type));
        expectAllowedOutcome(() => run(Buffer.from(bytes).toString('latin1'), type));
      }),
      { numRuns: RUNS },
    );
  });

  it('survives extreme nesting and size', () => {
    for (const body of [
      '['.repeat(100_000) + ']'.repeat(100_000),
      '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000),
      `{"alerts":${'['.repeat(30_000)}${']'.repeat(30_000)}}`,
      `{"payload":{"summary":"s","source":"s","severity":"info","custom_details":${'['.repeat(30_000)}${']'.repeat(30_000)}},"routing_key":"k","event_action":"trigger"}`,
      `{"k":"${'x'.repeat(2_000_000)}"}`,
      'x'.repeat(1_000_000),
      '=&'.repeat(100_000),
    ]) {
      expectAllowedOutcome(() => run(body, 'application/json'));
      expectAllowedOutcome(() => run(body, 'application/x-www-form-urlencoded'));
    }
  });
});

describe('fuzzing the pure helpers that take parsed values', () => {
  it('parseSnsEnvelope and validatePagerDutyEvent never throw anything but domain errors', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        expect(validatePagerDutyEvent(v)).toHaveProperty('ok');
        try {
          parseSnsEnvelope(v);
        } catch (err) {
          if (!(err instanceof ValidationError || err instanceof MalformedPayloadError)) throw err;
        }
        expectAllowedOutcome(() => normalizeCloudWatchAlarm(v, ctx));
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
