// Nagios (and Icinga 1 / Naemon) host and service notifications, sent by a notification command
// with curl (docs/monitors/nagios.md). Fields are the Nagios macros, form-encoded or JSON, by
// any case, with or without the NAGIOS_ prefix of the environment-variable form.
import { boundedKey, type AlertAction, type AlertSeverity, type AlertStatus, type CanonicalAlert } from '../alert';
import { ValidationError, type FieldIssue } from '../errors';
import { bounded, cleanLabels, details, link, links, lookup, looseFields, summaryOf, text, toIsoTime } from './fields';
import { parseJsonOrForm } from './parse';
import type { Normalizer } from './types';

export const NAGIOS_NOTIFICATION_TYPES = [
  'PROBLEM',
  'RECOVERY',
  'ACKNOWLEDGEMENT',
  'FLAPPINGSTART',
  'FLAPPINGSTOP',
  'FLAPPINGDISABLED',
  'DOWNTIMESTART',
  'DOWNTIMEEND',
  'DOWNTIMECANCELLED',
  'CUSTOM',
] as const;
export type NagiosNotificationType = (typeof NAGIOS_NOTIFICATION_TYPES)[number];

const HOST_STATES: Record<string, { severity: AlertSeverity; problem: boolean }> = {
  UP: { severity: 'info', problem: false },
  DOWN: { severity: 'critical', problem: true },
  UNREACHABLE: { severity: 'error', problem: true },
};
const SERVICE_STATES: Record<string, { severity: AlertSeverity; problem: boolean }> = {
  OK: { severity: 'info', problem: false },
  WARNING: { severity: 'warning', problem: true },
  CRITICAL: { severity: 'critical', problem: true },
  UNKNOWN: { severity: 'warning', problem: true },
};
/** $HOSTSTATEID$ / $SERVICESTATEID$ when the state name is missing. */
const HOST_STATE_IDS: Record<string, string> = { '0': 'UP', '1': 'DOWN', '2': 'UNREACHABLE' };
const SERVICE_STATE_IDS: Record<string, string> = { '0': 'OK', '1': 'WARNING', '2': 'CRITICAL', '3': 'UNKNOWN' };

/** The macro names as keys: lower case, no separators, NAGIOS_ prefix removed. */
const macroKey = (k: string) => (k.startsWith('nagios') && k.length > 6 ? k.slice(6) : k);

/**
 * What each notification type does. PROBLEM, RECOVERY and ACKNOWLEDGEMENT are explicit;
 * FLAPPINGSTART fires (flapping is a problem even when the last check was OK); every other
 * type only reports a change around the problem, so it follows the current state.
 */
function decide(
  type: NagiosNotificationType,
  problemState: boolean | undefined,
): { status: AlertStatus; action: AlertAction } {
  switch (type) {
    case 'PROBLEM':
    case 'FLAPPINGSTART':
      return { status: 'firing', action: 'trigger' };
    case 'RECOVERY':
      return { status: 'resolved', action: 'resolve' };
    case 'ACKNOWLEDGEMENT':
      return { status: 'firing', action: 'acknowledge' };
    default:
      return problemState === false
        ? { status: 'resolved', action: 'resolve' }
        : { status: 'firing', action: 'trigger' };
  }
}

