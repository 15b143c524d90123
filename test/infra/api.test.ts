// The HTTP API: Cognito-backed JWT authorizer for ops routes, throttling from the catalog
// (webhook routes get their own limits), access logs.
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { isWebhookRoute, routeKey } from '../../infra/aws/ops-api';
import { ROLES } from '../../shared/http/auth';
import { catalogsUnderTest } from './support/exercise-catalog';
import { arnOf, logicalId, ref, resourcesOfType, synth } from './support/synth';

describe.each(catalogsUnderTest)('API of %s', (_title, catalog) => {
  const s = synth(catalog);
  const stage = () => {
    const stages = resourcesOfType(s, 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    return stages[0]![1].Properties!;
  };
  const webhookRoutes = catalog.functions.flatMap((fn) =>
    fn.triggers.flatMap((t) => (t.kind === 'http' && isWebhookRoute(t) ? [routeKey(t)] : [])),
  );

  it('serves every route from the auto-deployed $default stage', () => {
    expect(stage()).toMatchObject({ StageName: '$default', AutoDeploy: true });
  });

  it('throttles the stage with the catalog limits', () => {
    expect(stage().DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: catalog.throttle.rateLimit,
      ThrottlingBurstLimit: catalog.throttle.burstLimit,
    });
  });

  it('gives webhook routes, and only them, the webhook limits', () => {
    const expected = Object.fromEntries(
      webhookRoutes.map((key) => [
        key,
        {
          ThrottlingRateLimit: catalog.throttle.webhookRateLimit,
          ThrottlingBurstLimit: catalog.throttle.webhookBurstLimit,
        },
      ]),
    );
    expect(stage().RouteSettings).toEqual(expected);
  });

  it('counts both monitor entry points as webhooks', () => {
    expect(webhookRoutes).toEqual(expect.arrayContaining(['POST /hooks/{integrationId}', 'POST /v2/enqueue']));
  });

  it('deploys the stage after the routes its settings name (their nested stack)', () => {
    const routeKeys = resourcesOfType(s, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties!.RouteKey);
    expect(routeKeys).toEqual(expect.arrayContaining(webhookRoutes));
    const routesStackId = logicalId(s.stack.api.routesStack.nestedStackResource!);
    const stageResource = resourcesOfType(s, 'AWS::ApiGatewayV2::Stage')[0]![1];
    expect(stageResource.DependsOn).toEqual(expect.arrayContaining([routesStackId]));
  });

  it("keeps the main stack, the routes stack and each feature's stack within CloudFormation's limits, with room to grow", () => {
    // 500 resources, 200 parameters and 200 outputs per stack. The main stack holds the shared things
    // only; each feature's functions are in its own nested stack (docs/decisions/0021).
    const size = (stack: Stack) => {
      const t = Template.fromStack(stack).toJSON();
      const count = (o: object | undefined) => Object.keys(o ?? {}).length;
      return { resources: count(t.Resources), parameters: count(t.Parameters), outputs: count(t.Outputs) };
    };
    const budgets: Array<[Stack, number]> = [
      [s.stack, 150],
      [s.stack.api.routesStack, 450],
      ...[...s.stack.featureStacks.values()].map((n): [Stack, number] => [n, 300]),
    ];
    for (const [stack, resources] of budgets) {
      const got = size(stack);
      // The stack's path in the expectation names the one over budget, with its counts.
      expect({ stack: stack.node.path, ...got }).toEqual({
        stack: stack.node.path,
        resources: got.resources < resources ? got.resources : `${got.resources}, not under ${resources}`,
        parameters: got.parameters < 150 ? got.parameters : `${got.parameters}, not under 150`,
        outputs: got.outputs < 150 ? got.outputs : `${got.outputs}, not under 150`,
      });
    }
  });

  it('writes JSON access logs with the request id to a log group with retention', () => {
    const logGroupId = logicalId(s.stack.api.accessLogGroup);
    expect(stage().AccessLogSettings.DestinationArn).toEqual(arnOf(logGroupId));
    const format = JSON.parse(stage().AccessLogSettings.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      routeKey: '$context.routeKey',
    });
    expect(s.resources[logGroupId]!.Properties!.RetentionInDays).toBeGreaterThan(0);
  });

  it('validates ops tokens with a JWT authorizer on the user pool and its client', () => {
    const authorizers = resourcesOfType(s, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const p = authorizers[0]![1].Properties!;
    expect(p.AuthorizerType).toBe('JWT');
    expect(p.IdentitySource).toEqual(['$request.header.Authorization']);
    expect(p.JwtConfiguration.Audience).toEqual([
      ref(logicalId(s.stack.api.userPoolClient)),
      ref(logicalId(s.stack.api.boardClient)),
    ]);
    expect(JSON.stringify(p.JwtConfiguration.Issuer)).toContain(JSON.stringify(ref(logicalId(s.stack.api.userPool))));
  });

  it('puts the authorizer on every jwt route and on no other', () => {
    const routes = Object.fromEntries(
      resourcesOfType(s, 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties!.RouteKey, r.Properties!]),
    );
    for (const t of catalog.functions.flatMap((fn) => fn.triggers)) {
      if (t.kind !== 'http') continue;
      expect({ route: routeKey(t), type: routes[routeKey(t)]?.AuthorizationType }).toEqual({
        route: routeKey(t),
        type: t.auth === 'jwt' ? 'JWT' : 'NONE',
      });
    }
  });
});

describe('ops user pool', () => {
  const s = synth(catalogsUnderTest[0]![1]);
  const pool = () => s.resources[logicalId(s.stack.api.userPool)]!;

  it('has one group per ops role', () => {
    const groups = resourcesOfType(s, 'AWS::Cognito::UserPoolGroup').map(([, r]) => r.Properties!.GroupName);
    expect(groups.sort()).toEqual([...ROLES].sort());
  });

  it('lets only administrators create users, with a strong password and a required second factor', () => {
    expect(pool().Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 14,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
    });
    expect(pool().DeletionPolicy).toBe('Retain');
  });

  it('has a public client for SRP sign-in and no OAuth flows', () => {
    const clients = resourcesOfType(s, 'AWS::Cognito::UserPoolClient');
    expect(clients).toHaveLength(2); // and the board's hosted-UI client (test/infra/board-site.test.ts)
    expect(clients[0]![0]).toBe(logicalId(s.stack.api.userPoolClient));
    expect(clients[0]![1].Properties).toMatchObject({
      ExplicitAuthFlows: expect.arrayContaining(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
      GenerateSecret: false,
      PreventUserExistenceErrors: 'ENABLED',
    });
    expect(clients[0]![1].Properties!.AllowedOAuthFlows).toBeUndefined();
  });
});
