// The status page shows a service in a recurring maintenance window as under maintenance: the
// window's schedule is compiled where the windows are loaded (cron-parser loads on first need,
// decision 0011), evaluated in the window's own zone.
import { statusPageState } from '../../shared/app/statuspage/status-updates';
import { maintenanceWindows } from '../../shared/store/silences';
import { givenServices } from '../support/incidents';
import { useOwnTable } from '../support/store';

useOwnTable();

it('shows a service under maintenance while its recurring window is open, operational otherwise', async () => {
  await givenServices();
  // Mondays 03:30 in Tokyo for an hour: Sunday 2026-11-22, 18:30Z to 19:30Z.
  await maintenanceWindows.create(
    {
      id: 'mw-tokyo',
      kind: 'recurring',
      serviceId: 'billing-db',
      name: 'patching',
      cron: '30 3 * * 1',
      timezone: 'Asia/Tokyo',
      durationMinutes: 60,
      createdBy: 'ops',
    } as never,
    '2026-11-21T00:00:00.000Z',
  );
  const statusOf = async (at: string) =>
    Object.fromEntries((await statusPageState(new Date(at))).components.map((c) => [c.id, c.status]));
  expect(await statusOf('2026-11-22T18:45:00Z')).toMatchObject({
    'billing-db': 'under_maintenance',
    'billing-api': 'operational',
  });
  expect((await statusOf('2026-11-22T19:31:00Z'))['billing-db']).toBe('operational');
});
