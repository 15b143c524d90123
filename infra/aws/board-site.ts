// The command board and the public status page behind one CloudFront distribution (decisions
// 0050, 0051): /board/* from a private S3 bucket through Origin Access Control, every other path
// (the ops API, webhooks, /status, /api/v2/*) from the HTTP API, uncached and with every method.
// A response headers policy adds the security headers; the viewer is redirected to HTTPS. The
// board's static files are built locally with esbuild (infra/web/build.ts) and deployed with its
// config.json (the Cognito hosted UI and the board's app client). It sits in the main stack, next to
// the user pool and the API it points at (docs/decisions/0021: the functions are in nested stacks).
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Aws, DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { BOARD_SECURITY_HEADERS } from '../local/board';
import { PROJECT_ROOT } from './catalog-function';
import { templateAttribute, templateString } from './cross-stack';
import type { OpsApi } from './ops-api';

/** The Content-Security-Policy of the board: the one the local runtime serves (infra/local/board.ts). */
export const BOARD_CSP = BOARD_SECURITY_HEADERS['content-security-policy']!;

export interface BoardSiteProps {
  api: OpsApi;
  /** Build the board with esbuild (false: a placeholder page, for fast synthesis in tests). */
  bundle: boolean;
  /** Prefix of the Cognito hosted-UI domain (<prefix>.auth.<region>.amazoncognito.com), unique in the region.
   * @default `<stack name>-<account id>`, lower case */
  authDomainPrefix?: string;
}

export class BoardSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** Uploads the board's files with its config.json (aws-cdk-lib's deploy-time function). */
  readonly deployment: s3deploy.BucketDeployment;
  readonly boardUrl: string;
  readonly authDomain: string;

  constructor(scope: Construct, id: string, props: BoardSiteProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.logBucket = new s3.Bucket(this, 'LogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // CloudFront's standard logs are written with an ACL: the bucket must accept object writers.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(400) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket holds the CloudFront and site-bucket access logs; logging it into itself adds nothing.',
    });
    this.bucket = new s3.Bucket(this, 'SiteBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'site-bucket/',
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });

    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Nocturne board: security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: BOARD_CSP, override: false },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    // The API: its host, HTTPS only, nothing cached, every header but Host forwarded (the JWT too).
    const apiOrigin = new origins.HttpOrigin(`${props.api.httpApi.apiId}.execute-api.${region}.amazonaws.com`, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Nocturne: command board, status page and API',
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: apiOrigin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: securityHeaders,
      },
      additionalBehaviors: {
        '/board/*': {
          origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: securityHeaders,
        },
      },
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'No geo restriction: the on-call people who use the board and the customers who read the status page are anywhere.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF web ACL by default (a CLOUDFRONT-scope ACL lives in us-east-1): the API behind it throttles per route and checks JWTs and webhook tokens.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate allows TLSv1 for viewers; a custom domain with an ACM certificate gets TLSv1.2_2021 (minimumProtocolVersion is set).',
      },
    );
    this.boardUrl = `https://${this.distribution.distributionDomainName}/board/`;
    props.api.setBoardUrl(this.boardUrl);

    // Hosted-UI domain prefixes are shared by every AWS account of a region: the account id makes the default one free.
    const prefix = props.authDomainPrefix ?? `${Stack.of(this).stackName.toLowerCase()}-${Aws.ACCOUNT_ID}`;
    const domain = props.api.userPool.addDomain('HostedUi', { cognitoDomain: { domainPrefix: prefix } });
    this.authDomain = domain.baseUrl();

    const config = s3deploy.Source.jsonData('config.json', {
      auth: 'cognito',
      cognito: {
        domain: this.authDomain,
        clientId: props.api.boardClient.userPoolClientId,
        redirectUri: this.boardUrl,
        scopes: ['openid', 'email', 'profile'],
      },
    });
    this.deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'board/',
      sources: [props.bundle ? boardAsset() : placeholder(), config],
      distribution: this.distribution,
      distributionPaths: ['/board/*'],
      prune: true,
      memoryLimit: 256,
    });
    acknowledgeDeploymentHandler(Stack.of(this), this.bucket);
  }
}

/** The board's static files, built by `npm run build:web`'s script into the asset directory. */
function boardAsset(): s3deploy.ISource {
  return s3deploy.Source.asset(path.join(PROJECT_ROOT, 'web'), {
    assetHash: undefined,
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
      local: {
        tryBundle(outputDir: string) {
          execFileSync(
            process.execPath,
            ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts', 'build-web.ts'), outputDir],
            {
              cwd: PROJECT_ROOT,
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          );
          return true;
        },
      },
    },
  });
}

function placeholder(): s3deploy.ISource {
  return s3deploy.Source.data(
    'index.html',
    '<!doctype html><title>Nocturne</title><p>Synthesized without bundling (bundle: false); deploy with bundling.</p>',
  );
}

/** CDK's BucketDeployment runs a singleton Lambda function of its own: acknowledge what it is granted. */
function acknowledgeDeploymentHandler(stack: Stack, site: s3.Bucket): void {
  const why =
    "CDK's BucketDeployment handler (run only while deploying) copies the board's asset from the CDK asset bucket into the site bucket and invalidates the distribution: ";
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
    Validations.of(child).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: `${why}its only managed policy lets it write its own logs.`,
      },
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${why}aws-cdk-lib grants ${action} on exactly those two buckets.`,
      })),
      {
        id: `AwsSolutions-IAM5[Resource::${templateString(child, `arn:${Aws.PARTITION}:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*`)}]`,
        reason: `${why}it reads the uploaded asset from the CDK asset bucket.`,
      },
      {
        id: `AwsSolutions-IAM5[Resource::${templateAttribute(child, site)}/*]`,
        reason: `${why}it writes and prunes the objects of the site bucket.`,
      },
      {
        id: 'AwsSolutions-L1',
        reason: `${why}its runtime is chosen by aws-cdk-lib, not by this project.`,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `${why}cloudfront:CreateInvalidation and GetInvalidation take no resource narrower than *.`,
      },
    );
  }
}
