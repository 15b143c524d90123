// The board's site and its CloudFront distribution (decision 0050): /board/* from a private bucket
// through Origin Access Control, everything else from the HTTP API uncached, security headers,
// HTTPS only, access logs; the Cognito hosted-UI client signs in with the code flow (PKCE) and its
// ID tokens pass the API's JWT authorizer.
import { Match } from 'aws-cdk-lib/assertions';
import { catalog } from '../../infra/catalog';
import { logicalId, ref, resourcesOfType, synth } from './support/synth';

const s = synth(catalog);
const distribution = () => resourcesOfType(s, 'AWS::CloudFront::Distribution')[0]![1].Properties!.DistributionConfig;

it('serves /board/* from the site bucket through Origin Access Control and every other path from the API', () => {
  const d = distribution();
  const siteBucket = logicalId(s.stack.board.bucket);
  const s3Origin = d.Origins.find((o: { S3OriginConfig?: unknown }) => o.S3OriginConfig);
  const apiOrigin = d.Origins.find((o: { CustomOriginConfig?: unknown }) => o.CustomOriginConfig);
  expect(s3Origin.DomainName).toEqual({ 'Fn::GetAtt': [siteBucket, 'RegionalDomainName'] });
  expect(s3Origin.OriginAccessControlId).toBeDefined();
  expect(s3Origin.S3OriginConfig.OriginAccessIdentity).toBe('');
  expect(JSON.stringify(apiOrigin.DomainName)).toContain(logicalId(s.stack.api.httpApi));
  expect(apiOrigin.CustomOriginConfig).toMatchObject({
    OriginProtocolPolicy: 'https-only',
    OriginSSLProtocols: ['TLSv1.2'],
  });
  expect(d.DefaultCacheBehavior).toMatchObject({
    TargetOriginId: apiOrigin.Id,
    ViewerProtocolPolicy: 'redirect-to-https',
    AllowedMethods: expect.arrayContaining(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']),
    CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // CachingDisabled
  });
  expect(d.CacheBehaviors).toEqual([
    expect.objectContaining({
      PathPattern: '/board/*',
      TargetOriginId: s3Origin.Id,
      ViewerProtocolPolicy: 'redirect-to-https',
    }),
  ]);
  expect(d.Logging.Bucket).toEqual({ 'Fn::GetAtt': [logicalId(s.stack.board.logBucket), 'RegionalDomainName'] });
  // Only CloudFront (this distribution) may read the bucket; the bucket is not public.
  s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
    Bucket: ref(siteBucket),
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Action: 's3:GetObject',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
        }),
      ]),
    },
  });
  s.template.hasResourceProperties('AWS::S3::Bucket', {
    PublicAccessBlockConfiguration: {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    },
    LoggingConfiguration: { DestinationBucketName: ref(logicalId(s.stack.board.logBucket)) },
  });
});

it('adds the security headers to every response', () => {
  const d = distribution();
  const policyId = d.DefaultCacheBehavior.ResponseHeadersPolicyId;
  expect(d.CacheBehaviors[0].ResponseHeadersPolicyId).toEqual(policyId);
  s.template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
    ResponseHeadersPolicyConfig: {
      SecurityHeadersConfig: {
        ContentSecurityPolicy: {
          ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'self'.*frame-ancestors 'none'"),
        },
        ContentTypeOptions: { Override: true },
        FrameOptions: { FrameOption: 'DENY', Override: true },
        StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000, IncludeSubdomains: true, Override: true },
        ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
      },
    },
  });
});

it('signs in on the board with the hosted UI: code flow only, no secret, callback the board URL', () => {
  const boardClient = logicalId(s.stack.api.boardClient);
  const props = s.resources[boardClient]!.Properties!;
  expect(props).toMatchObject({
    AllowedOAuthFlows: ['code'],
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthScopes: expect.arrayContaining(['openid', 'email']),
    GenerateSecret: false,
    SupportedIdentityProviders: ['COGNITO'],
  });
  expect(JSON.stringify(props.CallbackURLs)).toContain(logicalId(s.stack.board.distribution));
  expect(JSON.stringify(props.CallbackURLs)).toContain('/board/');
  expect(resourcesOfType(s, 'AWS::Cognito::UserPoolDomain')).toHaveLength(1);
  // The board's config.json names the hosted UI and this client; the deployment invalidates /board/*.
  const deployments = resourcesOfType(s, 'Custom::CDKBucketDeployment');
  expect(deployments).toHaveLength(1);
  expect(deployments[0]![1].Properties).toMatchObject({
    DestinationBucketKeyPrefix: 'board/',
    DistributionPaths: ['/board/*'],
    Prune: true,
  });
  expect(JSON.stringify(deployments[0]![1].Properties!.SourceMarkers)).toContain(boardClient);
});

it('prints the board and status page URLs', () => {
  expect(Object.keys(s.outputs)).toEqual(
    expect.arrayContaining(['BoardUrl', 'StatusPageUrl', 'BoardClientId', 'BoardSignInDomain']),
  );
});
