// SNS signatures checked against a real RSA key and X.509 certificate made here: the key by
// node:crypto, the self-signed certificate by the openssl CLI, in a temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  isTrustedSigningCertUrl,
  parseSnsEnvelope,
  verifySnsSignature,
  type SnsEnvelope,
} from '../../../shared/domain/normalizers/cloudwatch';
import { fixtureJson } from './fixtures';
import { makeSigner, signed, type Signer } from '../../support/sns';

let dir: string;
let aws: Signer;
let other: Signer;
const notification = () => parseSnsEnvelope(fixtureJson('cloudwatch', 'notification-alarm.json'));
const confirmation = () => parseSnsEnvelope(fixtureJson('cloudwatch', 'subscription-confirmation.json'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nocturne-sns-'));
  aws = makeSigner(dir, 'aws');
  other = makeSigner(dir, 'other');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('verifySnsSignature', () => {
  it.each(['1', '2'] as const)('accepts a Notification signed with SignatureVersion %s', (version) => {
    expect(verifySnsSignature(signed(notification(), aws, version), aws.certificatePem)).toBe(true);
  });

  it.each(['1', '2'] as const)('accepts a SubscriptionConfirmation signed with SignatureVersion %s', (version) => {
    expect(verifySnsSignature(signed(confirmation(), aws, version), aws.certificatePem)).toBe(true);
  });

  it('accepts a Notification without Subject (not part of the signed string)', () => {
    const { Subject: _, ...rest } = notification() as SnsEnvelope & { Subject?: string };
    expect(verifySnsSignature(signed(rest as SnsEnvelope, aws, '2'), aws.certificatePem)).toBe(true);
  });

  it('rejects a tampered Message', () => {
    const good = signed(notification(), aws, '2');
    const tampered = { ...good, Message: good.Message.replace('"ALARM"', '"OK"') };

    expect(tampered.Message).not.toBe(good.Message);
    expect(verifySnsSignature(tampered, aws.certificatePem)).toBe(false);
  });

  it('rejects a tampered Subject, TopicArn or Token', () => {
    const n = signed(notification(), aws, '1');
    expect(verifySnsSignature({ ...n, Subject: 'OK: all good' } as SnsEnvelope, aws.certificatePem)).toBe(false);
    expect(verifySnsSignature({ ...n, TopicArn: 'arn:aws:sns:eu-west-1:999999999999:evil' }, aws.certificatePem)).toBe(
      false,
    );
    const c = signed(confirmation(), aws, '2');
    expect(verifySnsSignature({ ...c, Token: 'other-token' } as SnsEnvelope, aws.certificatePem)).toBe(false);
  });

  it('rejects a signature checked with the other hash (SignatureVersion changed after signing)', () => {
    const v1 = signed(notification(), aws, '1');
    expect(verifySnsSignature({ ...v1, SignatureVersion: '2' }, aws.certificatePem)).toBe(false);
  });

  it('rejects a message signed by another key', () => {
    expect(verifySnsSignature(signed(notification(), other, '2'), aws.certificatePem)).toBe(false);
    expect(verifySnsSignature(signed(notification(), aws, '2'), other.certificatePem)).toBe(false);
  });

  it('answers false, without throwing, for a certificate or signature that is not one', () => {
    const good = signed(notification(), aws, '2');
    expect(verifySnsSignature(good, 'not a certificate')).toBe(false);
    expect(verifySnsSignature(good, '')).toBe(false);
    expect(verifySnsSignature({ ...good, Signature: '!!!not base64!!!' }, aws.certificatePem)).toBe(false);
    expect(verifySnsSignature(notification(), aws.certificatePem)).toBe(false);
  });
});

describe('isTrustedSigningCertUrl', () => {
  it.each([
    'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-01d088a6f77103d0fe307c0069e40ed6.pem',
    'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
    'https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-abc.pem',
    'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem',
  ])('trusts %s', (url) => {
    expect(isTrustedSigningCertUrl(url)).toBe(true);
  });

  it.each([
    ['plain http', 'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem'],
    ['a look-alike host', 'https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-abc.pem'],
    ['another host with the SNS host in the path', 'https://evil.example/sns.us-east-1.amazonaws.com/cert.pem'],
    ['another AWS service', 'https://s3.amazonaws.com/bucket/cert.pem'],
    ['no region', 'https://sns.amazonaws.com/SimpleNotificationService-abc.pem'],
    ['a file that is not .pem', 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.crt'],
    ['a .pem only in the query', 'https://sns.us-east-1.amazonaws.com/cert?x=.pem'],
    ['an explicit port', 'https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-abc.pem'],
    ['credentials in the URL', 'https://user:pw@sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem'],
    ['not a URL', 'sns.us-east-1.amazonaws.com/cert.pem'],
    ['empty', ''],
  ])('rejects %s', (_, url) => {
    expect(isTrustedSigningCertUrl(url)).toBe(false);
  });
});
