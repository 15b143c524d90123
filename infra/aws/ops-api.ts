// The HTTP API in front of every http trigger of the catalog: a Cognito user pool whose groups
// are the ops roles, a JWT authorizer for 'jwt' routes, stage-wide and webhook throttling, and
// JSON access logs.
import { createHash } from 'node:crypto';
import { Duration, Lazy, NestedStack, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Catalog, HttpTrigger } from '../catalog';
import { ROLES } from '../../shared/http/auth';

/** Routes authenticated by an integration token are the webhooks; they get the webhook limits. */
export function isWebhookRoute(trigger: HttpTrigger): boolean {
  return trigger.auth === 'token';
}

export function routeKey(trigger: HttpTrigger): string {
  return `${trigger.method} ${trigger.path}`;
}

/** A construct id per route, readable and unique: "GET /incidents/{id}" → "GETincidentsid" + a hash of the route key. */
function routeConstructId(trigger: HttpTrigger): string {
  const hash = createHash('sha256').update(routeKey(trigger)).digest('hex').slice(0, 8);
  return `${trigger.method}${trigger.path.replace(/[^A-Za-z0-9]/g, '')}${hash}`;
}

export interface OpsApiProps {
  throttle: Catalog['throttle'];
}

export class OpsApi extends Construct {
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  /** The board's client (hosted UI, authorization code with PKCE); its URLs are set by setBoardUrl. */
  readonly boardClient: cognito.UserPoolClient;
  private boardUrl?: string;
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogGroup: logs.LogGroup;
  /** Routes, their integrations, invoke permissions and the authorizer live in a nested stack of their own:
   * at one route per catalog operation they would otherwise push the main stack past CloudFormation's
   * 500-resource limit (docs/decisions/0020-api-routes-nested-stack.md). */
  readonly routesStack: NestedStack;
  private readonly authorizer: HttpUserPoolAuthorizer;
  private readonly webhookThrottle: { rateLimit: number; burstLimit: number };
  private readonly integrations = new Map<lambda.IFunction, HttpLambdaIntegration>();
  /** CfnStage.RouteSettings is a plain JSON map: its keys are written as CloudFormation spells them. */
  private readonly webhookRouteSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> =
    {};

  constructor(scope: Construct, id: string, props: OpsApiProps) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Ops users can rotate webhook tokens and silence pages: a second factor is required.
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Highest role first: Cognito's precedence decides which group's IAM role wins (none here),
    // the handlers read every group from cognito:groups.
    ROLES.toReversed().forEach((role, precedence) => {
      new cognito.UserPoolGroup(this, `Group${role[0]!.toUpperCase()}${role.slice(1)}`, {
        userPool: this.userPool,
        groupName: role,
        description: `Nocturne ${role}`,
        precedence,
      });
    });
    this.userPoolClient = this.userPool.addClient('OpsClient', {
      authFlows: { userSrp: true },
      disableOAuth: true,
      generateSecret: false,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    // The command board signs in through the hosted UI: a public client (no secret), authorization
    // code flow only (PKCE, decision 0050), ID tokens for the API. Its callback is the board's URL
    // on the CloudFront distribution, known once the distribution exists (setBoardUrl).
    const boardUrl = Lazy.string({
      produce: () => {
        if (!this.boardUrl) throw new Error('OpsApi.setBoardUrl was not called: the board client has no callback URL');
        return this.boardUrl;
      },
    });
    this.boardClient = this.userPool.addClient('BoardClient', {
      authFlows: {},
      generateSecret: false,
      preventUserExistenceErrors: true,
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [boardUrl],
        logoutUrls: [boardUrl],
      },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    this.authorizer = new HttpUserPoolAuthorizer('OpsAuthorizer', this.userPool, {
      userPoolClients: [this.userPoolClient, this.boardClient],
    });

    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Nocturne: monitor webhooks and the ops API',
      createDefaultStage: false,
    });
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTimeEpoch',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
    const cfnStage = this.stage.node.defaultChild as apigw.CfnStage;
    cfnStage.routeSettings = Lazy.any({
      produce: () => (Object.keys(this.webhookRouteSettings).length ? this.webhookRouteSettings : undefined),
    });
    this.webhookThrottle = { rateLimit: props.throttle.webhookRateLimit, burstLimit: props.throttle.webhookBurstLimit };
    this.routesStack = new NestedStack(this, 'Routes', {
      description: 'Nocturne: the HTTP API routes, one per catalog operation',
    });
  }

  get url(): string {
    return this.stage.url;
  }

  /** Where the board is served (its hosted-UI callback and sign-out URL). */
  setBoardUrl(url: string): void {
    this.boardUrl = url;
  }

  /** Wire one http trigger of the catalog to its function (one integration per function). */
  addRoute(trigger: HttpTrigger, fn: lambda.IFunction, integrationId: string): apigw.HttpRoute {
    let integration = this.integrations.get(fn);
    if (!integration) {
      // One invoke permission per function for the whole API, not one per route: a route-scoped
      // permission each would push the stack past CloudFormation's 500-resource limit.
      integration = new HttpLambdaIntegration(integrationId, fn, { scopePermissionToRoute: false });
      this.integrations.set(fn, integration);
    }
    const route = new apigw.HttpRoute(this.routesStack, routeConstructId(trigger), {
      httpApi: this.httpApi,
      routeKey: apigw.HttpRouteKey.with(trigger.path, apigw.HttpMethod[trigger.method]),
      integration,
      authorizer: trigger.auth === 'jwt' ? this.authorizer : undefined,
    });

    if (trigger.auth !== 'jwt') {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          trigger.auth === 'token'
            ? `${routeKey(trigger)} is a monitor webhook: monitors cannot obtain Cognito tokens, so the handler authenticates the integration token (constant-time compare) and answers 401 otherwise.`
            : `${routeKey(trigger)} is declared public in infra/catalog.ts (no data behind it), so it has no authorizer.`,
      });
    }
    if (isWebhookRoute(trigger)) {
      this.webhookRouteSettings[routeKey(trigger)] = {
        ThrottlingRateLimit: this.webhookThrottle.rateLimit,
        ThrottlingBurstLimit: this.webhookThrottle.burstLimit,
      };
      // Route settings may only name routes that already exist.
      this.stage.node.addDependency(route);
    }
    return route;
  }
}
