// Demo runbook: "restart-billing-api" — tell the team, ask for an approval, wait for the restart to
// settle, open a check ticket. Run it by hand on the demo P1, or let its attachment start it: a
// billing-api incident of a BillingApiDown alert does (docs/runbooks.md). Create-if-missing.
import { runbookSchema } from '../../../shared/domain/runbooks/definition';
import { getRunbook, putRunbook } from '../../../shared/store/runbooks';
import type { DemoSeedContext } from './index';

export const DEMO_RUNBOOK_ID = 'restart-billing-api';

export const demoRunbook = runbookSchema.parse({
  name: 'Restart the billing API',
  description: 'Rolling restart of billing-api in one region, with an approval before it.',
  parameters: [{ name: 'region', type: 'string', description: 'Where to restart' }],
  // Attached to billing-api incidents of a BillingApiDown alert (route "billing"): such an incident
  // starts it by itself, and it waits for a responder's approval.
  attach: {
    services: ['billing-api'],
    labels: { alertname: 'BillingApiDown' },
    parameters: { region: 'eu-west-1' },
  },
  steps: [
    {
      id: 'announce',
      kind: 'notify',
      topic: 'stakeholders',
      subject: 'Restarting billing-api in {{params.region}}',
      message: 'Incident #{{incident.number}} ({{incident.title}}): a rolling restart is about to start.',
    },
    { id: 'approve', kind: 'approval', prompt: 'Restart billing-api in {{params.region}} now?', timeoutSeconds: 900 },
    { id: 'settle', kind: 'wait', seconds: 30 },
    {
      id: 'check',
      kind: 'ticket',
      categoryId: 'general-support',
      subject: 'Check billing-api in {{params.region}} after the restart (incident #{{incident.number}})',
      onFailure: 'continue',
    },
  ],
});

export async function seedRunbookDemo({ now }: DemoSeedContext): Promise<void> {
  if (await getRunbook(DEMO_RUNBOOK_ID)) return;
  await putRunbook(DEMO_RUNBOOK_ID, demoRunbook, 'demo', now, undefined);
}