export const normalizeNagios: Normalizer = (payload, ctx) => {
  const fields = looseFields(parseJsonOrForm(payload), 'Nagios notification', macroKey);
  // A macro Nagios could not expand arrives as itself ($SERVICEDESC$): read as absent.
  const get = (...names: string[]) => {
    for (const n of names) {
      const v = text(fields.get(n));
      if (v !== undefined && !/^\$[A-Z0-9_:]+\$$/.test(v)) return v;
    }
    return undefined;
  };

  const rawType = get('notificationtype');
  const type = rawType?.toUpperCase().replace(/[^A-Z]/g, '') as NagiosNotificationType | undefined;
  const host = get('hostname');
  const issues: FieldIssue[] = [];
  if (!type || !NAGIOS_NOTIFICATION_TYPES.includes(type)) {
    issues.push({
      field: 'NOTIFICATIONTYPE',
      message: `Expected one of ${NAGIOS_NOTIFICATION_TYPES.join(', ')} ($NOTIFICATIONTYPE$).`,
    });
  }
  if (!host) issues.push({ field: 'HOSTNAME', message: 'Required: $HOSTNAME$.' });
  if (issues.length > 0 || !type || !host) throw new ValidationError('The Nagios notification is not valid.', issues);

  const service = get('servicedesc');
  const isService = service !== undefined;
  const stateName =
    (isService ? get('servicestate') : get('hoststate'))?.toUpperCase() ??
    lookup(isService ? SERVICE_STATE_IDS : HOST_STATE_IDS, get(isService ? 'servicestateid' : 'hoststateid'));
  const state = lookup(isService ? SERVICE_STATES : HOST_STATES, stateName);
  const { status, action } = decide(type, state?.problem);
  let severity: AlertSeverity = state?.severity ?? 'error';
  if (type === 'FLAPPINGSTART' && severity === 'info') severity = 'warning';

  const output = isService ? get('serviceoutput') : get('hostoutput');
  const what = isService ? `${service} on ${host}` : `Host ${host}`;
  const lastChange = toIsoTime(isService ? get('lastservicestatechange') : get('lasthoststatechange'));
  const eventTime = toIsoTime(get('timet')) ?? toIsoTime(get('longdatetime'));

  const labels = cleanLabels(
    Object.entries({
      host,
      service,
      state: stateName,
      hostgroup: get('hostgroupname'),
      servicegroup: isService ? get('servicegroupname') : undefined,
      flapping:
        type === 'FLAPPINGSTART'
          ? 'true'
          : type === 'FLAPPINGSTOP' || type === 'FLAPPINGDISABLED'
            ? 'false'
            : undefined,
      downtime: type.startsWith('DOWNTIME') ? type.slice('DOWNTIME'.length).toLowerCase() : undefined,
    }),
  );

  const alert: CanonicalAlert = {
    source: 'nagios',
    dedupKey: boundedKey(isService ? [host, service] : [host]),
    status,
    action,
    severity,
    summary: summaryOf(`${what} is ${stateName ?? type}${output ? `: ${output}` : ''}`, `${what}: ${type}`),
    details: details({
      notificationType: type,
      output,
      longOutput: isService ? get('longserviceoutput') : get('longhostoutput'),
      perfData: isService ? get('serviceperfdata') : get('hostperfdata'),
      address: get('hostaddress'),
      alias: get('hostalias'),
      attempt: isService ? get('serviceattempt') : get('hostattempt'),
      maxAttempts: isService ? get('maxserviceattempts') : get('maxhostattempts'),
      notificationNumber: get('notificationnumber', isService ? 'servicenotificationnumber' : 'hostnotificationnumber'),
      problemId: isService
        ? get('serviceproblemid', 'lastserviceproblemid')
        : get('hostproblemid', 'lasthostproblemid'),
      author: get('notificationauthor', isService ? 'serviceackauthor' : 'hostackauthor'),
      comment: get('notificationcomment', isService ? 'serviceackcomment' : 'hostackcomment'),
      longDateTime: get('longdatetime'),
    }),
    labels,
    service: bounded(ctx.defaultService, 255),
    resource: bounded(host, 1024),
    // The last state change is when the problem (or the recovery) happened; TIMET when it is absent.
    startsAt: (status === 'firing' ? lastChange : undefined) ?? eventTime ?? ctx.receivedAt,
    endsAt: status === 'resolved' ? (lastChange ?? eventTime ?? ctx.receivedAt) : undefined,
    links: links(
      link(isService ? get('servicenotesurl') : undefined, 'Service notes'),
      link(isService ? get('serviceactionurl') : undefined, 'Service action'),
      link(get('hostnotesurl'), 'Host notes'),
      link(get('hostactionurl'), 'Host action'),
    ),
  };
  return [alert];
};
