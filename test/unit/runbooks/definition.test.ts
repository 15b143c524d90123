// Runbook definitions, pure: the schema and its checks (unique ids, on-failure only to a later step),
// typed run parameters, templates, the next step after each outcome, and who may approve.
import { ValidationError } from '../../../shared/domain/errors';
import {
  approvalRefusal,
  attachedTo,
  bindParameters,
  checkRunbook,
  nextStep,
  probesOf,
  render,
  runbookSchema,
  timeoutOf,
  type RunbookDefinition,
} from '../../../shared/domain/runbooks/definition';

const def = (over: Partial<Record<string, unknown>> = {}): RunbookDefinition =>
  runbookSchema.parse({
    name: 'Restart billing API',
    parameters: [
      { name: 'region', type: 'string' },
      { name: 'force', type: 'boolean', required: false, default: false },
      { name: 'replicas', type: 'number', required: false },
    ],
    steps: [
      { id: 'tell', kind: 'notify', subject: 'Restarting {{params.region}}', message: 'Incident #{{incident.number}}' },
      { id: 'ok', kind: 'approval', prompt: 'Restart {{params.region}}?' },
      {
        id: 'restart',
        kind: 'http',
        url: 'https://ops.example/restart',
        onFailure: 'ticket',
        retry: { maxAttempts: 3 },
      },
      { id: 'settle', kind: 'wait', seconds: 60, onFailure: 'continue' },
      { id: 'ticket', kind: 'ticket', categoryId: 'general-support', subject: 'Check {{params.region}}' },
    ],
    ...over,
  });

