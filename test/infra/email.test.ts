// E-mail from the monthly reports in AWS: with a verified sender named (context reportsEmailFrom),
// the functions that send e-mail (catalog `sendsEmail`) get REPORTS_EMAIL_FROM and SES send rights
// on that identity only (the address and its domain); without a sender, no function can send any.
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/aws/build-app';
import { catalog } from '../../infra/catalog';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const senders = catalog.functions.filter((f) => f.sendsEmail).map((f) => f.name);

/** Per catalog function: its Lambda environment and every IAM action its policies allow, with resources. */
function emailFacts(context: Record<string, unknown>) {
  const { stack } = buildApp({ catalog, bundle: false, nag: false, context });
  const out = new Map<string, { env: Record<string, unknown>; ses: Json[] }>();
  for (const [name, fn] of stack.functions) {
    const t = Template.fromStack(fn.function.stack).toJSON() as { Resources: Record<string, Json> };
    const fnId = fn.function.stack.getLogicalId(fn.function.node.defaultChild as never);
    const env = t.Resources[fnId].Properties.Environment?.Variables ?? {};
    const roleId = fn.function.stack.getLogicalId(fn.role.node.defaultChild as never);
    const ses = Object.values(t.Resources)
      .filter((r: Json) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: Json) => x.Ref === roleId))
      .flatMap((r: Json) => r.Properties.PolicyDocument.Statement)
      .filter((st: Json) => [st.Action].flat().some((a: string) => a.startsWith('ses:')));
    out.set(name, { env, ses });
  }
  return out;
}

describe('e-mail from the reports', () => {
  it('the report functions are the catalog’s e-mail senders', () => {
    expect(senders.sort()).toEqual(['ops-reports', 'report-scheduler']);
  });

  it('with a sender: REPORTS_EMAIL_FROM and ses:SendEmail on that identity only, for the senders only', () => {
    const facts = emailFacts({ reportsEmailFrom: 'reports@noc.example.com' });
    for (const [name, f] of facts) {
      if (!senders.includes(name)) {
        expect({ name, ses: f.ses, from: f.env.REPORTS_EMAIL_FROM }).toEqual({ name, ses: [], from: undefined });
        continue;
      }
      expect(f.env.REPORTS_EMAIL_FROM).toBe('reports@noc.example.com');
      expect(f.ses).toHaveLength(1);
      expect(f.ses[0].Action).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      const resources = JSON.stringify(f.ses[0].Resource);
      expect(resources).toContain(':identity/reports@noc.example.com');
      expect(resources).toContain(':identity/noc.example.com');
      expect(resources).not.toContain('*');
    }
  });

  it('without a sender: no function may send e-mail, and none is told a sender', () => {
    for (const [, f] of emailFacts({})) {
      expect(f.ses).toEqual([]);
      expect(f.env.REPORTS_EMAIL_FROM).toBeUndefined();
    }
  });

  it('refuses a sender that is not an e-mail address', () => {
    expect(() => buildApp({ catalog, bundle: false, nag: false, context: { reportsEmailFrom: 'reports' } })).toThrow(
      /reportsEmailFrom context value must be an e-mail address/,
    );
  });
});
