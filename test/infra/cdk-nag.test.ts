// cdk-nag's AWS Solutions checks pass with no unacknowledged finding, and every acknowledgement
// is one of the kinds docs/decisions/0002-aws-wiring-from-catalog.md explains.
//
// cdk-nag 3 is a CDK policy-validation plugin: its findings are not Annotations any more but
// entries of the cloud assembly's validation report, which this test reads.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Validations, type App } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { buildApp, type BuildAppOptions } from '../../infra/aws/build-app';
import { catalogsUnderTest } from './support/exercise-catalog';

interface Finding {
  rule: string;
  severity: string;
  at: string;
  description: string;
}

/** Synthesize with the checks on, collecting findings instead of failing synthesis. */
function nagFindings(
  opts: BuildAppOptions,
  mutate?: (built: ReturnType<typeof buildApp>) => void,
): { app: App; findings: Finding[] } {
  const built = buildApp({
    ...opts,
    bundle: false,
    nag: true,
    context: { '@aws-cdk/core:failSynthOnValidationErrors': false },
  });
  mutate?.(built);
  const assembly = built.app.synth();
  const reportFile = path.join(assembly.directory, 'validation-report.json');
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as {
    pluginReports: Array<{
      pluginName: string;
      violations: Array<{
        ruleName: string;
        severity: string;
        description: string;
        violatingConstructs: Array<{ constructPath: string }>;
      }>;
    }>;
  };
  const findings = report.pluginReports
    .filter((r) => r.pluginName === 'AwsSolutions')
    .flatMap((r) =>
      r.violations.flatMap((v) =>
        v.violatingConstructs.map((c) => ({
          rule: v.ruleName,
          severity: v.severity,
          at: c.constructPath,
          description: v.description,
        })),
      ),
    );
  return { app: built.app, findings };
}

/** Rules we acknowledge somewhere, each explained in docs/decisions/0013. */
const ACKNOWLEDGEABLE = [
  'AwsSolutions-L1',
  'AwsSolutions-IAM5',
  'AwsSolutions-APIG4',
  'AwsSolutions-SQS3',
  'AwsSolutions-S1',
  'AwsSolutions-SMG4',
  'AwsSolutions-IAM4',
  'AwsSolutions-CFR1',
  'AwsSolutions-CFR2',
  'AwsSolutions-CFR4',
];

/**
 * Acknowledgements aws-cdk-lib writes itself, for validators other than cdk-nag, with where they may be
 * and why they are fine: not ours to document, but not to be let in unseen either.
 */
const CDK_OWN_ACKNOWLEDGEMENTS: Array<{ id: string; at: RegExp; why: string }> = [
  {
    id: 'CloudFormation-Validate::W3045',
    at: /^Nocturne\/Board\/LogBucket$/,
    why: "cfn-lint's W3045 (AccessControl is deprecated): CloudFront's standard logs are written with ACLs, so CDK gives the board's log bucket the LogDeliveryWrite ACL and acknowledges that itself.",
  },
];

describe.each(catalogsUnderTest)('cdk-nag AwsSolutions on %s', (_title, catalog) => {
  const { app, findings } = nagFindings({ catalog });

  it('reports no unacknowledged error or warning', () => {
    expect(findings.map((f) => `${f.severity} ${f.rule} at ${f.at}: ${f.description}`)).toEqual([]);
  });

  it('acknowledges only the documented rules, each with a specific reason', () => {
    const acknowledgements = app.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .map((m) => ({ at: c.node.path, data: m.data as Record<string, string> })),
      )
      // CDK stores the id qualified by its namespace, e.g. "Annotation::AwsSolutions-L1".
      .flatMap(({ at, data }) =>
        Object.entries(data)
          .filter(([id]) => !CDK_OWN_ACKNOWLEDGEMENTS.some((own) => own.id === id && own.at.test(at)))
          .map(([id, reason]) => ({ at, id: id.replace(/^\w+::/, ''), reason })),
      );
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const a of acknowledgements) {
      const documented = ACKNOWLEDGEABLE.some((rule) => a.id === rule || a.id.startsWith(`${rule}[`));
      expect({ id: a.id, at: a.at, documented }).toEqual({ id: a.id, at: a.at, documented: true });
      expect(a.reason.length).toBeGreaterThan(40);
    }
  });
});

describe('cdk-nag wiring', () => {
  it("does flag a non-compliant resource, in the main stack and in a feature's nested stack (the checks really run)", () => {
    const { findings } = nagFindings({}, ({ stack }) => {
      new sqs.Queue(stack, 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
      new sqs.Queue(stack.featureStacks.get('incidents')!, 'PlainQueue', {
        encryption: sqs.QueueEncryption.UNENCRYPTED,
      });
    });
    const at = (prefix: string) => findings.filter((f) => f.at.startsWith(prefix)).map((f) => f.rule);
    for (const prefix of ['Nocturne/PlainQueue', 'Nocturne/FeatureIncidents/PlainQueue'])
      expect(at(prefix)).toEqual(expect.arrayContaining(['AwsSolutions-SQS2', 'AwsSolutions-SQS4']));
    expect(findings.every((f) => /^Nocturne\/(FeatureIncidents\/)?PlainQueue/.test(f.at))).toBe(true);
  });
});