describe('runbook definitions', () => {
  it('accepts typed steps with defaults for timeout, retry and on-failure', () => {
    const d = def();
    expect(() => checkRunbook(d)).not.toThrow();
    expect(d.steps[0]).toMatchObject({ onFailure: 'abort', retry: { maxAttempts: 1, intervalSeconds: 2 } });
    expect(d.steps[2]).toMatchObject({ method: 'POST', retry: { maxAttempts: 3 } });
    expect(timeoutOf(d.steps[1]!)).toBe(3600);
    expect(timeoutOf(d.steps[3]!)).toBe(120);
    expect(timeoutOf(d.steps[2]!)).toBe(30);
  });

  it('refuses an unknown step kind and a step without its fields, naming them', () => {
    const bad = runbookSchema.safeParse({ name: 'x', steps: [{ id: 'a', kind: 'teleport' }] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path.join('.')).toBe('steps.0.kind');
    const noUrl = runbookSchema.safeParse({ name: 'x', steps: [{ id: 'a', kind: 'http' }] });
    expect(noUrl.error!.issues[0]!.path.join('.')).toBe('steps.0.url');
  });

  it('refuses duplicate ids and an on-failure branch to an earlier or unknown step', () => {
    const back = def();
    back.steps[3] = { ...back.steps[3]!, onFailure: 'tell' };
    expect(() => checkRunbook(back)).toThrow(ValidationError);
    try {
      checkRunbook(back);
    } catch (err) {
      expect((err as ValidationError).issues).toEqual([
        { field: 'steps.3.onFailure', message: expect.stringContaining('does not come after this step') },
      ]);
    }
    const dup = def();
    dup.steps[1] = { ...dup.steps[1]!, id: 'tell' };
    expect(() => checkRunbook(dup)).toThrow(/not valid/);
    const unknown = def();
    unknown.steps[0] = { ...unknown.steps[0]!, onFailure: 'nowhere' };
    expect(() => checkRunbook(unknown)).toThrow(ValidationError);
  });

  it('binds typed parameters with defaults; missing, mistyped and unknown ones are 422s naming them', () => {
    expect(bindParameters(def(), { region: 'eu-1' })).toEqual({ region: 'eu-1', force: false });
    try {
      bindParameters(def(), { force: 'yes', colour: 'red' });
      throw new Error('accepted');
    } catch (err) {
      expect((err as ValidationError).issues.map((i) => i.field)).toEqual([
        'parameters.region',
        'parameters.force',
        'parameters.colour',
      ]);
    }
  });

  it('renders parameters and incident facts into templates', () => {
    expect(
      render('Restart {{params.region}} for #{{ incident.number }} ({{incident.serviceId}}){{params.none}}', {
        params: { region: 'eu-1' },
        incident: { number: 7, serviceId: 'billing-api' },
      }),
    ).toBe('Restart eu-1 for #7 (billing-api)');
  });

  it('goes on after success, and after a failure aborts, continues or branches forward', () => {
    const d = def();
    expect(nextStep(d, 0, 'succeeded')).toEqual({ index: 1 });
    expect(nextStep(d, 0, 'failed')).toEqual({ end: 'failed' });
    expect(nextStep(d, 2, 'failed')).toEqual({ index: 4 });
    expect(nextStep(d, 3, 'failed')).toEqual({ index: 4 });
    expect(nextStep(d, 4, 'succeeded')).toEqual({ end: 'succeeded' });
  });

  it('the person who started the run cannot approve it; an approver list is honoured', () => {
    const step = runbookSchema.parse({ name: 'x', steps: [{ id: 'a', kind: 'approval', prompt: 'ok?' }] })
      .steps[0] as Extract<RunbookDefinition['steps'][number], { kind: 'approval' }>;
    expect(approvalRefusal(step, 'ann', 'ann')).toMatchObject({ status: 403 });
    expect(approvalRefusal(step, 'ann', 'bob')).toBeUndefined();
    expect(approvalRefusal({ ...step, approvers: ['cy'] }, 'ann', 'bob')).toMatchObject({ status: 403 });
    expect(approvalRefusal({ ...step, approvers: ['cy'] }, 'ann', 'cy')).toBeUndefined();
  });

  it('an attachment matches the incident by service and by one alert carrying every label', () => {
    const attach = def({
      attach: { services: ['billing-api'], labels: { alertname: 'Down' }, parameters: { region: 'eu' } },
    }).attach!;
    expect(attachedTo(attach, { serviceId: 'billing-api' }, [{ alertname: 'Down', severity: 'critical' }])).toBe(true);
    expect(attachedTo(attach, { serviceId: 'billing-api' }, [{ alertname: 'Up' }])).toBe(false);
    expect(attachedTo(attach, { serviceId: 'rating' }, [{ alertname: 'Down' }])).toBe(false);
    expect(attachedTo(undefined, { serviceId: 'billing-api' }, [])).toBe(false);
    expect(runbookSchema.safeParse({ ...def(), attach: { parameters: {} } }).success).toBe(false);
  });

  it("an attachment's parameters must bind to the runbook's, named under attach", () => {
    const d = def({ attach: { services: ['billing-api'], parameters: {} } });
    expect(() => checkRunbook(d)).toThrow(ValidationError);
    try {
      checkRunbook(d);
    } catch (err) {
      expect((err as ValidationError).issues.map((i) => i.field)).toEqual(['attach.parameters.region']);
    }
  });

  describe('probe checks', () => {
    const probeDef = (probe: Record<string, unknown>) =>
      runbookSchema.parse({
        name: 'Check then act',
        steps: [
          { id: 'tell', kind: 'notify', subject: 's', message: 'm' },
          { id: 'check', kind: 'probe', probeId: 'billing-health', ...probe },
          { id: 'restart', kind: 'http', url: 'https://ops.example/restart' },
          { id: 'settle', kind: 'wait', seconds: 10 },
          { id: 'close', kind: 'ticket', categoryId: 'general-support', subject: 'done' },
        ],
      });
    const fields = (d: RunbookDefinition) => {
      try {
        checkRunbook(d);
        return [];
      } catch (err) {
        return (err as ValidationError).issues.map((i) => i.field);
      }
    };

    it('defaults: next on success, abort on failure, 30 s, one attempt; names the probes to look up', () => {
      const d = probeDef({});
      expect(d.steps[1]).toMatchObject({ onSuccess: 'next', onFailure: 'abort', retry: { maxAttempts: 1 } });
      expect(timeoutOf(d.steps[1]!)).toBe(30);
      expect(fields(d)).toEqual([]);
      expect(probesOf(d)).toEqual([{ field: 'steps.1.probeId', probeId: 'billing-health' }]);
      expect(nextStep(d, 1, 'succeeded')).toEqual({ index: 2 });
      expect(nextStep(d, 1, 'failed')).toEqual({ end: 'failed' });
    });

    it('branches on the result: up → onSuccess (a later step, or the end), down → onFailure', () => {
      const d = probeDef({ onSuccess: 'close', onFailure: 'restart' });
      expect(fields(d)).toEqual([]);
      expect(nextStep(d, 1, 'succeeded')).toEqual({ index: 4 });
      expect(nextStep(d, 1, 'failed')).toEqual({ index: 2 });
      const ends = probeDef({ onSuccess: 'end', onFailure: 'continue' });
      expect(nextStep(ends, 1, 'succeeded')).toEqual({ end: 'succeeded' });
      expect(nextStep(ends, 1, 'failed')).toEqual({ index: 2 });
      // Other kinds have no onSuccess: success always goes on to the next step.
      expect(nextStep(d, 2, 'succeeded')).toEqual({ index: 3 });
    });

    it('refuses an onSuccess to an earlier, the same or an unknown step, and a probe id that is no id', () => {
      expect(fields(probeDef({ onSuccess: 'tell' }))).toEqual(['steps.1.onSuccess']);
      expect(fields(probeDef({ onSuccess: 'check' }))).toEqual(['steps.1.onSuccess']);
      expect(fields(probeDef({ onSuccess: 'nowhere', onFailure: 'gone' }))).toEqual([
        'steps.1.onFailure',
        'steps.1.onSuccess',
      ]);
      const bad = runbookSchema.safeParse({ name: 'x', steps: [{ id: 'a', kind: 'probe', probeId: 'No Such' }] });
      expect(bad.error!.issues[0]!.path.join('.')).toBe('steps.0.probeId');
      const missing = runbookSchema.safeParse({ name: 'x', steps: [{ id: 'a', kind: 'probe' }] });
      expect(missing.error!.issues[0]!.path.join('.')).toBe('steps.0.probeId');
    });
  });
});
