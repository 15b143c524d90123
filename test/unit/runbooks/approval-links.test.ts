// Signed runbook approval links, pure: one answer to one approval step of one run, as one person,
// until the step's timeout; signed like the page links (same secrets, rotation) under a purpose of
// their own, so neither kind of link passes for the other.
import { ActLinkError, signLink, verifyLink } from '../../../shared/domain/oncall/links';
import {
  signApprovalLink,
  verifyApprovalLink,
  type ApprovalLink,
} from '../../../shared/domain/runbooks/approval-links';

const NOW = new Date('2026-03-01T10:00:00Z');
const SECRETS = ['secret-one'];
const link: ApprovalLink = {
  decision: 'approve',
  runId: '01JNXQ7Z8K4V2M6P9R3T5W7Y0A',
  stepIndex: 1,
  userId: 'ann.smith@example.com',
  expiresAt: new Date(NOW.getTime() + 3600_000),
};

const fault = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof ActLinkError) return err.fault;
    throw err;
  }
  return 'none';
};

describe('runbook approval links', () => {
  it('round-trips the decision, run, step, person and expiry (whole seconds)', () => {
    const token = signApprovalLink(link, SECRETS);
    expect(token).toMatch(/^y\.[0-9a-z]+\.01JNXQ7Z8K4V2M6P9R3T5W7Y0A\.1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}$/);
    expect(verifyApprovalLink(token, SECRETS, NOW)).toEqual(link);
    const reject = signApprovalLink(
      { ...link, decision: 'reject', runId: `rule-${'a'.repeat(40)}`, stepIndex: 49 },
      SECRETS,
    );
    expect(verifyApprovalLink(reject, SECRETS, NOW)).toMatchObject({ decision: 'reject', stepIndex: 49 });
  });

  it('refuses a changed link: another decision, step, run or person, or another key', () => {
    const token = signApprovalLink(link, SECRETS);
    const parts = token.split('.');
    const swap = (i: number, v: string) => parts.map((p, j) => (j === i ? v : p)).join('.');
    expect(fault(() => verifyApprovalLink(swap(0, 'n'), SECRETS, NOW))).toBe('signature');
    expect(fault(() => verifyApprovalLink(swap(3, '2'), SECRETS, NOW))).toBe('signature');
    expect(fault(() => verifyApprovalLink(swap(2, '01JNXQ7Z8K4V2M6P9R3T5W7Y0B'), SECRETS, NOW))).toBe('signature');
    expect(fault(() => verifyApprovalLink(swap(4, Buffer.from('bob').toString('base64url')), SECRETS, NOW))).toBe(
      'signature',
    );
    expect(fault(() => verifyApprovalLink(token, ['another-secret'], NOW))).toBe('signature');
  });

  it('expires with the step; a rotated secret still verifies links in flight', () => {
    const token = signApprovalLink(link, SECRETS);
    expect(fault(() => verifyApprovalLink(token, SECRETS, link.expiresAt))).toBe('expired');
    expect(verifyApprovalLink(token, ['new-secret', 'secret-one'], NOW).userId).toBe(link.userId);
  });

  it('a page link is not an approval link, nor the other way round; garbage is malformed', () => {
    const page = signLink(
      { action: 'acknowledge', incidentId: 'INC1', userId: 'ann', expiresAt: link.expiresAt },
      SECRETS,
    );
    expect(fault(() => verifyApprovalLink(page, SECRETS, NOW))).toBe('malformed');
    const approval = signApprovalLink(link, SECRETS);
    expect(fault(() => verifyLink(approval, SECRETS, NOW))).toBe('malformed');
    // Same shape, other purpose: the signature of a page link's body never verifies here.
    const parts = approval.split('.');
    expect(fault(() => verifyApprovalLink([...parts.slice(0, 5), page.split('.')[4]].join('.'), SECRETS, NOW))).toBe(
      'signature',
    );
    for (const bad of ['', 'y', 'x.1.r.1.dQ.sig', 'y.1.r.100.dQ.sig', 'y.1.r/un.1.dQ.sig'])
      expect(fault(() => verifyApprovalLink(bad, SECRETS, NOW))).toBe('malformed');
  });
});
