// Revenue assurance alerts: what Nocturne enters into the alert pipeline as the built-in integration
// `nocturne-ra`, as a monitor's webhook would, so incident rules, routing and on-call treat them like
// any other alert. Pure.
import type { CanonicalAlert } from '../alert';
import type { InboxFile } from './files';

export const RA_INTEGRATION_ID = 'nocturne-ra';
export const RA_INTEGRATION_NAME = 'Nocturne revenue assurance';
/** The service RA alerts and the RA daemons' jobs carry (routing, availability). */
export const RA_SERVICE = 'revenue-assurance';

export const fileAlertKey = (f: InboxFile): string => `ra:file:${f.side}/${f.period}/${f.name}`;

const fileLabels = (f: InboxFile) => ({
  alertname: 'RA file rejected',
  ra: 'file',
  side: f.side,
  period: f.period,
  file: f.name,
  service: RA_SERVICE,
});

/** A delivered file was refused whole (tampered, wrongly keyed, not an envelope, unreadable header). */
export function fileRejectedAlert(f: InboxFile, reason: string, at: string): CanonicalAlert {
  return {
    source: 'generic',
    dedupKey: fileAlertKey(f),
    status: 'firing',
    action: 'trigger',
    severity: 'error',
    summary: `RA file ${f.side}/${f.period}/${f.name} rejected, nothing loaded: ${reason}`.slice(0, 1024),
    details: {
      side: f.side,
      period: f.period,
      file: f.name,
      reason,
      movedTo: `rejected/${f.side}/${f.period}/${f.name}`,
    },
    labels: fileLabels(f),
    service: RA_SERVICE,
    resource: `ra-file:${f.side}/${f.period}/${f.name}`,
    startsAt: at,
    links: [],
  };
}

/** A file of the same name was delivered again and loaded: its rejection alert resolves. */
export function fileLoadedResolve(f: InboxFile, at: string, startsAt: string): CanonicalAlert {
  return {
    ...fileRejectedAlert(f, 'loaded on a later delivery', startsAt),
    status: 'resolved',
    action: 'resolve',
    summary: `RA file ${f.side}/${f.period}/${f.name} loaded on a later delivery`,
    endsAt: at,
  };
}
